import type { SessionUser } from '#app/services/users';

declare global {
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends SessionUser {}
    interface Request {
      id: string;
      /** The language of this answer (app/web/middleware/locale.ts). */
      locale: string;
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
