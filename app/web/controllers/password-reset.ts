// /password/forgot and /password/reset/TOKEN: a reset link by mail, then a
// new password with it (app/services/password-reset.ts says what must hold).
// The answer to /password/forgot is the same page for every address.
import type { Request, Response } from 'express';
import type { Services } from '#app/context';
import { localize, localizeAll } from '#app/i18n/message';
import { RESET_MINUTES } from '#app/services/account-tokens';
import { ThrottledError, ValidationError } from '#app/services/errors';
import { flash } from '#app/web/flash';
import { originOf } from '#app/web/handler';
import { field, linkRefused, tokenOf } from '#app/web/link-refused';

export type PasswordResetDeps = Pick<Services, 'passwordReset'>;

export function passwordResetController({ passwordReset }: PasswordResetDeps) {
  const askAgain = (req: Request) => ({ href: '/password/forgot', label: req.t('password.askAgain') });

  return {
    forgotForm(_req: Request, res: Response) {
      res.render('password/forgot.njk', { email: '', errors: {}, sent: false, minutes: RESET_MINUTES });
    },

    async forgot(req: Request, res: Response) {
      const email = field(req, 'email');
      try {
        await passwordReset.request(email, originOf(req), req.locale);
      } catch (err) {
        if (err instanceof ThrottledError) {
          res.setHeader('Retry-After', String(err.retryAfterSeconds));
          return res.status(429).render('password/forgot.njk', { email, errors: { email: localize(req.t, err.text) }, sent: false });
        }
        if (!(err instanceof ValidationError)) throw err;
        return res.status(400).render('password/forgot.njk', { email, errors: localizeAll(req.t, err.fieldTexts), sent: false });
      }
      res.render('password/forgot.njk', { email, errors: {}, sent: true, minutes: RESET_MINUTES });
    },

    async resetForm(req: Request, res: Response) {
      try {
        const email = await passwordReset.check(tokenOf(req));
        res.render('password/reset.njk', { email, token: tokenOf(req), errors: {} });
      } catch (err) {
        linkRefused(err, req, res, askAgain(req));
      }
    },

    async reset(req: Request, res: Response) {
      try {
        await passwordReset.reset(tokenOf(req), field(req, 'password'), originOf(req));
      } catch (err) {
        if (!(err instanceof ValidationError)) return linkRefused(err, req, res, askAgain(req));
        const email = await passwordReset.check(tokenOf(req)).catch(() => '');
        return res.status(400).render('password/reset.njk', { email, token: tokenOf(req), errors: localizeAll(req.t, err.fieldTexts) });
      }
      flash(req, req.t('password.flash.reset'));
      res.redirect(303, '/login');
    },
  };
}
