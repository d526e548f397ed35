// Every card route × role × own/foreign card: the expected status, and the
// database proves that a refused request changed nothing. Also the admin's
// /admin/webhooks (list and create): a superuser only, whoever owns what.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import type { Card } from '#app/services/cards';
import type { SessionUser } from '#app/services/users';
import { startTestApp, type TestApp, type TestClient } from '#test/support/app';
import { purchaseInput } from '#test/support/cards';
import { expected, matrixCard, matrixUsers, type Owner, type Role } from '#test/support/access-matrix';

interface Route {
  name: string;
  /** Stage the card must be in first. */
  stage?: 'approval';
  deleted?: boolean;
  run(c: TestClient, card: Card, approverId: number): Promise<number>;
}

const routes: Route[] = [
  { name: 'GET list', run: async (c) => (await c.get('/cards/purchase_request')).status },
  { name: 'GET export', run: async (c) => (await c.get('/cards/purchase_request/export.csv')).status },
  { name: 'GET new', run: async (c) => (await c.get('/cards/purchase_request/new')).status },
  { name: 'GET import', run: async (c) => (await c.get('/cards/purchase_request/import')).status },
  {
    name: 'POST create',
    run: async (c) => (await c.post('/cards/purchase_request', purchaseInput({ title: 'matrix-created' }), { from: '/' })).status,
  },
  { name: 'GET view', run: async (c, card) => (await c.get(`/cards/purchase_request/${card.id}`)).status },
  { name: 'GET edit', run: async (c, card) => (await c.get(`/cards/purchase_request/${card.id}/edit`)).status },
  {
    name: 'POST edit',
    run: async (c, card) =>
      (
        await c.post(
          `/cards/purchase_request/${card.id}/edit`,
          { ...purchaseInput({ title: 'matrix-edited' }), version: String(card.version) },
          { from: '/' },
        )
      ).status,
  },
  { name: 'GET transition', run: async (c, card) => (await c.get(`/cards/purchase_request/${card.id}/transition?name=submit`)).status },
  {
    name: 'POST submit',
    run: async (c, card, a) =>
      (await c.post(`/cards/purchase_request/${card.id}/transition`, { transition: 'submit', approver: String(a) }, { from: '/' })).status,
  },
  {
    name: 'POST approve',
    stage: 'approval',
    run: async (c, card) =>
      (await c.post(`/cards/purchase_request/${card.id}/transition`, { transition: 'approve' }, { from: '/' })).status,
  },
  { name: 'POST delete', run: async (c, card) => (await c.post(`/cards/purchase_request/${card.id}/delete`, {}, { from: '/' })).status },
  {
    name: 'POST restore',
    deleted: true,
    run: async (c, card) => (await c.post(`/cards/purchase_request/${card.id}/restore`, {}, { from: '/' })).status,
  },
  { name: 'GET admin webhooks', run: async (c) => (await c.get('/admin/webhooks')).status },
  {
    name: 'POST admin webhooks',
    run: async (c) =>
      (
        await c.post(
          '/admin/webhooks',
          { url: 'https://example.com/matrix', card_type: 'purchase_request', events: 'card.created' },
          { from: '/cards/purchase_request' },
        )
      ).status,
  },
];

/** What a refused request must leave as it was besides the card: the number of cards and of webhooks. */
async function counts(ctx: AppContext): Promise<string> {
  const [row] = await ctx.db.rows('select (select count(*) from cards)::int as cards, (select count(*) from webhooks)::int as webhooks');
  return JSON.stringify(row);
}

describe('cards: access-control matrix (every route × role × own/foreign card)', () => {
  let app: TestApp;
  let ctx: AppContext;
  const users = {} as Record<Role, SessionUser>;
  const clients = {} as Record<Role, TestClient>;
  let other: SessionUser;
  let manager: SessionUser;
  let approver: SessionUser;

  before(async () => {
    app = await startTestApp();
    ctx = app.ctx;
    const made = await matrixUsers(ctx);
    Object.assign(users, made.users);
    for (const role of Object.keys(users) as Role[]) {
      clients[role] = app.client();
      assert.equal((await clients[role].login(`${role}@example.com`, 'correct horse battery')).status, 303);
    }
    other = made.other;
    manager = users.manager;
    approver = users.approver;
  });

  /** A fresh card in the state the route needs, owned by `owner`. */
  function cardFor(route: Route, owner: SessionUser): Promise<Card> {
    return matrixCard(ctx, route, owner, manager, approver, `matrix ${route.name}`);
  }

  for (const role of Object.keys(expected) as Role[]) {
    for (const owner of ['own', 'foreign'] as Owner[]) {
      it(`${role} × ${owner} card`, async () => {
        const problems: string[] = [];
        for (const route of routes) {
          const want = expected[role][route.name];
          const status = Array.isArray(want) ? want[owner === 'own' ? 0 : 1] : want;
          const card = await cardFor(route, owner === 'own' ? users[role] : other);
          const before = (
            await ctx.db.rows<{ version: number; stage: string; title: string }>('select version, stage, title from cards where id = $1', [
              card.id,
            ])
          )[0];
          const countBefore = await counts(ctx);
          const got = await route.run(clients[role], card, approver.id);
          if (got !== status) problems.push(`${route.name}: expected ${status}, got ${got}`);
          if (got >= 400) {
            const after = (
              await ctx.db.rows<{ version: number; stage: string; title: string }>(
                'select version, stage, title from cards where id = $1',
                [card.id],
              )
            )[0];
            const countAfter = await counts(ctx);
            if (JSON.stringify(after) !== JSON.stringify(before) || countAfter !== countBefore)
              problems.push(`${route.name}: refused with ${got} but the database changed`);
          }
        }
        assert.deepEqual(problems, []);
      });
    }
  }

  it('own scope applies to lists, search and export alike', async () => {
    const mine = await cardFor(routes[0], users.operator);
    await ctx.db.exec("update cards set title = 'zebra-own' where id = $1", [mine.id]);
    const theirs = await cardFor(routes[0], other);
    await ctx.db.exec("update cards set title = 'zebra-foreign', search = to_tsvector('simple', 'zebra-foreign') where id = $1", [
      theirs.id,
    ]);
    await ctx.db.exec("update cards set search = to_tsvector('simple', 'zebra-own') where id = $1", [mine.id]);
    const op = clients.operator;
    const list = await op.get('/cards/purchase_request?q=zebra-own%20OR%20zebra-foreign');
    assert.ok(list.text.includes(`/cards/purchase_request/${mine.id}"`), 'search finds the own card');
    assert.ok(!list.text.includes(`/cards/purchase_request/${theirs.id}"`), 'search never shows a foreign card');
    assert.match(list.text, /data-testid="total">1 card</);
    const csv = await op.get('/cards/purchase_request/export.csv');
    assert.ok(csv.text.includes('zebra-own') && !csv.text.includes('zebra-foreign'), 'export shows only own cards');
    const byNumber = await op.get(`/cards/purchase_request?q=${theirs.number}`);
    assert.match(byNumber.text, /data-testid="total">0 cards/);
    const mgr = await clients.manager.get('/cards/purchase_request/export.csv');
    assert.ok(mgr.text.includes('zebra-own') && mgr.text.includes('zebra-foreign'));
  });
});
