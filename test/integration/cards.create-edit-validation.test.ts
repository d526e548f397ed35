import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import type { SessionUser } from '#app/services/users';
import { startTestApp, type TestApp, type TestClient } from '#test/support/app';
import { makePurchase, purchaseInput, sessionUserFor } from '#test/support/cards';

describe('cards: create, edit, validate', () => {
  let app: TestApp;
  let ctx: AppContext;
  let manager: SessionUser;
  let approver: SessionUser;
  let c: TestClient;
  before(async () => {
    app = await startTestApp();
    ctx = app.ctx;
    manager = await sessionUserFor(ctx, 'manager@example.com', { roles: ['manager'], name: 'Maria Manager' });
    approver = await sessionUserFor(ctx, 'approver@example.com', { roles: ['approver'], name: 'Anton Approver' });
    c = app.client();
    await c.login('manager@example.com', 'correct horse battery');
  });

  const count = async () => (await ctx.db.rows<{ n: number }>('select count(*)::int as n from cards'))[0].n;

  it('creates a card with a per-type number through the form', async () => {
    const res = await c.post('/cards/purchase_request', purchaseInput({ title: 'Desk lamps', approver: String(approver.id) }), {
      from: '/cards/purchase_request/new',
    });
    assert.equal(res.status, 303);
    const id = Number(/\/cards\/purchase_request\/(\d+)$/.exec(res.location!)![1]);
    const page = await c.get(res.location!);
    assert.equal(page.status, 200);
    assert.match(page.text, /PR-\d{6}/);
    assert.match(page.text, /data-field="approver">Anton Approver</, 'user fields show names, never ids');
    assert.match(page.text, /data-field="category">IT equipment</, 'select fields show labels');
    const card = await ctx.services.cards.getForUser(manager, 'purchase_request', id);
    assert.deepEqual(
      { amount: card.data.amount, quantity: card.data.quantity, stage: card.stage, owner: card.owner_id },
      { amount: 1200.5, quantity: 2, stage: 'draft', owner: manager.id },
    );
  });

  const bad: Array<[string, Record<string, string>, string, RegExp]> = [
    ['an empty required field', { supplier: '' }, 'supplier', /required/],
    ['a word where a number belongs', { amount: 'twelve' }, 'amount', /must be a number/],
    ['a number out of range', { quantity: '0' }, 'quantity', /at least 1/],
    ['an unknown select option', { category: 'weapons' }, 'category', /not one of the choices/],
    ['oversized text', { description: 'x'.repeat(5001) }, 'description', /at most 5000 characters/],
    ['an impossible date', { needed_by: '2026-02-30' }, 'needed_by', /not a real date/],
    ['a pattern mismatch', { cost_center: 'it210' }, 'cost_center', /Two letters, a dash and three digits/],
    ['an unknown user', { approver: '999999' }, 'approver', /no active user/],
    ['a user without the required role', { approver: 'SELF' }, 'approver', /must be a user with the role approver/],
    ['a title on two lines', { title: 'a\nb' }, 'title', /one line/],
  ];
  for (const [why, change, field, reason] of bad) {
    it(`refuses ${why} with the reason next to the field, keeps the input and saves nothing`, async () => {
      const before = await count();
      const input = purchaseInput({ title: 'Kept title', ...change });
      if (input.approver === 'SELF') input.approver = String(manager.id);
      const res = await c.post('/cards/purchase_request', input, { from: '/cards/purchase_request/new' });
      assert.equal(res.status, 400);
      assert.match(res.text, new RegExp(`data-field-error="${field}">[^<]*${reason.source}`));
      if (field !== 'title') assert.match(res.text, /value="Kept title"/);
      assert.equal(await count(), before);
    });
  }

  it('stores SQL and HTML typed into fields as text and shows them escaped', async () => {
    const evil = `<script>alert(1)</script>'); drop table cards; --`;
    const res = await c.post('/cards/purchase_request', purchaseInput({ title: evil, supplier: evil, description: evil }), {
      from: '/cards/purchase_request/new',
    });
    assert.equal(res.status, 303);
    const page = await c.get(res.location!);
    assert.ok(!page.text.includes('<script>alert(1)</script>'));
    assert.ok(page.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    const list = await c.get('/cards/purchase_request?q=drop');
    assert.ok(list.text.includes('&lt;script&gt;'));
    assert.ok((await count()) > 0, 'the table is still there');
  });

  it('refuses a tampered hidden field and an unknown card type', async () => {
    const card = await makePurchase(ctx, manager);
    const tampered = await c.post(
      `/cards/purchase_request/${card.id}/edit`,
      { ...purchaseInput(), version: 'abc' },
      { from: `/cards/purchase_request/${card.id}/edit` },
    );
    assert.equal(tampered.status, 400);
    const unknownType = await c.get('/cards/rocket_launch');
    assert.equal(unknownType.status, 404);
    const notANumber = await c.get('/cards/purchase_request/1%20or%201=1');
    assert.equal(notANumber.status, 404);
  });

  it('saves an edit and bumps the version', async () => {
    const card = await makePurchase(ctx, manager);
    const res = await c.post(
      `/cards/purchase_request/${card.id}/edit`,
      { ...purchaseInput({ title: 'Renamed', amount: '99.99' }), version: String(card.version) },
      { from: `/cards/purchase_request/${card.id}/edit` },
    );
    assert.equal(res.status, 303);
    const after = await ctx.services.cards.getForUser(manager, 'purchase_request', card.id);
    assert.equal(after.title, 'Renamed');
    assert.equal(after.data.amount, 99.99);
    assert.equal(after.version, card.version + 1);
  });

  it('answers a stale save with 409, showing stored and submitted values, and loses nothing', async () => {
    const card = await makePurchase(ctx, manager, { title: 'Original' });
    // Someone else saves first.
    await ctx.services.cards.update(manager, 'purchase_request', card.id, {
      ...purchaseInput({ title: 'Their change' }),
      version: String(card.version),
    });
    const res = await c.post(
      `/cards/purchase_request/${card.id}/edit`,
      { ...purchaseInput({ title: 'My change', supplier: 'My supplier' }), version: String(card.version) },
      { from: `/cards/purchase_request/${card.id}/edit` },
    );
    assert.equal(res.status, 409);
    assert.match(res.text, /<td class="wrap">Their change<\/td><td class="wrap">My change<\/td>/);
    assert.match(res.text, /name="title" value="My change"/, 'my values are kept in the form');
    assert.match(res.text, new RegExp(`name="version" value="${card.version + 1}"`), 'on top of the current version');
    const stored = await ctx.services.cards.getForUser(manager, 'purchase_request', card.id);
    assert.equal(stored.title, 'Their change', 'the stale save changed nothing');
    const retry = await c.post(
      `/cards/purchase_request/${card.id}/edit`,
      { ...purchaseInput({ title: 'My change' }), version: String(card.version + 1) },
      { from: `/cards/purchase_request/${card.id}/edit` },
    );
    assert.equal(retry.status, 303);
  });

  it('takes a transition with its required fields and sets due_at from the stage SLA', async () => {
    const card = await makePurchase(ctx, manager);
    const missing = await c.post(
      `/cards/purchase_request/${card.id}/transition`,
      { transition: 'submit' },
      { from: `/cards/purchase_request/${card.id}` },
    );
    assert.equal(missing.status, 400);
    assert.match(missing.text, /data-field-error="approver">required to submit for approval/);
    assert.equal((await ctx.services.cards.getForUser(manager, 'purchase_request', card.id)).stage, 'draft');
    const started = Date.now();
    const ok = await c.post(
      `/cards/purchase_request/${card.id}/transition`,
      { transition: 'submit', approver: String(approver.id) },
      { from: `/cards/purchase_request/${card.id}` },
    );
    assert.equal(ok.status, 303);
    const after = await ctx.services.cards.getForUser(manager, 'purchase_request', card.id);
    assert.equal(after.stage, 'approval');
    const due = after.due_at!.getTime() - started;
    assert.ok(due > 2 * 86_400_000 - 60_000 && due < 2 * 86_400_000 + 60_000, 'P2D from now');
    const again = await c.post(
      `/cards/purchase_request/${card.id}/transition`,
      { transition: 'submit' },
      { from: `/cards/purchase_request/${card.id}` },
    );
    assert.equal(again.status, 400);
    assert.match(again.text, /not possible from the stage Waiting for approval/);
  });

  it('soft-deletes a card and lets an administrator restore it', async () => {
    const admin = await sessionUserFor(ctx, 'root@example.com', { superuser: true });
    const card = await makePurchase(ctx, manager);
    const del = await c.post(`/cards/purchase_request/${card.id}/delete`, {}, { from: `/cards/purchase_request/${card.id}` });
    assert.equal(del.status, 303);
    assert.equal((await c.get(`/cards/purchase_request/${card.id}`)).status, 404);
    const list = await c.get('/cards/purchase_request');
    assert.ok(!list.text.includes(`/cards/purchase_request/${card.id}"`));
    const ac = app.client();
    await ac.login('root@example.com', 'correct horse battery');
    const deleted = await ac.get('/cards/purchase_request?deleted=1');
    assert.ok(deleted.text.includes(card.number));
    assert.equal(
      (await ac.post(`/cards/purchase_request/${card.id}/restore`, {}, { from: `/cards/purchase_request/${card.id}` })).status,
      303,
    );
    assert.equal((await ctx.services.cards.getForUser(admin, 'purchase_request', card.id)).deleted_at, null);
  });
});
