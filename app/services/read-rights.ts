// Who may read which cards, as SQL (for statements that choose recipients:
// notices, watchers, mentions), from the card types' rights
// (app/services/permissions.ts says the same in code).
import type { CardTypes } from '#app/services/card-types';

/**
 * The SQL condition "user `u` may read card `c`" (aliases u: users, c:
 * cards), from the card types' permissions passed as the jsonb parameter
 * `$perm`: {type: {all: [roles], own: [roles]}}. Mirrors permissions.ts.
 */
export function canReadCardSql(perm: string): string {
  return `(c.deleted_at is null and (u.is_superuser or exists (
    select 1 from user_roles ur join roles r on r.id = ur.role_id
     where ur.user_id = u.id and (jsonb_exists(${perm}::jsonb -> c.type -> 'all', r.name)
       or (jsonb_exists(${perm}::jsonb -> c.type -> 'own', r.name) and (c.owner_id = u.id or c.assignee_id = u.id))))))`;
}

export function readPermissions(types: CardTypes): Record<string, { all: string[]; own: string[] }> {
  const out: Record<string, { all: string[]; own: string[] }> = {};
  for (const t of types.all) {
    const all: string[] = [];
    const own: string[] = [];
    for (const [role, p] of Object.entries(t.permissions)) {
      if (p.read === 'all') all.push(role);
      else if (p.read === 'own') own.push(role);
    }
    out[t.name] = { all, own };
  }
  return out;
}

const readRightsMemo = new WeakMap<CardTypes, { revision: number; json: string }>();

/** readPermissions as the `$perm` parameter, remade only when the rights changed (RoleService). */
export function readPermissionsJson(types: CardTypes): string {
  const memo = readRightsMemo.get(types);
  if (memo?.revision === types.rightsRevision) return memo.json;
  const json = JSON.stringify(readPermissions(types));
  readRightsMemo.set(types, { revision: types.rightsRevision, json });
  return json;
}
