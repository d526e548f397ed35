// What an administrator does to other users beyond roles and status
// (/admin/users): change their name, email and time zone; find them in the
// list by a part of the email or name, a role or the status.
import { UniqueConstraintError } from 'sequelize';
import type { Database } from '#app/db/connection';
import { msg, type Text } from '#app/i18n/message';
import type { User } from '#app/models/user';
import type { Models } from '#app/models/registry';
import type { AuthEvents } from '#app/services/auth-events';
import { ValidationError } from '#app/services/errors';
import { parsePhone } from '#app/services/phone';
import { emailProblem, isTimeZone, normalizeEmail, type Actor, type UserService } from '#app/services/users';

export interface ProfileInput {
  email: string;
  displayName: string;
  timeZone: string;
}

export interface UserFilter {
  q?: string;
  role?: string;
  status?: 'active' | 'disabled';
  page?: number;
}

export type ListedUser = User & { roles?: { name: string; label?: string }[] };

export const USERS_PER_PAGE = 50;

export class UserDirectory {
  constructor(
    private readonly db: Database,
    private readonly models: Models,
    private readonly events: AuthEvents,
    private readonly users: UserService,
  ) {}

  /**
   * An administrator's change of a user's name, email and time zone. A new
   * email is taken at once (the administrator vouches for it) and ends the
   * user's pending reset and email-change links, which went to the old one.
   */
  async updateProfile(id: number, input: ProfileInput, by?: Actor): Promise<User> {
    const user = await this.users.get(id);
    const email = normalizeEmail(input.email ?? '');
    const displayName = (input.displayName ?? '').trim();
    const timeZone = (input.timeZone ?? '').trim();
    const fields: Record<string, Text> = {};
    const emailError = emailProblem(email);
    if (emailError) fields.email = emailError;
    if (!displayName) fields.display_name = msg('accounts.displayName.required');
    else if (displayName.length > 200) fields.display_name = msg('accounts.displayName.long', { count: 200 });
    if (!isTimeZone(timeZone)) fields.time_zone = msg('accounts.timeZone.unknown', { zone: timeZone });
    const emailChanged = email !== normalizeEmail(user.email);
    if (!fields.email && emailChanged) {
      const holder = await this.users.findByEmail(email);
      if (holder && holder.id !== id) fields.email = msg('accounts.email.taken', { email });
    }
    if (Object.keys(fields).length) throw new ValidationError(Object.values(fields)[0], fields);
    try {
      await this.db.transaction(async (transaction) => {
        await this.models.User.update({ email, display_name: displayName, time_zone: timeZone }, { where: { id }, transaction });
        if (!emailChanged) return;
        await this.models.AccountToken.destroy({ where: { user_id: id, purpose: ['password_reset', 'email_change'] }, transaction });
        const detail = { from: user.email, to: email, by: by?.userId };
        await this.events.record({ kind: 'email.changed', userId: id, email, origin: by?.origin, detail }, transaction);
      });
    } catch (err) {
      if (!(err instanceof UniqueConstraintError)) throw err;
      throw new ValidationError(msg('accounts.email.taken', { email }), { email: msg('accounts.email.taken', { email }) });
    }
    this.users.changed();
    return this.users.get(id);
  }

  /**
   * The user list filtered: `q` matches a part of the email or the name (in
   * any letter case, any language — compared in code, so the database's
   * collation does not matter), `role` a role held, `status` active or
   * disabled; 50 a page, by email.
   */
  async search(filter: UserFilter): Promise<{ users: ListedUser[]; total: number; page: number; pages: number }> {
    const all = await this.users.list();
    const q = (filter.q ?? '').trim().toLocaleLowerCase();
    const matching = all.filter(
      (u) =>
        (!q || u.email.toLocaleLowerCase().includes(q) || (u.display_name ?? '').toLocaleLowerCase().includes(q)) &&
        (!filter.role || (u.roles ?? []).some((r) => r.name === filter.role)) &&
        (!filter.status || (filter.status === 'active') === u.is_active),
    );
    const pages = Math.max(1, Math.ceil(matching.length / USERS_PER_PAGE));
    const page = Math.min(Math.max(1, Math.trunc(filter.page ?? 1) || 1), pages);
    return { users: matching.slice((page - 1) * USERS_PER_PAGE, page * USERS_PER_PAGE), total: matching.length, page, pages };
  }

  /** The phone number for SMS (international form; '' clears it): the field's message when it is not a number. */
  async setPhone(id: number, typed: string): Promise<void> {
    await this.users.get(id);
    const p = parsePhone(typed);
    if ('error' in p) throw new ValidationError(p.error, { phone: p.error });
    await this.models.User.update({ phone: p.phone }, { where: { id } });
  }
}
