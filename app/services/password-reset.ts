// Password reset by mail (issue 16 item 5): /password/forgot asks for a
// link, /password/reset/TOKEN sets a new password with it.
//
// What MUST hold:
// - Asking answers alike, in words and in time, whether or not the address
//   has an account: the request's path does the same work for every address
//   (a format check, the throttle's two counters, one job row); the lookup,
//   the token and the mail happen in the job (app/services/account-mail.ts).
// - Asking is throttled per address and per account (the email typed), by
//   the sign-in throttle's counters (auth.passwordReset).
// - A link works once, for RESET_MINUTES, and only the newest one of a user
//   (app/services/account-tokens.ts); a password changed any other way
//   ends it too.
// - Using it sets the password under the usual rules, ends every session of
//   the user and every other reset link, in one transaction; a link that
//   cannot be used changes nothing.
import type { Database } from '#app/db/connection';
import type { Jobs } from '#app/jobs/index';
import type { Models } from '#app/models/registry';
import { LinkError, type AccountTokens } from '#app/services/account-tokens';
import type { AuthEvents, Origin } from '#app/services/auth-events';
import type { ResetMailPayload } from '#app/services/account-mail';
import { NotFoundError, ValidationError } from '#app/services/errors';
import { msg } from '#app/i18n/message';
import { passwordWeakness, scryptPasswords, type PasswordHasher } from '#app/services/passwords';
import type { LoginThrottle } from '#app/services/throttle';
import { emailProblem, normalizeEmail } from '#app/services/users';

export interface PasswordResetDeps {
  throttle: LoginThrottle;
  tokens: AccountTokens;
  events: AuthEvents;
  jobs: Jobs;
}

export class PasswordReset {
  constructor(
    private readonly db: Database,
    private readonly models: Models,
    private readonly deps: PasswordResetDeps,
    private readonly passwords: PasswordHasher = scryptPasswords,
  ) {}

  /**
   * Asks for a reset link for `email` (mailed by a job when an active account
   * has it). Throws ValidationError for an address that is not one, and
   * ThrottledError over a limit; otherwise it returns, whoever has the address.
   */
  async request(email: string, origin: Origin, locale: string): Promise<void> {
    const normalized = normalizeEmail(email);
    const problem = emailProblem(normalized);
    if (problem) throw new ValidationError(problem, { email: problem });
    const ip = origin.ip ?? '';
    await this.deps.throttle.reserveReset(normalized, ip);
    const payload = { email: normalized, locale, ip: origin.ip ?? null, userAgent: origin.userAgent ?? null };
    await this.deps.jobs.enqueue('accounts.password_reset_mail', payload);
  }

  /**
   * An administrator sends the user a reset link from the user's page (the
   * same mail and link as /password/forgot, in the user's language; not
   * throttled: it goes to the address on record). A disabled account gets none.
   */
  async sendFor(userId: number, by: { userId: number; origin?: Origin | null }, locale: string): Promise<string> {
    const user = await this.models.User.findByPk(userId);
    if (!user) throw new NotFoundError(msg('accounts.noUser'));
    if (!user.is_active)
      throw new ValidationError(msg('admin.users.resetLinkDisabled'), { reset_link: msg('admin.users.resetLinkDisabled') });
    const origin = by.origin ?? {};
    const payload: ResetMailPayload = {
      email: normalizeEmail(user.email),
      locale: user.locale ?? locale,
      ip: origin.ip ?? null,
      userAgent: origin.userAgent ?? null,
      by: by.userId,
    };
    await this.deps.jobs.enqueue('accounts.password_reset_mail', payload);
    return user.email;
  }

  /** The account a link would reset (its email, for the page); LinkError when the link cannot be used. */
  async check(token: string): Promise<string> {
    const holder = await this.deps.tokens.peek(token, 'password_reset');
    const user = holder && (await this.models.User.findByPk(holder.userId));
    if (!user?.is_active) throw new LinkError();
    return user.email;
  }

  /** Sets the new password with the link; every session of the user ends. */
  async reset(token: string, password: string, origin: Origin): Promise<void> {
    const email = await this.check(token);
    const weak = passwordWeakness(password, email);
    if (weak) throw new ValidationError(weak, { password: weak });
    const hash = await this.passwords.hash(password);
    await this.db.transaction(async (t) => {
      // Used here, in the change's transaction: of two uses at once, one finds nothing.
      const { userId } = await this.deps.tokens.consume(token, 'password_reset', t);
      await this.models.User.update({ password_hash: hash }, { where: { id: userId }, transaction: t });
      await this.db.exec('delete from sessions where user_id = $1', [userId], t);
      await this.deps.tokens.revoke(userId, 'password_reset', t);
      await this.deps.events.record({ kind: 'password.reset', userId, email, origin }, t);
    });
  }
}
