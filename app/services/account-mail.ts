// The mails of accounts: a password reset link and an email change's
// confirmation link, each written by its job (app/jobs/accounts.*.ts), in
// the recipient's language (their choice, else the language of the page
// they asked from), with an absolute link (server.publicUrl).
//
// What MUST hold: the token is made here, in the job, and goes into the
// mail and nowhere else — not into a job's payload or result. A job retried
// after a failed send makes a new token, which replaces the unsent one.
// Whether an address has an account is decided here, off the request's
// path: the page that asked answers the same, as fast, either way.
import { projectRoot, type Settings } from '#app/config';
import type { Database } from '#app/db/connection';
import { createI18n, type I18n } from '#app/i18n/i18n';
import type { Logger } from '#app/log';
import { EMAIL_CHANGE_HOURS, RESET_MINUTES, type AccountTokens } from '#app/services/account-tokens';
import type { AuthEvents } from '#app/services/auth-events';
import { createMailer, type MailMessage, type Mailer } from '#app/services/notice-mail';

/** accounts.password_reset_mail: what /password/forgot was given. */
export interface ResetMailPayload {
  /** As typed, normalized. */
  email: string;
  /** The language of the page it was asked from. */
  locale: string;
  ip: string | null;
  userAgent: string | null;
  /** The administrator who sent it from the user's page; absent when asked on /password/forgot. */
  by?: number;
}

/** accounts.email_change_mail: what /account was given. */
export interface EmailChangeMailPayload {
  userId: number;
  newEmail: string;
  locale: string;
}

interface Recipient {
  id: number;
  email: string;
  display_name: string;
  locale: string | null;
  is_active: boolean;
}

const BY_EMAIL = 'select id, email, display_name, locale, is_active from users where lower(email) = lower($1)';
const BY_ID = 'select id, email, display_name, locale, is_active from users where id = $1';

/** A mailer made on the first mail of a process and closed with it (as mail.send does). */
export function lazyMailer(settings: Pick<Settings, 'mail' | 'server'>, log: Logger, onClose: (fn: () => Promise<void>) => void) {
  let mailer: Mailer | null = null;
  return (message: MailMessage): Promise<void> => {
    if (!mailer) {
      const m = (mailer = createMailer(settings, log));
      onClose(async () => m.close());
    }
    return mailer.send(message);
  };
}

export class AccountMail {
  private readonly i18n: I18n;

  constructor(
    private readonly db: Database,
    private readonly tokens: AccountTokens,
    private readonly events: AuthEvents,
    private readonly settings: Pick<Settings, 'server' | 'i18n'>,
  ) {
    this.i18n = createI18n(projectRoot, settings.i18n.defaultLocale);
  }

  private link(path: string): string {
    return `${(this.settings.server.publicUrl ?? '').replace(/\/$/, '')}${path}`;
  }

  /** The reset mail with a new token, or null (nothing sent) when no active account has the address. */
  async passwordReset(p: ResetMailPayload): Promise<MailMessage | null> {
    const [user] = await this.db.rows<Recipient>(BY_EMAIL, [p.email]);
    const origin = { ip: p.ip, userAgent: p.userAgent };
    const detail = p.by ? { by: p.by } : {};
    await this.events.record({ kind: 'password.reset_requested', userId: user?.id ?? null, email: p.email, origin, detail });
    if (!user?.is_active) return null;
    const token = await this.tokens.issue(user.id, 'password_reset');
    const t = this.i18n.t(this.i18n.resolve(user.locale ?? p.locale));
    return {
      to: user.email,
      subject: t('mail.passwordReset.subject'),
      text: t('mail.passwordReset.text', { email: user.email, minutes: RESET_MINUTES, link: this.link(`/password/reset/${token}`) }),
    };
  }

  /** The confirmation mail to the new address, or null when the user is gone or another account has the address. */
  async emailChange(p: EmailChangeMailPayload): Promise<MailMessage | null> {
    const [user] = await this.db.rows<Recipient>(BY_ID, [p.userId]);
    const [taken] = await this.db.rows<Recipient>(BY_EMAIL, [p.newEmail]);
    if (!user?.is_active || (taken && taken.id !== user.id)) return null;
    const token = await this.tokens.issue(user.id, 'email_change', p.newEmail);
    const t = this.i18n.t(this.i18n.resolve(user.locale ?? p.locale));
    return {
      to: p.newEmail,
      subject: t('mail.emailChange.subject'),
      text: t('mail.emailChange.text', {
        name: user.display_name,
        email: p.newEmail,
        hours: EMAIL_CHANGE_HOURS,
        link: this.link(`/account/email/${token}`),
      }),
    };
  }
}
