// The access matrix through the REST API: every card route of /api/v1 × role
// × own/foreign card answers as its page does (the matrix of the pages,
// test/support/access-matrix.ts: a page's 200/303 is the API's success, 403
// and 404 the same), and a refused request changes nothing. Every answer is
// then held to the OpenAPI document.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import type { Card } from '#app/services/cards';
import type { SessionUser } from '#app/services/users';
import { startTestApp, type TestApp } from '#test/support/app';
import { ApiClient, contractProblems, servedDocument, tokenFor, type Recorded } from '#test/support/api';
import {
  expectedStatus,
  matrixCard,
  matrixSnapshot,
  matrixUsers,
  type CardState,
  type Owner,
  type Role,
} from '#test/support/access-matrix';
import { fixture } from '#test/support/media';

interface ApiRoute extends CardState {
  name: string;
  /** The page route whose expectation this one shares. */
  page: string;
  /** The API's status when the page's is a success (200 or 303). */
  success: number;
  run(c: ApiClient, card: Card, approverId: number, png: Buffer): Promise<number>;
}

const BASE = '/api/v1/cards/purchase_request';
const newCard = (approver: number) => ({
  title: 'matrix-created',
  fields: { supplier: 'Bytecraft Ltd', amount: 1200.5, category: 'it', quantity: 2, approver },
});

const routes: ApiRoute[] = [
  { name: 'GET list', page: 'GET list', success: 200, run: async (c) => (await c.get(BASE)).status },
  { name: 'POST create', page: 'POST create', success: 201, run: async (c, _card, a) => (await c.post(BASE, newCard(a))).status },
  { name: 'GET card', page: 'GET view', success: 200, run: async (c, card) => (await c.get(`${BASE}/${card.number}`)).status },
  {
    name: 'PATCH card',
    page: 'POST edit',
    success: 200,
    run: async (c, card) =>
      (await c.patch(`${BASE}/${card.number}`, { title: 'matrix-edited' }, { 'if-match': `"${card.version}"` })).status,
  },
  {
    name: 'POST submit',
    page: 'POST submit',
    success: 200,
    run: async (c, card) => (await c.post(`${BASE}/${card.number}/transition`, { transition: 'submit' })).status,
  },
  {
    name: 'POST approve',
    page: 'POST approve',
    stage: 'approval',
    success: 200,
    run: async (c, card) => (await c.post(`${BASE}/${card.number}/transition`, { transition: 'approve' })).status,
  },
  { name: 'DELETE card', page: 'POST delete', success: 204, run: async (c, card) => (await c.delete(`${BASE}/${card.number}`)).status },
  {
    name: 'GET attachments',
    page: 'GET view',
    success: 200,
    run: async (c, card) => (await c.get(`${BASE}/${card.number}/attachments`)).status,
  },
  {
    name: 'POST attachments',
    page: 'POST edit',
    success: 201,
    run: async (c, card, _a, png) => {
      const form = new FormData();
      form.append('files', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'matrix.png');
      return (await c.request('POST', `${BASE}/${card.number}/attachments`, { body: form })).status;
    },
  },
];

describe('REST API: the access matrix of the pages (every route × role × own/foreign card)', () => {
  let app: TestApp;
  let ctx: AppContext;
  let users: Record<Role, SessionUser>;
  let other: SessionUser;
  let png: Buffer;
  const clients = {} as Record<Role, ApiClient>;
  const recorded: Recorded[] = [];

  before(async () => {
    const mediaRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-api-media-'));
    app = await startTestApp({ MEDIA_ROOT: mediaRoot });
    ctx = app.ctx;
    ({ users, other } = await matrixUsers(ctx));
    for (const role of Object.keys(users) as Role[]) clients[role] = new ApiClient(app.url, await tokenFor(ctx, users[role].id), recorded);
    png = await fixture('png', 40, 30);
  });

  for (const role of ['nobody', 'operator', 'approver', 'manager', 'admin'] as Role[]) {
    for (const owner of ['own', 'foreign'] as Owner[]) {
      it(`${role} × ${owner} card`, async () => {
        const problems: string[] = [];
        for (const route of routes) {
          const page = expectedStatus(role, route.page, owner);
          const want = page === 200 || page === 303 ? route.success : page;
          const card = await matrixCard(
            ctx,
            route,
            owner === 'own' ? users[role] : other,
            users.manager,
            users.approver,
            `api matrix ${route.name}`,
          );
          const before = await matrixSnapshot(ctx, card.id);
          const got = await route.run(clients[role], card, users.approver.id, png);
          if (got !== want) problems.push(`${route.name}: expected ${want} (the page: ${page}), got ${got}`);
          if (got >= 400 && (await matrixSnapshot(ctx, card.id)) !== before)
            problems.push(`${route.name}: refused with ${got} but the database changed`);
        }
        assert.deepEqual(problems, []);
      });
    }
  }

  it('own scope holds for the list and search too', async () => {
    const mine = await matrixCard(ctx, {}, users.operator, users.manager, users.approver, 'zebra-own');
    const theirs = await matrixCard(ctx, {}, other, users.manager, users.approver, 'zebra-foreign');
    const list = await clients.operator.get(`${BASE}?q=${encodeURIComponent('zebra')}`);
    assert.equal(list.status, 200);
    const numbers = list.body.items.map((c: { number: string }) => c.number);
    assert.ok(numbers.includes(mine.number), 'the own card is listed');
    assert.ok(!numbers.includes(theirs.number), 'a foreign card never is');
    assert.equal((await clients.operator.get(`${BASE}/${theirs.number}`)).status, 404);
    const all = await clients.manager.get(`${BASE}?q=zebra`);
    assert.ok(all.body.items.some((c: { number: string }) => c.number === theirs.number));
  });

  it('every answer above matches the OpenAPI document', async () => {
    const doc = await servedDocument(app.url, await tokenFor(ctx, users.admin.id, 'read'));
    assert.ok(recorded.length > 80, `${recorded.length} answers recorded`);
    assert.deepEqual(contractProblems(doc, recorded), []);
  });
});
