import type { SessionUser } from '#app/services/users';

declare global {
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends SessionUser {}
    interface Request {
      id: string;
      /** The language of this answer (app/web/middleware/locale.ts). */
      locale: string;
      /** Translates a catalog key into this answer's language. */
      t: import('#app/i18n/i18n').Translate;
      /** Unread notices (capped), when read together with the session. */
      unreadNotices?: number;
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    csrfToken?: string;
    returnTo?: string;
    /** The browser that signed in (My account's list of sessions). */
    client?: import('#app/services/account-sessions').SessionClient;
    /** Passed the first factor, waiting for the second (not signed in): app/web/sign-in.ts. */
    pendingSignIn?: import('#app/web/sign-in').PendingSignIn;
    /** Signed in, but may only enrol a second factor (auth.twoFactor.requiredForSuperusers). */
    mustEnrolTwoFactor?: boolean;
    /** A single sign-on under way: what the callback must see again (app/services/oidc.ts). */
    oidc?: import('#app/services/oidc').OidcFlow & { returnTo: string };
  }
}

export {};
