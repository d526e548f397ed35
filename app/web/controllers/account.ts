// /account — My account: name, time zone, language; email (confirmed by a
// mailed link, /account/email/TOKEN); password; my sessions; my recent
// sign-in events. Every form posts here and comes back with a flash, or
// with the page and its field errors (input kept).
import type { Request, Response } from 'express';
import type { Services } from '#app/context';
import type { I18n } from '#app/i18n/i18n';
import { localize, localizeAll } from '#app/i18n/message';
import type { Here } from '#app/services/account';
import { ThrottledError, ValidationError } from '#app/services/errors';
import type { SessionUser } from '#app/services/users';
import type { CookieSettings } from '#app/web/cookies';
import { flash } from '#app/web/flash';
import { originOf, signedIn } from '#app/web/handler';
import { field, linkRefused, tokenOf } from '#app/web/link-refused';
import { deviceCookieOf } from '#app/web/middleware/auth';

export type AccountDeps = Pick<Services, 'account' | 'accountSessions' | 'authEvents'> & { i18n: I18n; settings: CookieSettings };

/** Every zone the runtime knows, UTC first. */
const ZONES = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];

type Values = Record<string, string>;

export function accountController({ account, accountSessions, authEvents, i18n, settings }: AccountDeps) {
  const here = (req: Request): Here => ({
    sid: req.sessionID,
    origin: originOf(req),
    deviceCookie: deviceCookieOf(req, settings),
  });

  async function render(req: Request, res: Response, user: SessionUser, status = 200, errors: Values = {}, typed: Values = {}) {
    const me = await account.get(user.id);
    const values = {
      display_name: me.display_name,
      time_zone: me.time_zone,
      locale: me.locale ?? '',
      phone: me.phone ?? '',
      new_email: '',
      ...typed,
    };
    res.status(status).render('account/index.njk', {
      me,
      values,
      errors,
      languages: i18n.locales.map((code) => ({ code, name: i18n.nativeName(code) })),
      zones: ZONES.includes(values.time_zone) ? ZONES : [values.time_zone, ...ZONES],
      sessions: await accountSessions.list(user.id, req.sessionID),
      events: await authEvents.recent(user.id),
    });
  }

  /**
   * A refusal as the page with its reasons, what was typed kept (passwords
   * never): field errors 400, a wrong current password 401, too many 429.
   */
  async function refused(err: unknown, req: Request, res: Response, user: SessionUser, typed: Values, passwordField: string) {
    if (err instanceof ThrottledError) {
      res.setHeader('Retry-After', String(err.retryAfterSeconds));
      return render(req, res, user, 429, { [passwordField]: localize(req.t, err.text) }, typed);
    }
    if (!(err instanceof ValidationError)) throw err;
    const wrongPassword = Object.keys(err.fieldTexts).includes(passwordField);
    return render(req, res, user, wrongPassword ? 401 : 400, localizeAll(req.t, err.fieldTexts), typed);
  }

  return {
    show: signedIn(async (req, res, { user }) => render(req, res, user)),

    saveProfile: signedIn(async (req, res, { user }) => {
      const typed = {
        display_name: field(req, 'display_name'),
        time_zone: field(req, 'time_zone'),
        locale: field(req, 'locale'),
        phone: field(req, 'phone'),
      };
      try {
        await account.saveProfile(user.id, {
          displayName: typed.display_name,
          timeZone: typed.time_zone,
          locale: typed.locale,
          phone: typed.phone,
        });
      } catch (err) {
        return refused(err, req, res, user, typed, '');
      }
      // The next page is in the language chosen: so is its message.
      flash(req, i18n.t(i18n.resolve(typed.locale || null, req.get('accept-language')))('account.flash.profileSaved'));
      res.redirect(303, '/account');
    }),

    changePassword: signedIn(async (req, res, { user }) => {
      const input = { current: field(req, 'current_password'), next: field(req, 'new_password') };
      try {
        await account.changePassword(user.id, input, here(req));
      } catch (err) {
        return refused(err, req, res, user, {}, 'current_password');
      }
      flash(req, req.t('account.flash.passwordChanged'));
      res.redirect(303, '/account');
    }),

    requestEmailChange: signedIn(async (req, res, { user }) => {
      const typed = { new_email: field(req, 'new_email') };
      try {
        const email = await account.requestEmailChange(
          user.id,
          { email: typed.new_email, password: field(req, 'password') },
          here(req),
          req.locale,
        );
        flash(req, req.t('account.flash.emailLinkSent', { email }));
      } catch (err) {
        return refused(err, req, res, user, typed, 'password');
      }
      res.redirect(303, '/account');
    }),

    /** One other session (`session` = its digest) or all others (`session` = "others"), after the current password. */
    endSessions: signedIn(async (req, res, { user }) => {
      const which = field(req, 'session');
      let count: number;
      try {
        count = await account.endSessions(user.id, which, field(req, 'session_password'), here(req));
      } catch (err) {
        return refused(err, req, res, user, {}, 'session_password');
      }
      if (which === 'others') flash(req, req.t('account.flash.othersEnded', { count }));
      else flash(req, req.t(count ? 'account.flash.sessionEnded' : 'account.sessionGone'), count ? 'success' : 'info');
      res.redirect(303, '/account');
    }),

    /** The page a confirmation link opens: the address and a button (a GET changes nothing: mail scanners open links). */
    async emailConfirmForm(req: Request, res: Response) {
      try {
        const email = await account.emailChangeFor(tokenOf(req), req.user?.id ?? null);
        res.render('account/email-confirm.njk', { email, token: tokenOf(req) });
      } catch (err) {
        linkRefused(err, req, res, { href: '/account', label: req.t('account.link.toAccount') });
      }
    },

    async emailConfirm(req: Request, res: Response) {
      try {
        const email = await account.confirmEmailChange(tokenOf(req), req.user?.id ?? null, originOf(req));
        flash(req, req.t('account.flash.emailChanged', { email }));
        res.redirect(303, req.user ? '/account' : '/login');
      } catch (err) {
        linkRefused(err, req, res, { href: '/account', label: req.t('account.link.toAccount') });
      }
    },
  };
}
