// Accounts: creating users, signing in, roles, disabling.
import { UniqueConstraintError } from 'sequelize';
import { prepared, type Database, type Transaction } from '#app/db/connection';
import type { Models } from '#app/models/registry';
import type { User } from '#app/models/user';
import { projectRoot, type Settings } from '#app/config';
import { createI18n } from '#app/i18n/i18n';
import { msg, type Message, type Text } from '#app/i18n/message';
import { NotFoundError, ValidationError } from '#app/services/errors';
import { decoyHash, hashPassword, passwordWeakness, scryptPasswords, type PasswordHasher } from '#app/services/passwords';
import type { LoginThrottle } from '#app/services/throttle';

/** What a request knows about its signed-in user. */
export interface SessionUser {
  id: number;
  email: string;
  displayName: string;
  isSuperuser: boolean;
  timeZone: string;
  /** The language the user chose (null: the browser's, else the installation's default). */
  locale: string | null;
  roles: string[];
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

/** One row of sessionUserSql. */
export interface SessionUserRow {
  id: number;
  email: string;
  display_name: string;
  is_superuser: boolean;
  time_zone: string;
  locale: string | null;
  roles: string[];
}

/**
 * The statement that reads an active user with their roles, for the user id
 * given as a SQL expression: `sessionUser` passes a parameter, the session
 * store a column of the session row (one round trip for both, per request).
 */
export function sessionUserSql(idExpr: string): string {
  return `select u.id, u.email, u.display_name, u.is_superuser, u.time_zone, u.locale,
            coalesce(array_agg(r.name order by r.name) filter (where r.name is not null), '{}') as roles
       from users u
       left join user_roles ur on ur.user_id = u.id
       left join roles r on r.id = ur.role_id
      where u.id = ${idExpr} and u.is_active
      group by u.id`;
}

const SESSION_USER = prepared(sessionUserSql('$1'));

export function toSessionUser(u: SessionUserRow): SessionUser {
  return {
    id: u.id,
    email: u.email,
    displayName: u.display_name,
    isSuperuser: u.is_superuser,
    timeZone: u.time_zone,
    locale: u.locale,
    roles: u.roles,
  };
}

/** An active user with roles, as a request knows them (services without the UserService use it too). */
export async function readSessionUser(db: Database, id: number): Promise<SessionUser | null> {
  const rows = await db.rows<SessionUserRow>(SESSION_USER, [id]);
  return rows[0] ? toSessionUser(rows[0]) : null;
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

  private changed(): void {
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
  async authenticate(email: string, password: string, from: { ip: string; deviceCookie?: string | null }): Promise<SessionUser> {
    const normalized = normalizeEmail(email ?? '');
    const attempt = { email: normalized, ip: from.ip, deviceCookie: from.deviceCookie };
    const reservation = await this.throttle.reserve(attempt);
    const user = normalized ? await this.findByEmail(normalized) : null;
    const ok = await this.passwords.verify(password ?? '', user?.password_hash ?? (await decoyHash()));
    // A failure keeps its reservation: that is its record.
    if (!user || !ok || !user.is_active) throw new ValidationError(msg('accounts.invalidLogin'));
    await this.throttle.succeeded(reservation);
    await this.models.User.update({ last_login_at: new Date() }, { where: { id: user.id } });
    return (await this.sessionUser(user.id))!;
  }

  /** The signed-in user for a session, or null when gone or disabled. */
  sessionUser(id: number): Promise<SessionUser | null> {
    return readSessionUser(this.db, id);
  }

  async list(): Promise<Array<User & { roles?: { name: string }[] }>> {
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
    return created > 0;
  }

  /** Disabling also ends every session of the user at once. */
  async setActive(id: number, active: boolean): Promise<void> {
    await this.get(id);
    await this.db.transaction(async (transaction) => {
      await this.models.User.update({ is_active: active }, { where: { id }, transaction });
      if (!active) await this.models.Session.destroy({ where: { user_id: id }, transaction });
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

  async setSuperuser(id: number, superuser: boolean): Promise<void> {
    await this.get(id);
    await this.models.User.update({ is_superuser: superuser }, { where: { id } });
  }

  async setRoles(id: number, names: string[]): Promise<void> {
    await this.get(id);
    await this.db.transaction((t) => this.replaceRoles(id, names, t));
  }

  private async replaceRoles(id: number, names: string[], transaction: Transaction): Promise<void> {
    const wanted = [...new Set(names.filter(Boolean))];
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
  }

  /** A new password ends the user's other sessions. */
  async resetPassword(id: number, password: string): Promise<void> {
    const user = await this.get(id);
    const weak = passwordWeakness(password ?? '', user.email);
    if (weak) throw new ValidationError(weak, { password: weak });
    const hash = await hashPassword(password);
    await this.db.transaction(async (transaction) => {
      await this.models.User.update({ password_hash: hash }, { where: { id }, transaction });
      await this.models.Session.destroy({ where: { user_id: id }, transaction });
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
