// Single sign-on: /login/oidc sends the browser to the provider with a new
// flow kept in its session; /login/oidc/callback takes it back once (the
// flow leaves the session whatever happens), has services/oidc check it and
// services/sso-accounts find the user, then ends like any sign-in
// (app/web/sign-in.ts: the second factor when the user has one). A refusal is
// logged with its reason, recorded in the sign-in audit and answered with one
// clear page that says what the person can do.
import type { NextFunction, Request, Response } from 'express';
import type { Services } from '#app/context';
import type { Logger } from '#app/log';
import { NotFoundError } from '#app/services/errors';
import { OidcRefusedError, type OidcRefusal } from '#app/services/oidc';
import { safeReturnTo } from '#app/web/controllers/auth';
import { originOf } from '#app/web/handler';
import type { SignInFlow } from '#app/web/sign-in';

export type SsoDeps = Pick<Services, 'oidc' | 'ssoAccounts' | 'users' | 'authEvents'> & {
  log: Logger;
  /** The provider's name on the pages (auth.oidc.label). */
  label: string | null;
  signIn: SignInFlow;
};

/** What the refused page says: the person's own problem, or the provider's and the administrator's. */
// i18n-keys: sso.refused.*
const PERSONAL: ReadonlySet<OidcRefusal> = new Set(['email_unverified', 'no_email', 'no_account', 'disabled']);

export function ssoController({ oidc, ssoAccounts, users, authEvents, log, label, signIn }: SsoDeps) {
  async function refuse(req: Request, res: Response, err: OidcRefusedError, email: string | null = null) {
    log.warn({ reason: err.reason, detail: err.detail, ip: req.ip }, 'single sign-on refused');
    const detail = { reason: err.reason, method: 'oidc' };
    await authEvents.record({ kind: 'sign_in.failed', userId: null, email, origin: originOf(req), detail });
    const status = err.reason === 'provider_unreachable' ? 503 : 403;
    res.status(status).render('sso-refused.njk', {
      reason: PERSONAL.has(err.reason) ? err.reason : 'failed',
      label: label ?? req.t('sso.defaultLabel'),
      requestId: req.id,
    });
  }

  return {
    async start(req: Request, res: Response) {
      if (!oidc) throw new NotFoundError();
      if (req.user) return res.redirect(303, '/');
      try {
        const { url, flow } = await oidc.start();
        req.session.oidc = { ...flow, returnTo: safeReturnTo(req.session.returnTo) };
        res.redirect(303, url);
      } catch (err) {
        if (!(err instanceof OidcRefusedError)) throw err;
        await refuse(req, res, err);
      }
    },

    async callback(req: Request, res: Response, next: NextFunction) {
      if (!oidc) throw new NotFoundError();
      // Once: a replayed or second callback finds no flow.
      const flow = req.session.oidc;
      delete req.session.oidc;
      let email: string | null = null;
      try {
        const identity = await oidc.finish(new URL(req.originalUrl, 'http://callback').search, flow);
        email = typeof identity.claims.email === 'string' ? identity.claims.email : null;
        const userId = await ssoAccounts.resolve(identity);
        const user = await users.sessionUser(userId);
        if (!user) throw new OidcRefusedError('disabled', `user ${userId}`);
        await signIn.begin(req, res, next, user, 'oidc', flow?.returnTo ?? '/');
      } catch (err) {
        if (!(err instanceof OidcRefusedError)) throw err;
        await refuse(req, res, err, email);
      }
    },
  };
}
