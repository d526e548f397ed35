// Sign-in and sign-out.
import type { NextFunction, Request, Response } from 'express';
import type passport from 'passport';
import type { Settings } from '#app/config';
import type { Services } from '#app/context';
import { localize } from '#app/i18n/message';
import { ThrottledError, ValidationError } from '#app/services/errors';
import { cookieName, SESSION_COOKIE, secureCookies, type CookieSettings } from '#app/web/cookies';
import { originOf, signedIn } from '#app/web/handler';
import type { SignInFlow } from '#app/web/sign-in';

/** Only paths on this site: never an open redirect. */
export function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : '/';
}

export type AuthDeps = Pick<Services, 'authEvents' | 'ssoAccounts'> & {
  settings: CookieSettings & Pick<Settings, 'auth'>;
  passport: passport.PassportStatic;
  /** What follows a right password: the second step, or signed in (app/web/sign-in.ts). */
  signIn: SignInFlow;
};

export function authController({ authEvents, ssoAccounts, settings, passport: pp, signIn }: AuthDeps) {
  const oidc = settings.auth.oidc;

  /** A right password for a user who must sign in through the provider (auth.oidc.passwordForSsoUsers: false). */
  async function passwordOff(req: Request, user: Express.User): Promise<boolean> {
    if (!oidc || oidc.passwordForSsoUsers || !(await ssoAccounts.isSsoUser(user.id))) return false;
    const detail = { reason: 'password_off' as const, method: 'password' };
    await authEvents.record({ kind: 'sign_in.failed', userId: user.id, email: user.email, origin: originOf(req), detail });
    return true;
  }

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
        (async () => {
          if (await passwordOff(req, user)) {
            const label = oidc?.label ?? req.t('sso.defaultLabel');
            return res.status(401).render('login.njk', { email, error: req.t('sso.passwordOff', { label }) });
          }
          await signIn.begin(req, res, next, user, 'password', returnTo);
        })().catch(next);
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
