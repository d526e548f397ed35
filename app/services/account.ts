// My account (/account, issue 16 item 4): a user's own name, time zone and
// language; their password, the current one asked first; their email,
// changed only once a link mailed to the new address is opened.
//
// What MUST hold:
// - The current password is checked through the sign-in throttle (a stolen
//   session cannot guess it faster than a sign-in could).
// - A new password ends every other session of the user and every reset
//   link, in the transaction that stores it; this session stays.
// - Signing sessions out asks for the current password too (ASVS 5.0
//   7.5.2): a stolen session cannot sign its owner out.
// - An email change tells nothing about other accounts: the answer is the
//   same whether or not the new address is taken (then no link is sent,
//   app/services/account-mail.ts), and the link itself is checked again.
import { UniqueConstraintError } from 'sequelize';
import type { Database } from '#app/db/connection';
import { msg, type Text } from '#app/i18n/message';
import type { Jobs } from '#app/jobs/index';
import type { Models } from '#app/models/registry';
import type { User } from '#app/models/user';
import { LinkError, type AccountTokens } from '#app/services/account-tokens';
import type { AccountSessions } from '#app/services/account-sessions';
import type { AuthEvents, Origin } from '#app/services/auth-events';
import { ValidationError } from '#app/services/errors';
import { parsePhone } from '#app/services/phone';
import { passwordWeakness, scryptPasswords, type PasswordHasher } from '#app/services/passwords';
import type { LoginThrottle } from '#app/services/throttle';
import { emailProblem, isTimeZone, normalizeEmail, type UserService } from '#app/services/users';

export interface ProfileInput {
  displayName: string;
  timeZone: string;
  /** A shipped language, or '' for the browser's. */
  locale: string;
  /** For SMS, in international form ('' for none); left as it is when absent. */
  phone?: string;
}

/** Where a change is asked from: this session, this browser, this address. */
export interface Here {
  sid: string;
  origin: Origin;
  /** The signed device cookie (the throttle counts a trusted device on its own). */
  deviceCookie: string | null;
}

export interface AccountDeps {
  users: UserService;
  throttle: LoginThrottle;
  tokens: AccountTokens;
  events: AuthEvents;
  jobs: Jobs;
  sessions: AccountSessions;
}

/** One field's problem as a ValidationError. */
function invalid(field: string, text: Text): ValidationError {
  return new ValidationError(text, { [field]: text });
}

export class AccountService {
  constructor(
    private readonly db: Database,
    private readonly models: Models,
    private readonly deps: AccountDeps,
    private readonly passwords: PasswordHasher = scryptPasswords,
  ) {}

  /** The user as the page shows them (the email included, which the session user has too). */
  get(userId: number): Promise<User> {
    return this.deps.users.get(userId);
  }

  /** Name, time zone, language: every field checked, all errors at once. */
  async saveProfile(userId: number, input: ProfileInput): Promise<void> {
    const fields: Record<string, Text> = {};
    const displayName = input.displayName.trim();
    if (!displayName) fields.display_name = msg('account.errors.nameRequired');
    else if (displayName.length > 200) fields.display_name = msg('accounts.displayName.long', { count: 200 });
    if (!isTimeZone(input.timeZone) || !input.timeZone) fields.time_zone = msg('accounts.timeZone.unknown', { zone: input.timeZone });
    const locale = input.locale || null;
    if (locale !== null && !this.deps.users.locales().includes(locale)) fields.locale = msg('accounts.locale.unknown', { locale });
    const phone = input.phone === undefined ? undefined : parsePhone(input.phone);
    if (phone && 'error' in phone) fields.phone = phone.error;
    if (Object.keys(fields).length) throw new ValidationError(Object.values(fields)[0], fields);
    await this.models.User.update(
      { display_name: displayName, time_zone: input.timeZone, locale, ...(phone && 'phone' in phone ? { phone: phone.phone } : {}) },
      { where: { id: userId } },
    );
  }

  /**
   * The current password, checked as a sign-in is (throttled; a failure
   * keeps its place). Throws a ValidationError on `field`, or ThrottledError.
   */
  private async checkCurrent(user: User, password: string, here: Here, field: string): Promise<void> {
    const reservation = await this.deps.throttle.reserve({ email: user.email, ip: here.origin.ip ?? '', deviceCookie: here.deviceCookie });
    if (!(await this.passwords.verify(password, user.password_hash))) throw invalid(field, msg('account.errors.currentPassword'));
    await this.deps.throttle.succeeded(reservation);
  }

  /** A new password (the current one first): the user's other sessions and reset links end with it. */
  async changePassword(userId: number, input: { current: string; next: string }, here: Here): Promise<void> {
    const user = await this.get(userId);
    const weak = passwordWeakness(input.next, user.email);
    if (weak) throw invalid('new_password', weak);
    await this.checkCurrent(user, input.current, here, 'current_password');
    const hash = await this.passwords.hash(input.next);
    await this.db.transaction(async (t) => {
      await this.models.User.update({ password_hash: hash }, { where: { id: userId }, transaction: t });
      await this.db.exec('delete from sessions where user_id = $1 and sid <> $2', [userId, here.sid], t);
      await this.deps.tokens.revoke(userId, 'password_reset', t);
      await this.deps.events.record({ kind: 'password.changed', userId, email: user.email, origin: here.origin }, t);
    });
  }

  /**
   * Signs out `which` — "others", or one session by its digest — once the
   * current password is given. Returns how many sessions ended (0: that one
   * had ended already, or is not the user's).
   */
  async endSessions(userId: number, which: string, password: string, here: Here): Promise<number> {
    if (which !== 'others' && !/^[0-9a-f]{24}$/.test(which)) throw invalid('session', msg('account.sessionGone'));
    await this.checkCurrent(await this.get(userId), password, here, 'session_password');
    if (which === 'others') return this.deps.sessions.endOthers(userId, here.sid, here.origin);
    return (await this.deps.sessions.end(userId, which, here.sid, here.origin)) ? 1 : 0;
  }

  /**
   * Mails a link to the new address (a job: app/jobs/accounts.email-change-mail.ts);
   * the email changes when it is opened. Returns the address as it will be kept.
   */
  async requestEmailChange(userId: number, input: { email: string; password: string }, here: Here, locale: string): Promise<string> {
    const user = await this.get(userId);
    const email = normalizeEmail(input.email);
    const problem = emailProblem(email);
    if (problem) throw invalid('new_email', problem);
    if (email === normalizeEmail(user.email)) throw invalid('new_email', msg('account.errors.sameEmail'));
    await this.checkCurrent(user, input.password, here, 'password');
    await this.db.transaction(async (t) => {
      await this.deps.events.record(
        { kind: 'email.change_requested', userId, email: user.email, origin: here.origin, detail: { to: email } },
        t,
      );
      await this.deps.jobs.enqueue('accounts.email_change_mail', { userId, newEmail: email, locale }, { transaction: t });
    });
    return email;
  }

  /**
   * The address a confirmation link would set: LinkError when the link is
   * expired, used, replaced, of another kind, or for another user than the
   * one signed in (`signedInAs`; null when nobody is).
   */
  async emailChangeFor(token: string, signedInAs: number | null): Promise<string> {
    const holder = await this.deps.tokens.peek(token, 'email_change');
    if (!holder?.newEmail || (signedInAs !== null && signedInAs !== holder.userId)) throw new LinkError();
    return holder.newEmail;
  }

  /** Uses a confirmation link: the new address replaces the old one. Nothing changes when it throws. */
  async confirmEmailChange(token: string, signedInAs: number | null, origin: Origin): Promise<string> {
    const newEmail = await this.emailChangeFor(token, signedInAs);
    const taken = await this.deps.users.findByEmail(newEmail);
    try {
      return await this.db.transaction(async (t) => {
        const holder = await this.deps.tokens.consume(token, 'email_change', t);
        if (taken && taken.id !== holder.userId) throw new LinkError('taken');
        const user = await this.models.User.findByPk(holder.userId, { transaction: t, lock: t.LOCK.UPDATE });
        if (!user?.is_active) throw new LinkError();
        await this.models.User.update({ email: newEmail }, { where: { id: user.id }, transaction: t });
        const detail = { from: user.email, to: newEmail };
        await this.deps.events.record({ kind: 'email.changed', userId: user.id, email: newEmail, origin, detail }, t);
        return newEmail;
      });
    } catch (err) {
      // Taken by another account between the check and the update.
      if (err instanceof UniqueConstraintError) throw new LinkError('taken');
      throw err;
    }
  }
}
