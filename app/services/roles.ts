// Roles in the browser (issue 17 item 1): create, relabel, describe, delete
// (refused while in use, saying where), who holds each, and each role's
// rights per card type as a matrix of action × scope.
//
// What MUST hold:
// - A right set here (a row of role_permissions) overrides, for its role,
//   type and action, what the type's YAML declares; without a row the YAML
//   holds. The rights live in each CardType's `permissions`, the one place
//   every check reads (app/services/permissions.ts): applying a change
//   rebuilds them from the YAML as loaded plus the rows, so the hot path
//   reads memory as before.
// - A change takes effect at once in this process and, through PostgreSQL's
//   NOTIFY sent in the change's transaction, in every other web process,
//   worker and beat of the installation (app/services/change-signals.ts); a
//   process that lost its listening connection reloads when it is back.
// - A role in use is not deleted: the answer names the users who hold it
//   and the card types that name it.
import type { Database } from '#app/db/connection';
import { msg } from '#app/i18n/message';
import { ACTIONS, type Action, type CardType, type CardTypes, type Scope } from '#app/services/card-types';
import { rolesNamedBy } from '#app/services/card-type-roles';
import type { ChangeSignals } from '#app/services/change-signals';
import { NotFoundError, ValidationError } from '#app/services/errors';
import type { Actor } from '#app/services/users';

export const SCOPES: readonly Scope[] = ['none', 'own', 'all'];
/** PostgreSQL's NOTIFY channel on which a change of roles or rights is announced (the payload: the role's name). */
/** Reads the rights set in the browser; the answer applies them to a set of types about to go in use. */
export type RightsReader = () => Promise<((set: readonly CardType[]) => void) | null>;

export const ROLES_CHANNEL = 'orbis_role_permissions';
const NAME = /^[a-z][a-z0-9_-]*$/;

export interface RoleRow {
  id: number;
  name: string;
  label: string;
  description: string;
  holders: number;
}

export interface RoleUse {
  users: { id: number; email: string; display_name: string }[];
  /** Card types whose YAML names the role (transitions, rights, user fields); rights set in the browser do not count. */
  types: string[];
}

type Rights = Record<string, Record<Action, Scope>>;

const NO_RIGHTS: Record<Action, Scope> = { read: 'none', create: 'none', update: 'none', delete: 'none', transition: 'none' };

/** A copy without a prototype: a role named like an Object member ("constructor") finds nothing inherited. */
function copy(rights: Rights): Rights {
  const out = Object.create(null) as Rights;
  for (const [role, r] of Object.entries(rights)) out[role] = { ...r };
  return out;
}

/** Names that are members of every object: never a role's name. */
const RESERVED = new Set(Object.getOwnPropertyNames(Object.prototype).concat('prototype'));

export class RoleService {
  private labelMap: Record<string, string> = {};

  constructor(
    private readonly db: Database,
    private readonly types: CardTypes,
    private readonly signals: ChangeSignals,
  ) {
    signals.on(ROLES_CHANNEL, () => this.load());
  }

  /** Reads the rights set in the browser and applies them to the card types. */
  async load(): Promise<void> {
    const apply = await this.rightsReader();
    apply?.(this.types.all);
    if (apply) this.types.rightsRevision++;
  }

  /**
   * Reads the rights set in the browser (and the roles' labels); the answer
   * applies them to a set of types, each rebuilt from its declared rights
   * (null before `db upgrade` made the table). A new set of types gets them
   * before it goes in use (CardTypes.replace), so no request sees it without.
   */
  async rightsReader(): ReturnType<RightsReader> {
    let rows: { role: string; card_type: string; action: Action; scope: Scope }[];
    try {
      rows = await this.db.rows(
        'select r.name as role, p.card_type, p.action, p.scope from role_permissions p join roles r on r.id = p.role_id',
      );
    } catch (err) {
      // Before `db upgrade` made the table (the command that makes it opens a context first): the YAML holds.
      if (
        (err as { parent?: { code?: string }; code?: string }).code === '42P01' ||
        (err as { parent?: { code?: string } }).parent?.code === '42P01'
      )
        return null;
      throw err;
    }
    const labels = await this.db.rows<{ name: string; label: string }>('select name, label from roles');
    this.labelMap = Object.fromEntries(labels.map((r) => [r.name, r.label]));
    return (set) => {
      // Rebuilt from each type's definition as saved (types.declared), so a new version of a type keeps the rights set here.
      const next = new Map<string, Rights>();
      for (const type of set) next.set(type.name, copy(this.types.declared(type.name)));
      for (const row of rows) {
        const rights = next.get(row.card_type);
        if (!rights) continue; // a type no longer loaded
        if (!Object.hasOwn(rights, row.role))
          rights[row.role] = { read: 'none', create: 'none', update: 'none', delete: 'none', transition: 'none' };
        rights[row.role][row.action] = row.scope;
      }
      // Swapped whole, per type: a check never sees half a change.
      for (const type of set) (type as { permissions: Rights }).permissions = next.get(type.name) ?? {};
    };
  }

  /** Each role's label by name, as of the last change any process made (kept in memory). */
  labels(): Readonly<Record<string, string>> {
    return this.labelMap;
  }

  /** Tells every process (this one included, at once) that roles or rights changed. */
  private async changed(name: string, t?: Parameters<Database['exec']>[2]): Promise<void> {
    await this.signals.announce(ROLES_CHANNEL, name, t);
  }

  async list(): Promise<RoleRow[]> {
    return this.db.rows<RoleRow>(
      `select r.id, r.name, r.label, r.description, count(ur.user_id)::int as holders
         from roles r left join user_roles ur on ur.role_id = r.id
        group by r.id order by r.name`,
    );
  }

  async get(name: string): Promise<RoleRow> {
    const [row] = await this.db.rows<RoleRow>(
      `select r.id, r.name, r.label, r.description, (select count(*)::int from user_roles where role_id = r.id) as holders
         from roles r where r.name = $1`,
      [name],
    );
    if (!row) throw new NotFoundError(msg('admin.roles.notFound'));
    return row;
  }

  /** Who holds the role and which card types name it. */
  async use(name: string): Promise<RoleUse> {
    const users = await this.db.rows<RoleUse['users'][number]>(
      `select u.id, u.email, u.display_name from users u join user_roles ur on ur.user_id = u.id join roles r on r.id = ur.role_id
        where r.name = $1 order by u.email`,
      [name],
    );
    // What the types' files name (rights set here go with the role).
    const declared = (type: CardType) => this.types.declared(type.name);
    const types = this.types.all.filter((t) => rolesNamedBy({ all: [t] }, declared).includes(name)).map((t) => t.name);
    return { users, types };
  }

  async create(input: { name: string; label: string; description: string }): Promise<RoleRow> {
    const name = input.name.trim();
    const fields = this.check({ ...input, name }, true);
    if (!fields.name && (await this.db.rows('select 1 from roles where name = $1', [name])).length) {
      fields.name = msg('admin.roles.errors.taken', { name });
    }
    if (Object.keys(fields).length) throw new ValidationError(Object.values(fields)[0], fields);
    await this.db.exec('insert into roles (name, label, description) values ($1, $2, $3) on conflict (name) do nothing', [
      name,
      input.label.trim(),
      input.description.trim(),
    ]);
    await this.changed(name);
    await this.load();
    return this.get(name);
  }

  async update(name: string, input: { label: string; description: string }): Promise<void> {
    await this.get(name);
    const fields = this.check({ name, ...input }, false);
    if (Object.keys(fields).length) throw new ValidationError(Object.values(fields)[0], fields);
    await this.db.exec('update roles set label = $2, description = $3, updated_at = now() where name = $1', [
      name,
      input.label.trim(),
      input.description.trim(),
    ]);
    await this.changed(name);
    await this.load();
  }

  /** Deletes an unused role; a role in use is refused, naming where it is used. */
  async remove(name: string): Promise<void> {
    const role = await this.get(name);
    const use = await this.use(name);
    if (use.users.length || use.types.length) {
      const text = msg('admin.roles.errors.inUse', {
        users: use.users.length,
        types: use.types.join(', ') || '—',
      });
      throw new ValidationError(text, { delete: text });
    }
    await this.db.transaction(async (t) => {
      // Held by nobody at the check; refused by the key if someone got it since.
      await this.db.exec('delete from roles where id = $1 and not exists (select 1 from user_roles where role_id = $1)', [role.id], t);
      await this.changed(name, t);
    });
    await this.load();
  }

  /** The role's rights on each card type: as set here, else as the YAML declares (`set` says which). */
  rights(name: string): { type: CardType; scopes: Record<Action, Scope>; declared: Record<Action, Scope> | null }[] {
    return this.types.all.map((type) => ({
      type,
      scopes: { ...((Object.hasOwn(type.permissions, name) && type.permissions[name]) || NO_RIGHTS) },
      declared: (Object.hasOwn(this.types.declared(type.name), name) && this.types.declared(type.name)[name]) || null,
    }));
  }

  /**
   * Sets the role's rights on card types: `input[type][action]` = scope.
   * Every type and action of the input is checked before anything is
   * written; all of it is written in one transaction that notifies the other
   * processes, and applied here before this returns.
   */
  async setRights(name: string, input: Record<string, Record<string, string>>, by?: Actor): Promise<void> {
    const role = await this.get(name);
    const fields: Record<string, ReturnType<typeof msg>> = {};
    const rows: { type: string; action: Action; scope: Scope }[] = [];
    for (const [typeName, actions] of Object.entries(input)) {
      if (!this.types.get(typeName)) {
        fields[`rights.${typeName}`] = msg('admin.roles.errors.unknownType', { type: typeName });
        continue;
      }
      for (const [action, scope] of Object.entries(actions)) {
        if (!(ACTIONS as readonly string[]).includes(action) || !(SCOPES as readonly string[]).includes(scope)) {
          fields[`rights.${typeName}.${action}`] = msg('admin.roles.errors.badScope', { action, scope });
        } else rows.push({ type: typeName, action: action as Action, scope: scope as Scope });
      }
    }
    if (Object.keys(fields).length) throw new ValidationError(Object.values(fields)[0], fields);
    await this.db.transaction(async (t) => {
      for (const r of rows) {
        await this.db.exec(
          `insert into role_permissions (role_id, card_type, action, scope, updated_by) values ($1, $2, $3, $4, $5)
           on conflict (role_id, card_type, action) do update set scope = excluded.scope, updated_by = excluded.updated_by, updated_at = now()`,
          [role.id, r.type, r.action, r.scope, by?.userId ?? null],
          t,
        );
      }
      await this.changed(name, t);
    });
    await this.load();
  }

  private check(input: { name: string; label: string; description: string }, isNew: boolean): Record<string, ReturnType<typeof msg>> {
    const fields: Record<string, ReturnType<typeof msg>> = {};
    if (isNew && (!NAME.test(input.name) || RESERVED.has(input.name))) fields.name = msg('admin.roles.errors.name');
    else if (isNew && input.name.length > 60) fields.name = msg('admin.roles.errors.long', { count: 60 });
    if (!input.label.trim()) fields.label = msg('admin.roles.errors.label');
    else if (input.label.trim().length > 100) fields.label = msg('admin.roles.errors.long', { count: 100 });
    if (input.description.trim().length > 1000) fields.description = msg('admin.roles.errors.long', { count: 1000 });
    return fields;
  }
}
