// Accounts: creating users, signing in, roles, disabling. Every sign-in,
// role change and state change is recorded as an auth event
// (app/services/auth-events.ts), a change in its own transaction.
import { UniqueConstraintError } from 'sequelize';
import type { Database, Transaction } from '#app/db/connection';
import type { Models } from '#app/models/registry';
import type { User } from '#app/models/user';
import { projectRoot, type Settings } from '#app/config';
import { createI18n } from '#app/i18n/i18n';
import { msg, type Message, type Text } from '#app/i18n/message';
import type { AuthEvents, Origin, SignInFailure } from '#app/services/auth-events';
import { NotFoundError, ThrottledError, ValidationError } from '#app/services/errors';
import { decoyHash, hashPassword, passwordWeakness, scryptPasswords, type PasswordHasher } from '#app/services/passwords';
import { readSessionUser, type SessionUser } from '#app/services/session-user';
import type { LoginThrottle } from '#app/services/throttle';

import { ROLES_CHANNEL } from '#app/services/roles';
export { readSessionUser, sessionUserSql, toSessionUser, type SessionUser, type SessionUserRow } from '#app/services/session-user';

/** Who made a change: an administrator, from where (their own changes are the user's own). */
export interface Actor {
  userId: number;
  origin?: Origin | null;
}

export interface NewUser {
  email: string;
  displayName?: string;
  password: string;
  isSuperuser?: boolean;
  roles?: string[];
  timeZone?: string;
  /** A shipped language, or null/absent: the browser's. */
  locale?: string | null;
}

const EMAIL = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;
/** The one answer to a failed sign-in, in English (the catalog's accounts.invalidLogin). */
export const INVALID_LOGIN = 'Invalid email or password.';

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function emailProblem(email: string): Message | null {
  if (!email) return msg('accounts.email.required');
  if (email.length > 254 || !EMAIL.test(email)) return msg('accounts.email.invalid', { email });
  return null;
}

export class UserService {
  constructor(
    private readonly db: Database,
    private readonly models: Models,
    private readonly settings: Settings,
    private readonly throttle: LoginThrottle,
    private readonly events: AuthEvents,
    private readonly passwords: PasswordHasher = scryptPasswords,
  ) {}

  private readonly changeListeners: Array<() => void> = [];

  /**
   * Calls `listener` after a user was created, enabled or disabled (and
   * committed), synchronously: a listener must not throw (the change stands).
   */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  /** Tells the listeners a user changed (also for changes made elsewhere: app/services/user-directory.ts). */
  changed(): void {
    for (const listener of this.changeListeners) listener();
  }

  count(): Promise<number> {
    return this.models.User.count();
  }

  async create(input: NewUser): Promise<User> {
    const email = normalizeEmail(input.email ?? '');
    const fields: Record<string, Text> = {};
    const emailError = emailProblem(email);
    if (emailError) fields.email = emailError;
    const weak = passwordWeakness(input.password ?? '', email);
    if (weak) fields.password = weak;
    const timeZone = input.timeZone || this.settings.timeZone;
    if (!isTimeZone(timeZone)) fields.time_zone = msg('accounts.timeZone.unknown', { zone: timeZone });
    const locale = input.locale || null;
    if (locale !== null && !this.locales().includes(locale)) fields.locale = msg('accounts.locale.unknown', { locale });
    const displayName = (input.displayName ?? '').trim() || email.split('@')[0];
    if (displayName.length > 200) fields.display_name = msg('accounts.displayName.long', { count: 200 });
    if (!fields.email && (await this.findByEmail(email))) fields.email = msg('accounts.email.taken', { email });
    if (Object.keys(fields).length) throw new ValidationError(Object.values(fields)[0], fields);

    const passwordHash = await hashPassword(input.password);
    try {
      // The model call and the role statements share one transaction.
      const created = await this.db.transaction(async (transaction) => {
        const user = await this.models.User.create(
          {
            email,
            display_name: displayName,
            password_hash: passwordHash,
            is_superuser: Boolean(input.isSuperuser),
            time_zone: timeZone,
            locale,
          },
          { transaction },
        );
        if (input.roles?.length) await this.replaceRoles(user.id, input.roles, transaction);
        return user;
      });
      this.changed();
      return created;
    } catch (err) {
      if (err instanceof UniqueConstraintError) {
        throw new ValidationError(msg('accounts.email.taken', { email }), { email: msg('accounts.email.taken', { email }) });
      }
      throw err;
    }
  }

  findByEmail(email: string): Promise<User | null> {
    return this.models.User.findOne({
      where: this.db.sequelize.where(this.db.sequelize.fn('lower', this.db.sequelize.col('email')), normalizeEmail(email)),
    });
  }

  async get(id: number): Promise<User> {
    const user = Number.isSafeInteger(id) ? await this.models.User.findByPk(id) : null;
    if (!user) throw new NotFoundError(msg('accounts.noUser'));
    return user;
  }

  /**
   * Checks a sign-in. Unknown email and wrong password fail alike, in time
   * and in message; a disabled account fails the same way. The throttle
   * reserves the attempt before the password is checked (services/throttle).
   */
  async authenticate(
    email: string,
    password: string,
    from: { ip: string; deviceCookie?: string | null; userAgent?: string | null },
  ): Promise<SessionUser> {
    const normalized = normalizeEmail(email ?? '');
    const origin = { ip: from.ip, userAgent: from.userAgent };
    // Recorded alike for an unknown email and a wrong password: the same cost either way.
    const failed = (reason: SignInFailure, userId: number | null = null) =>
      this.events.record({ kind: 'sign_in.failed', userId, email: normalized, origin, detail: { reason } });
    const attempt = { email: normalized, ip: from.ip, deviceCookie: from.deviceCookie };
    const reservation = await this.throttle.reserve(attempt).catch(async (err: unknown) => {
      if (err instanceof ThrottledError) await this.events.recordThrottled(normalized, origin, err.retryAfterSeconds);
      throw err;
    });
    const user = normalized ? await this.findByEmail(normalized) : null;
    const ok = await this.passwords.verify(password ?? '', user?.password_hash ?? (await decoyHash()));
    // A failure keeps its reservation: that is its record.
    if (!user || !ok || !user.is_active) {
      await failed(!user ? 'unknown_email' : !ok ? 'bad_password' : 'disabled', user?.id ?? null);
      throw new ValidationError(msg('accounts.invalidLogin'));
    }
    await this.throttle.succeeded(reservation);
    await this.models.User.update({ last_login_at: new Date() }, { where: { id: user.id } });
    // 'sign_in.ok' is recorded when the session is signed in (app/web/sign-in.ts): after the second factor, if any.
    return (await this.sessionUser(user.id))!;
  }

  /** The signed-in user for a session, or null when gone or disabled. */
  sessionUser(id: number): Promise<SessionUser | null> {
    return readSessionUser(this.db, id);
  }

  async list(): Promise<Array<User & { roles?: { name: string; label?: string }[] }>> {
    return this.models.User.findAll({
      order: [['email', 'ASC']],
      include: [{ association: 'roles', attributes: ['name', 'label'] }],
    }) as never;
  }

  async roles(): Promise<{ name: string; label: string }[]> {
    return this.models.Role.findAll({ attributes: ['name', 'label'], order: [['name', 'ASC']], raw: true });
  }

  /** Creates the role unless it exists; true when this call created it. */
  async ensureRole(name: string, label?: string): Promise<boolean> {
    const created = await this.db.exec('insert into roles (name, label) values ($1, $2) on conflict (name) do nothing', [
      name,
      label ?? name.replace(/[_-]/g, ' ').replace(/^./, (c) => c.toUpperCase()),
    ]);
    // Running processes learn its label (app/services/roles.ts).
    if (created > 0) await this.db.exec(`select pg_notify('${ROLES_CHANNEL}', $1)`, [name]);
    return created > 0;
  }

  /** Disabling also ends every session of the user at once. */
  async setActive(id: number, active: boolean, by?: Actor): Promise<void> {
    const user = await this.get(id);
    await this.db.transaction(async (transaction) => {
      await this.models.User.update({ is_active: active }, { where: { id }, transaction });
      if (!active) await this.models.Session.destroy({ where: { user_id: id }, transaction });
      if (user.is_active !== active) {
        const kind = active ? 'user.enabled' : 'user.disabled';
        await this.events.record({ kind, userId: id, email: user.email, origin: by?.origin, detail: { by: by?.userId } }, transaction);
      }
    });
    this.changed();
  }

  /** The shipped languages a user may choose. */
  locales(): readonly string[] {
    return createI18n(projectRoot, this.settings.i18n.defaultLocale).locales;
  }

  /** The user's language: a shipped one, or null for the browser's. The next page is in it. */
  async setLocale(id: number, locale: string | null): Promise<void> {
    await this.get(id);
    if (locale !== null && !this.locales().includes(locale)) {
      throw new ValidationError(msg('accounts.locale.unknown', { locale }), { locale: msg('accounts.locale.unknown', { locale }) });
    }
    await this.models.User.update({ locale }, { where: { id } });
  }

  /** Being a superuser is recorded as the role `superuser` granted or revoked. */
  async setSuperuser(id: number, superuser: boolean, by?: Actor): Promise<void> {
    const user = await this.get(id);
    await this.db.transaction(async (transaction) => {
      await this.models.User.update({ is_superuser: superuser }, { where: { id }, transaction });
      if (user.is_superuser !== superuser)
        await this.roleEvents(user, superuser ? ['superuser'] : [], superuser ? [] : ['superuser'], by, transaction);
    });
  }

  async setRoles(id: number, names: string[], by?: Actor): Promise<void> {
    const user = await this.get(id);
    await this.db.transaction(async (t) => {
      const { granted, revoked } = await this.replaceRoles(id, names, t);
      await this.roleEvents(user, granted, revoked, by, t);
    });
  }

  private async roleEvents(user: User, granted: string[], revoked: string[], by: Actor | undefined, t: Transaction): Promise<void> {
    const common = { userId: user.id, email: user.email, origin: by?.origin };
    for (const role of granted) await this.events.record({ ...common, kind: 'role.granted', detail: { role, by: by?.userId } }, t);
    for (const role of revoked) await this.events.record({ ...common, kind: 'role.revoked', detail: { role, by: by?.userId } }, t);
  }

  /** Replaces the user's roles; returns the names granted and revoked. */
  private async replaceRoles(id: number, names: string[], transaction: Transaction): Promise<{ granted: string[]; revoked: string[] }> {
    const wanted = [...new Set(names.filter(Boolean))];
    const before = await this.db.rows<{ name: string }>(
      'select r.name from roles r join user_roles ur on ur.role_id = r.id where ur.user_id = $1',
      [id],
      transaction,
    );
    const known = await this.models.Role.findAll({ attributes: ['id', 'name'], where: { name: wanted }, transaction });
    const unknown = wanted.filter((n) => !known.some((r) => r.name === n));
    if (unknown.length)
      throw new ValidationError(msg('accounts.roles.unknown', { role: unknown[0] }), {
        roles: msg('accounts.roles.unknown', { role: unknown[0] }),
      });
    await this.models.UserRole.destroy({ where: { user_id: id }, transaction });
    await this.models.UserRole.bulkCreate(
      known.map((role) => ({ user_id: id, role_id: role.id })),
      { transaction },
    );
    const had = before.map((r) => r.name);
    return { granted: wanted.filter((n) => !had.includes(n)), revoked: had.filter((n) => !wanted.includes(n)) };
  }

  /** A new password set by an administrator ends the user's sessions. */
  async resetPassword(id: number, password: string, by?: Actor): Promise<void> {
    const user = await this.get(id);
    const weak = passwordWeakness(password ?? '', user.email);
    if (weak) throw new ValidationError(weak, { password: weak });
    const hash = await hashPassword(password);
    await this.db.transaction(async (transaction) => {
      await this.models.User.update({ password_hash: hash }, { where: { id }, transaction });
      await this.models.Session.destroy({ where: { user_id: id }, transaction });
      await this.models.AccountToken.destroy({ where: { user_id: id, purpose: 'password_reset' }, transaction });
      const event = { kind: 'password.reset', userId: id, email: user.email, origin: by?.origin, detail: { by: by?.userId } } as const;
      await this.events.record(event, transaction);
    });
  }
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
