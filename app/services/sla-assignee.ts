// Who gets the task of a stage's SLA: someone who can act on the card in
// that stage. The stage chooses the rule (`task_assignee` in the card type
// YAML):
//
//   actor (default)  the first of the people the card names — its assignee,
//                    the users of its user fields (in field order), its owner
//                    — who may take a transition out of the stage; else the
//                    least-loaded active holder of a role that may take one
//                    (rights over every card of the type, fewest open tasks,
//                    then lowest id); else the owner, so that someone owns the
//                    deadline (the escalation reaches the owner anyway).
//   assignee         the card's assignee, else its owner (whether or not they may act).
//   owner            the card's owner.
//
// What MUST hold: it reads inside the card change's transaction (the card as
// it is about to be committed) and never fails the change: without anyone
// who can act, the owner gets the task.
import type { Database, Transaction } from '#app/db/connection';
import { fieldType } from '#app/fields/registry';
import { labelOf } from '#app/services/card-type-labels';
import type { CardType, StageDef } from '#app/services/card-types';
import type { Card } from '#app/services/cards';
import { allowedTransitions, canRead } from '#app/services/permissions';
import { sessionUserSql, toSessionUser, type SessionUserRow } from '#app/services/users';

const NAMED_USERS = sessionUserSql('any($1::bigint[])');

/** People the card names, in the order they are asked: assignee, user fields, owner. */
function namedOnCard(type: CardType, card: Card): number[] {
  const ids: number[] = [];
  const add = (id: unknown) => {
    if (typeof id === 'number' && Number.isSafeInteger(id) && !ids.includes(id)) ids.push(id);
  };
  add(card.assignee_id);
  for (const f of type.fields) if (fieldType(f).link === 'user') add(card.data[f.name]);
  add(card.owner_id);
  return ids;
}

/** Roles whose rights reach every card of the type for `action`. */
function rolesWithAll(type: CardType, action: 'read' | 'transition'): string[] {
  return Object.entries(type.permissions)
    .filter(([, rights]) => rights[action] === 'all')
    .map(([role]) => role);
}

export async function chooseSlaAssignee(db: Database, type: CardType, card: Card, t: Transaction): Promise<number> {
  const rule = type.stageMap.get(card.stage)?.taskAssignee ?? 'actor';
  if (rule === 'owner') return card.owner_id;
  if (rule === 'assignee') return card.assignee_id ?? card.owner_id;

  const named = namedOnCard(type, card);
  const rows = await db.rows<SessionUserRow>(NAMED_USERS, [named], t);
  for (const id of named) {
    const row = rows.find((r) => r.id === id);
    const user = row && toSessionUser(row);
    if (user && canRead(user, type, card) && allowedTransitions(user, type, card).length) return id;
  }

  const transitionRoles = [...new Set(type.transitions.filter((x) => x.from.includes(card.stage)).flatMap((x) => x.roles))];
  if (transitionRoles.length) {
    const holds = (param: string) =>
      `exists (select 1 from user_roles ur join roles r on r.id = ur.role_id where ur.user_id = u.id and r.name = any(${param}::text[]))`;
    const [holder] = await db.rows<{ id: number }>(
      `select u.id from users u
        where u.is_active and ${holds('$1')} and ${holds('$2')} and ${holds('$3')}
        order by (select count(*) from tasks t where t.assignee_id = u.id and t.status = 'open'), u.id
        limit 1`,
      [transitionRoles, rolesWithAll(type, 'transition'), rolesWithAll(type, 'read')],
      t,
    );
    if (holder) return holder.id;
  }
  return card.owner_id;
}

/**
 * The stage's label as the assignee reads it (their language, else the type's
 * default): an SLA task's title is stored text, read mostly by its assignee.
 */
export async function stageLabelFor(db: Database, stage: StageDef, assignee: number, t: Transaction): Promise<string> {
  const [who] = await db.rows<{ locale: string | null }>('select locale from users where id = $1', [assignee], t);
  return who?.locale ? labelOf(stage, who.locale) : stage.label;
}
