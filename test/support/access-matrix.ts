// The access matrix of purchase requests — role × own/foreign card × route —
// shared by the pages (test/integration/cards.access-matrix.test.ts) and the
// REST API (test/integration/api.access-matrix.test.ts): the API must answer
// as the pages do, because both ask the same services.
import type { AppContext } from '#app/context';
import type { Card } from '#app/services/cards';
import type { SessionUser } from '#app/services/users';
import { makePurchase, sessionUserFor } from '#test/support/cards';

export type Role = 'nobody' | 'operator' | 'approver' | 'manager' | 'admin';
export type Owner = 'own' | 'foreign';

export const ROLE_OPTIONS: Record<Role, { roles?: string[]; superuser?: boolean }> = {
  nobody: {},
  operator: { roles: ['operator'] },
  approver: { roles: ['approver'] },
  manager: { roles: ['manager'] },
  admin: { superuser: true },
};

/** What a card must be before a route runs. */
export interface CardState {
  stage?: 'approval';
  deleted?: boolean;
}

// The expected status of each page route; [own, foreign] when they differ.
// The /admin/webhooks rows do not depend on the card: only a superuser.
export const expected: Record<Role, Record<string, number | [number, number]>> = {
  nobody: {
    'GET list': 404,
    'GET export': 404,
    'GET import': 404,
    'GET new': 404,
    'POST create': 404,
    'GET view': 404,
    'GET edit': 404,
    'POST edit': 404,
    'GET transition': 404,
    'POST submit': 404,
    'POST approve': 404,
    'POST delete': 404,
    'POST restore': 404,
    'GET admin webhooks': 403,
    'POST admin webhooks': 403,
  },
  operator: {
    'GET list': 200,
    'GET export': 200,
    'GET import': 200,
    'GET new': 200,
    'POST create': 303,
    'GET view': [200, 404],
    'GET edit': [200, 404],
    'POST edit': [303, 404],
    'GET transition': [200, 404],
    'POST submit': [303, 404],
    'POST approve': [403, 404],
    'POST delete': [403, 404],
    'POST restore': 404,
    'GET admin webhooks': 403,
    'POST admin webhooks': 403,
  },
  approver: {
    'GET list': 200,
    'GET export': 200,
    'GET import': 403,
    'GET new': 403,
    'POST create': 403,
    'GET view': 200,
    'GET edit': 403,
    'POST edit': 403,
    'GET transition': 404,
    'POST submit': 403,
    'POST approve': 303,
    'POST delete': 403,
    'POST restore': 404,
    'GET admin webhooks': 403,
    'POST admin webhooks': 403,
  },
  manager: {
    'GET list': 200,
    'GET export': 200,
    'GET import': 200,
    'GET new': 200,
    'POST create': 303,
    'GET view': 200,
    'GET edit': 200,
    'POST edit': 303,
    'GET transition': 200,
    'POST submit': 303,
    'POST approve': 303,
    'POST delete': 303,
    'POST restore': 404,
    'GET admin webhooks': 403,
    'POST admin webhooks': 403,
  },
  admin: {
    'GET list': 200,
    'GET export': 200,
    'GET import': 200,
    'GET new': 200,
    'POST create': 303,
    'GET view': 200,
    'GET edit': 200,
    'POST edit': 303,
    'GET transition': 200,
    'POST submit': 303,
    'POST approve': 303,
    'POST delete': 303,
    'POST restore': 303,
    'GET admin webhooks': 200,
    'POST admin webhooks': 201,
  },
};

/** The page route's expected status for `role` on an own or foreign card. */
export function expectedStatus(role: Role, route: string, owner: Owner): number {
  const want = expected[role][route];
  return Array.isArray(want) ? want[owner === 'own' ? 0 : 1] : want;
}

/** One user per role (password: correct horse battery), and another operator who owns the foreign cards. */
export async function matrixUsers(ctx: AppContext): Promise<{ users: Record<Role, SessionUser>; other: SessionUser }> {
  const users = {} as Record<Role, SessionUser>;
  for (const [role, opts] of Object.entries(ROLE_OPTIONS) as [Role, { roles?: string[]; superuser?: boolean }][])
    users[role] = await sessionUserFor(ctx, `${role}@example.com`, opts);
  const other = await sessionUserFor(ctx, 'someone.else@example.com', { roles: ['operator'] });
  return { users, other };
}

/** A fresh card in the state a route needs, owned by `owner` (made by a manager on their behalf). */
export async function matrixCard(
  ctx: AppContext,
  state: CardState,
  owner: SessionUser,
  manager: SessionUser,
  approver: SessionUser,
  title: string,
): Promise<Card> {
  const card = await makePurchase(ctx, manager, { approver: String(approver.id), title });
  await ctx.db.exec('update cards set owner_id = $2 where id = $1', [card.id, owner.id]);
  if (state.stage === 'approval') await ctx.services.cards.transition(manager, 'purchase_request', card.id, 'submit');
  if (state.deleted) await ctx.services.cards.remove(manager, 'purchase_request', card.id);
  return (await ctx.db.rows<Card>('select * from cards where id = $1', [card.id]))[0];
}

/** What a refused request must leave as it was: the card's version, stage, title, and the number of cards, media and tasks. */
export async function matrixSnapshot(ctx: AppContext, cardId: number): Promise<string> {
  const [card] = await ctx.db.rows('select version, stage, title, deleted_at from cards where id = $1', [cardId]);
  const [counts] = await ctx.db.rows(
    'select (select count(*) from cards)::int as cards, (select count(*) from media)::int as media, (select count(*) from tasks)::int as tasks',
  );
  return JSON.stringify({ card, counts });
}
