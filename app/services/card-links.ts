// The checks of a card save that need the database: the users a card names
// (its assignee, user fields) exist, are active and hold the field's role;
// the cards it references exist, are of the field's type, live, and readable
// by the person saving. Asked for many cards at once (an import's batch) in
// two statements whatever their number; a single save asks for one.
import type { Database, Transaction } from '#app/db/connection';
import { fieldType } from '#app/fields/registry';
import { msg, type Text } from '#app/i18n/message';
import type { FieldValue } from '#app/services/card-fields';
import type { Card } from '#app/services/card-reads';
import type { CardType, CardTypes } from '#app/services/card-types';
import { canRead } from '#app/services/permissions';
import type { SessionUser } from '#app/services/users';

/** One card's values to check; problems are added to its `errors`. */
export interface LinkCheck {
  data: Record<string, FieldValue>;
  assigneeId: number | null;
  errors: Record<string, Text>;
}

export async function checkLinks(
  db: Database,
  types: CardTypes,
  loadMany: (ids: number[], t?: Transaction) => Promise<Card[]>,
  user: SessionUser,
  type: CardType,
  entries: LinkCheck[],
  t?: Transaction,
): Promise<void> {
  const named = entries.map((e) => {
    const userIds = new Map<string, number>();
    const cardIds = new Map<string, number>();
    for (const f of type.fields) {
      const ft = fieldType(f);
      const id = ft.link ? ft.fromStored(e.data[f.name]) : null;
      if (typeof id === 'number') (ft.link === 'user' ? userIds : cardIds).set(f.name, id);
    }
    if (e.assigneeId !== null) userIds.set('assignee', e.assigneeId);
    return { userIds, cardIds };
  });
  const allUsers = [...new Set(named.flatMap((n) => [...n.userIds.values()]))];
  const allCards = [...new Set(named.flatMap((n) => [...n.cardIds.values()]))];
  const users = allUsers.length
    ? await db.rows<{ id: number; roles: string[] }>(
        `select u.id, coalesce(array_agg(r.name) filter (where r.name is not null), '{}') as roles from users u
           left join user_roles ur on ur.user_id = u.id left join roles r on r.id = ur.role_id
          where u.id = any($1::bigint[]) and u.is_active group by u.id`,
        [allUsers],
        t,
      )
    : [];
  const userById = new Map(users.map((u) => [Number(u.id), u]));
  const cardById = new Map((allCards.length ? await loadMany(allCards, t) : []).map((c) => [Number(c.id), c]));
  named.forEach(({ userIds, cardIds }, i) => {
    const errors = entries[i].errors;
    for (const [field, id] of userIds) {
      const u = userById.get(id);
      const role = type.fieldMap.get(field)?.role;
      if (!u) errors[field] = msg('fields.errors.noActiveUser');
      else if (role && !u.roles.includes(role)) errors[field] = msg('fields.errors.needsRole', { role });
    }
    for (const [name, id] of cardIds) {
      const target = types.get(type.fieldMap.get(name)!.to!)!;
      const ref = cardById.get(id);
      if (!ref || ref.type !== target.name || ref.deleted_at || !canRead(user, target, ref))
        errors[name] = msg('fields.errors.noCardToSee', { type: target.label.toLowerCase() });
    }
  });
}
