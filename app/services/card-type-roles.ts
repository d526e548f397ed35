// The roles a card type names: who may take its transitions, whose rights its
// permissions declare, who may be chosen in its user fields. `db upgrade`
// (and `npm start`) creates each of them, so that a fresh installation can
// give operators the roles its processes expect without demo data.
//
// What MUST hold: derived from the card types loaded at start (never a list
// kept here), and idempotent (an existing role, its label included, is left
// as an administrator made it).
import type { CardType, CardTypes } from '#app/services/card-types';
import type { UserService } from '#app/services/users';

/** Every role the card types name, sorted; `rights` gives each type's rights (default: as they stand now). */
export function rolesNamedBy(types: Pick<CardTypes, 'all'>, rights = (type: CardType) => type.permissions): string[] {
  const names = new Set<string>();
  for (const type of types.all) {
    for (const t of type.transitions) for (const r of t.roles) names.add(r);
    for (const r of Object.keys(rights(type))) names.add(r);
    for (const f of type.fields) if (f.role) names.add(f.role);
  }
  return [...names].sort();
}

/** Creates the roles the card types name that do not exist yet; returns the names created. */
export async function ensureCardTypeRoles(types: CardTypes, users: UserService): Promise<string[]> {
  const created: string[] = [];
  for (const name of rolesNamedBy(types)) if (await users.ensureRole(name)) created.push(name);
  return created;
}
