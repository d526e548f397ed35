import type { SessionUser } from '#app/services/users';

declare global {
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends SessionUser {}
    interface Request {
      id: string;
      /** Unread notices (capped), when read together with the session. */
      unreadNotices?: number;
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    csrfToken?: string;
    returnTo?: string;
  }
}

export {};
