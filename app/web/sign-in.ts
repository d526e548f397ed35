// The end of every sign-in, whatever the first factor was (the password
// form, single sign-on):
// - a user with a second factor is NOT signed in yet: a new anonymous
//   session remembers who passed the first factor and when, and the browser
//   goes to /login/two-factor; that step expires after STEP_MS;
// - otherwise (or once the code is right) the session is signed in: a new
//   session id (passport's logIn regenerates it: no fixation), its one CSRF
//   token, and this browser remembered as a trusted device for the throttle;
// - a superuser without a second factor, when auth.twoFactor.
//   requiredForSuperusers is set, is signed in but held to the enrolment
//   page (twoFactorGate) until they enrolled.
import type { NextFunction, Request, Response } from 'express';
import type { Settings } from '#app/config';
import type { Services } from '#app/context';
import type { SessionUser } from '#app/services/users';
import { cookieName, secureCookies, type CookieSettings } from '#app/web/cookies';
import { originOf } from '#app/web/handler';
import { DEVICE_COOKIE, deviceCookieOf } from '#app/web/middleware/auth';
import { issueCsrfToken } from '#app/web/middleware/csrf';
import { clientOf } from '#app/web/middleware/session-client';

/** How long the second step may take after the first. */
export const STEP_MS = 5 * 60_000;

export type FirstFactor = 'password' | 'oidc';

export interface PendingSignIn {
  userId: number;
  email: string;
  method: FirstFactor;
  returnTo: string;
  /** When the first factor passed (ms). */
  at: number;
}

export type SignInDeps = Pick<Services, 'twoFactor' | 'throttle' | 'authEvents'> & { settings: CookieSettings & Pick<Settings, 'auth'> };

export interface SignInFlow {
  /** After a first factor passed: the second step, or signed in. */
  begin(req: Request, res: Response, next: NextFunction, user: SessionUser, method: FirstFactor, returnTo: string): Promise<void>;
  /** The session's sign-in waiting for its second step, when there is one and it has not expired. */
  pending(req: Request): PendingSignIn | null;
  /** Signs the session in (recorded with how: `password`, `oidc`, `password+totp`, …) and redirects. */
  finish(req: Request, res: Response, next: NextFunction, user: SessionUser, returnTo: string, method: string): Promise<void>;
}

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}

export function signInFlow({ twoFactor, throttle, authEvents, settings }: SignInDeps): SignInFlow {
  function trustDevice(req: Request, res: Response, email: string) {
    const existing = deviceCookieOf(req, settings) ?? '';
    if (throttle.trustedDevice(email, existing)) return;
    const tokens = [throttle.issueDevice(email), ...existing.split('|').filter(Boolean)].slice(0, 5);
    res.cookie(cookieName(settings, DEVICE_COOKIE), tokens.join('|'), {
      path: '/',
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      secure: secureCookies(settings),
      maxAge: 365 * 24 * 3600 * 1000,
    });
  }

  async function finish(
    req: Request,
    res: Response,
    next: NextFunction,
    user: SessionUser,
    returnTo: string,
    method: string,
    mustEnrol = false,
  ) {
    await authEvents.record({ kind: 'sign_in.ok', userId: user.id, email: user.email, origin: originOf(req), detail: { method } });
    // req.logIn regenerates the session id (no fixation) and drops the pending step with the old session.
    req.logIn(user, (loginErr) => {
      if (loginErr) return next(loginErr);
      // The new session's one CSRF token, saved with this redirect.
      issueCsrfToken(req);
      // What My account lists this session by.
      req.session.client = clientOf(req);
      if (mustEnrol) req.session.mustEnrolTwoFactor = true;
      trustDevice(req, res, user.email);
      res.redirect(303, mustEnrol ? '/account/two-factor' : returnTo);
    });
  }

  return {
    async begin(req, res, next, user, method, returnTo) {
      if (await twoFactor.isEnrolled(user.id)) {
        await regenerate(req);
        req.session.pendingSignIn = { userId: user.id, email: user.email, method, returnTo, at: Date.now() };
        return res.redirect(303, '/login/two-factor');
      }
      await finish(req, res, next, user, returnTo, method, settings.auth.twoFactor.requiredForSuperusers && user.isSuperuser);
    },

    pending(req) {
      const p = req.session.pendingSignIn;
      if (p && Date.now() - p.at <= STEP_MS) return p;
      if (p) delete req.session.pendingSignIn;
      return null;
    },

    finish: (req, res, next, user, returnTo, method) => finish(req, res, next, user, returnTo, method),
  };
}
