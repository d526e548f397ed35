import type { SessionUser } from '#app/services/users';

declare global {
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends SessionUser {}
    interface Request {
      id: string;
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    csrfToken?: string;
    flash?: { kind: 'success' | 'danger' | 'info' | 'warning'; text: string }[];
    returnTo?: string;
  }
}

export {};
