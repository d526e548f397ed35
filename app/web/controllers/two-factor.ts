// Second factors: a user's own page (/account/two-factor: enrol with a QR
// code, confirm with a first code, the recovery codes shown once; or turn it
// off), the second step of a sign-in (/login/two-factor), and an
// administrator's reset from the user's admin page.
import type { NextFunction, Request, Response } from 'express';
import QRCode from 'qrcode';
import type { Settings } from '#app/config';
import type { Services } from '#app/context';
import { localize, msg } from '#app/i18n/message';
import { ForbiddenError, ThrottledError, ValidationError } from '#app/services/errors';
import type { SessionUser } from '#app/services/users';
import type { CookieSettings } from '#app/web/cookies';
import { flash } from '#app/web/flash';
import { id, originOf, signedIn } from '#app/web/handler';
import { deviceCookieOf } from '#app/web/middleware/auth';
import type { SignInFlow } from '#app/web/sign-in';

export type TwoFactorDeps = Pick<Services, 'twoFactor' | 'users' | 'authEvents'> & {
  settings: CookieSettings & Pick<Settings, 'auth'>;
  signIn: SignInFlow;
};

/** The base32 secret in groups of four, as people type it. */
function grouped(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

function codeOf(req: Request): string {
  return typeof req.body?.code === 'string' ? req.body.code.slice(0, 64) : '';
}

export function twoFactorController({ twoFactor, users, authEvents, settings, signIn }: TwoFactorDeps) {
  const from = (req: Request) => ({
    ip: req.ip ?? '',
    deviceCookie: deviceCookieOf(req, settings),
    userAgent: req.get('user-agent') ?? null,
  });
  /** Superusers may not turn it off when the setting makes it mandatory for them. */
  const mandatory = (user: SessionUser) => settings.auth.twoFactor.requiredForSuperusers && user.isSuperuser;

  /** The page; after a wrong code it shows the same enrolment again (an answer that refuses writes nothing). */
  async function page(req: Request, res: Response, user: SessionUser, status = 200, error: string | null = null, code = '') {
    const enrolment = await twoFactor.enrolment(user.id, user.email, status === 200);
    const qr = enrolment ? await QRCode.toString(enrolment.uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, width: 220 }) : null;
    res.status(status).render('account/two-factor.njk', {
      status: await twoFactor.status(user.id),
      enrolment: enrolment ? { secret: grouped(enrolment.secret), qr } : null,
      mustEnrol: Boolean(req.session.mustEnrolTwoFactor),
      mandatory: mandatory(user),
      error,
      code,
    });
  }

  /** The sign-in page again, with a message (the second step expired or is gone). */
  function backToLogin(req: Request, res: Response) {
    res.status(401).render('login.njk', { email: '', error: req.t('twofactor.stepExpired') });
  }

  return {
    page: signedIn(async (req, res, { user }) => page(req, res, user)),

    confirm: signedIn(async (req, res, { user }) => {
      // Nothing waiting to be confirmed (enrolled, or the enrolment expired): the page says where things are.
      if (!(await twoFactor.enrolment(user.id, user.email, false))) return res.redirect(303, '/account/two-factor');
      const code = codeOf(req);
      let codes: string[];
      try {
        codes = await twoFactor.confirm(user, code, originOf(req));
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return page(req, res, user, 400, localize(req.t, err.text), code);
      }
      delete req.session.mustEnrolTwoFactor;
      res.render('account/two-factor-codes.njk', { codes });
    }),

    disable: signedIn(async (req, res, { user }) => {
      if (mandatory(user)) throw new ForbiddenError(msg('twofactor.mandatory'));
      if (!(await twoFactor.isEnrolled(user.id))) return res.redirect(303, '/account/two-factor');
      try {
        await twoFactor.disable(user, codeOf(req), from(req));
      } catch (err) {
        if (err instanceof ThrottledError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
        if (!(err instanceof ValidationError || err instanceof ThrottledError)) throw err;
        return page(req, res, user, err instanceof ThrottledError ? 429 : 400, localize(req.t, err.text));
      }
      flash(req, req.t('twofactor.flash.disabled'));
      res.redirect(303, '/account/two-factor');
    }),

    stepForm(req: Request, res: Response) {
      if (req.user) return res.redirect(303, '/');
      if (!signIn.pending(req)) return res.redirect(303, '/login');
      res.render('login-two-factor.njk', { error: null });
    },

    async step(req: Request, res: Response, next: NextFunction) {
      const pending = signIn.pending(req);
      if (!pending) {
        const detail = { reason: 'step_expired' as const };
        await authEvents.record({ kind: 'sign_in.failed', userId: null, origin: originOf(req), detail });
        return backToLogin(req, res);
      }
      let used: string;
      try {
        used = await twoFactor.verifySignIn({ id: pending.userId, email: pending.email }, codeOf(req), from(req));
      } catch (err) {
        if (!(err instanceof ValidationError || err instanceof ThrottledError)) throw err;
        if (err instanceof ThrottledError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
        return res.status(err instanceof ThrottledError ? 429 : 401).render('login-two-factor.njk', { error: localize(req.t, err.text) });
      }
      // Disabled between the steps: out, like any disabled user.
      const user = await users.sessionUser(pending.userId);
      if (!user) return backToLogin(req, res);
      await signIn.finish(req, res, next, user, pending.returnTo, `${pending.method}+${used}`);
    },

    adminReset: signedIn({ id: id(msg('accounts.noUser')) }, async (req, res, { user, params }) => {
      await users.get(params.id);
      const removed = await twoFactor.reset(params.id, { userId: user.id, origin: originOf(req) });
      flash(req, req.t(removed ? 'twofactor.flash.reset' : 'twofactor.flash.nothingToReset'), removed ? 'success' : 'info');
      res.redirect(303, `/admin/users/${params.id}`);
    }),
  };
}

/**
 * Holds a session that must enrol a second factor (auth.twoFactor.
 * requiredForSuperusers) to the enrolment page: every other page sends it
 * there; a form post or JSON request elsewhere is refused.
 */
export function twoFactorGate(req: Request, res: Response, next: NextFunction) {
  if (!req.user || !req.session.mustEnrolTwoFactor) return next();
  if (req.path === '/account/two-factor' || req.path.startsWith('/account/two-factor/') || req.path === '/logout') return next();
  if (req.method === 'GET' && req.accepts('html')) return res.redirect(303, '/account/two-factor');
  next(new ForbiddenError(msg('twofactor.enrolFirst')));
}
