// Sign-in and sign-out.
import type { NextFunction, Request, Response } from 'express';
import type passport from 'passport';
import type { Services } from '#app/context';
import { localize } from '#app/i18n/message';
import { ThrottledError, ValidationError } from '#app/services/errors';
import { cookieName, SESSION_COOKIE, secureCookies, type CookieSettings } from '#app/web/cookies';
import { DEVICE_COOKIE } from '#app/web/middleware/auth';
import { issueCsrfToken } from '#app/web/middleware/csrf';
import { originOf, signedIn } from '#app/web/handler';

/** Only paths on this site: never an open redirect. */
export function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : '/';
}

export type AuthDeps = Pick<Services, 'throttle' | 'authEvents'> & { settings: CookieSettings; passport: passport.PassportStatic };

export function authController({ throttle, authEvents, settings, passport: pp }: AuthDeps) {
  return {
    form(req: Request, res: Response) {
      if (req.user) return res.redirect(303, '/');
      res.render('login.njk', { email: '', error: null });
    },

    login(req: Request, res: Response, next: NextFunction) {
      const email = typeof req.body?.email === 'string' ? req.body.email : '';
      const returnTo = safeReturnTo(req.session.returnTo);
      pp.authenticate('local', { session: true }, (err: unknown, user: Express.User | false) => {
        if (err instanceof ValidationError || err instanceof ThrottledError || !user) {
          const status = err instanceof ThrottledError ? 429 : 401;
          if (err instanceof ThrottledError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
          const message =
            err instanceof ValidationError || err instanceof ThrottledError
              ? localize(req.t, err.text)
              : req.t('accounts.enterCredentials');
          return res.status(status).render('login.njk', { email, error: message });
        }
        if (err) return next(err);
        // req.logIn regenerates the session id (no fixation).
        req.logIn(user, (loginErr) => {
          if (loginErr) return next(loginErr);
          // The new session's one CSRF token, saved with this redirect.
          issueCsrfToken(req);
          // Remember this browser as a trusted device for this account.
          const existing: string = req.signedCookies?.[cookieName(settings, DEVICE_COOKIE)] ?? '';
          if (!throttle.trustedDevice(user.email, existing)) {
            const tokens = [throttle.issueDevice(user.email), ...existing.split('|').filter(Boolean)].slice(0, 5);
            res.cookie(cookieName(settings, DEVICE_COOKIE), tokens.join('|'), {
              path: '/',
              signed: true,
              httpOnly: true,
              sameSite: 'lax',
              secure: secureCookies(settings),
              maxAge: 365 * 24 * 3600 * 1000,
            });
          }
          res.redirect(303, returnTo);
        });
      })(req, res, next);
    },

    logout: signedIn(async (req, res, { user }, next) => {
      await authEvents.record({ kind: 'sign_out', userId: user.id, email: user.email, origin: originOf(req) });
      req.logout((err) => {
        if (err) return next(err);
        req.session.destroy((destroyErr) => {
          if (destroyErr) return next(destroyErr);
          // The same attributes as when set: a browser keeps a `__Host-`
          // cookie whose removal lacks Secure or path=/.
          res.clearCookie(cookieName(settings, SESSION_COOKIE), {
            httpOnly: true,
            sameSite: 'lax',
            secure: secureCookies(settings),
            path: '/',
          });
          // And everything else this site left in the browser: its cache (the
          // pages just seen), cookies (the trusted-device one too: signing out
          // is "forget me here") and storage.
          res.setHeader('Clear-Site-Data', '"cache", "cookies", "storage"');
          res.redirect(303, '/login');
        });
      });
    }),
  };
}
