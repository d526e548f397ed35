import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { SessionUser } from '#app/services/users';
import { startTestApp, type TestApp, type TestClient } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';

describe('cards: list, search, filters, sort, pages, export', () => {
  let app: TestApp;
  let c: TestClient;
  let manager: SessionUser;
  let olga: SessionUser;
  before(async () => {
    app = await startTestApp();
    manager = await sessionUserFor(app.ctx, 'manager@example.com', { roles: ['manager'], name: 'Maria Manager' });
    olga = await sessionUserFor(app.ctx, 'olga@example.com', { roles: ['operator'], name: 'Olga Operator' });
    const cats = ['it', 'office', 'services', 'travel'];
    for (let i = 1; i <= 60; i++) {
      await makePurchase(app.ctx, manager, {
        title: `Item ${String(i).padStart(2, '0')}`,
        amount: String(i * 10),
        category: cats[i % 4],
        supplier: i % 10 === 0 ? 'Quokka Supplies' : 'Bytecraft Ltd',
        urgent: i % 3 === 0 ? 'on' : '',
        needed_by: `2026-12-${String((i % 28) + 1).padStart(2, '0')}`,
        ...(i % 5 === 0 ? { assignee: String(olga.id) } : {}),
      });
    }
    c = app.client();
    await c.login('manager@example.com', 'correct horse battery');
  });

  const titles = (html: string) =>
    [...html.matchAll(/<td class="wrap">\s*<a href="\/cards\/purchase_request\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]);

  it('pages 50 at a time with a total', async () => {
    const p1 = await c.get('/cards/purchase_request');
    assert.match(p1.text, /data-testid="total">60 cards</);
    assert.equal(titles(p1.text).length, 50);
    assert.match(p1.text, /Page 1 of 2/);
    const p2 = await c.get('/cards/purchase_request?page=2');
    assert.equal(titles(p2.text).length, 10);
  });

  it('sorts by any column, both ways', async () => {
    const byAmount = titles((await c.get('/cards/purchase_request?sort=amount')).text);
    assert.equal(byAmount[0], 'Item 01');
    const byAmountDesc = titles((await c.get('/cards/purchase_request?sort=-amount')).text);
    assert.equal(byAmountDesc[0], 'Item 60');
    const byTitle = titles((await c.get('/cards/purchase_request?sort=title')).text);
    assert.deepEqual(byTitle.slice(0, 3), ['Item 01', 'Item 02', 'Item 03']);
  });

  it('filters by stage, assignee, select, boolean and date fields, with the view in the URL', async () => {
    const it_ = await c.get('/cards/purchase_request?category=it');
    assert.match(it_.text, /data-testid="total">15 cards</);
    const urgent = await c.get('/cards/purchase_request?urgent=1&category=it');
    assert.match(urgent.text, /data-testid="total">5 cards</);
    const assigned = await c.get(`/cards/purchase_request?assignee=${olga.id}`);
    assert.match(assigned.text, /data-testid="total">12 cards</);
    const dates = await c.get('/cards/purchase_request?needed_by_from=2026-12-01&needed_by_to=2026-12-02');
    assert.match(dates.text, /data-testid="total">5 cards</);
    const stage = await c.get('/cards/purchase_request?stage=approval');
    assert.match(stage.text, /data-testid="total">0 cards</);
    const bad = await c.get('/cards/purchase_request?needed_by_from=2026-02-30&stage=nowhere');
    assert.equal(bad.status, 200);
    assert.match(bad.text, /not a real date/);
    assert.match(bad.text, /unknown stage nowhere/);
    // Sort links keep the filters.
    assert.match(it_.text, /href="\/cards\/purchase_request\?category=it&amp;sort=amount"/);
  });

  it('finds cards by words and by number', async () => {
    const q = await c.get('/cards/purchase_request?q=quokka');
    assert.match(q.text, /data-testid="total">6 cards</);
    const byNumber = await c.get('/cards/purchase_request?q=pr-000007');
    assert.deepEqual(titles(byNumber.text), ['Item 07']);
  });

  it('streams the current view as CSV (its filter and order), neutralising formulas', async () => {
    await makePurchase(app.ctx, manager, { title: '=HYPERLINK("http://evil")', category: 'travel', amount: '1' });
    const csv = await c.get('/cards/purchase_request/export.csv?category=travel&sort=title');
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type')!, /text\/csv/);
    assert.match(csv.headers.get('content-disposition')!, /attachment; filename="purchase_request-/);
    const lines = csv.text
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n');
    assert.match(lines[0], /^number,title,stage,assignee,owner,due_at,created_at,updated_at,supplier,amount,category,/);
    assert.equal(lines.length, 1 + 16);
    assert.ok(
      lines.every((l, i) => i === 0 || /^PR-\d{6},[^,]*,draft,/.test(l) || l.includes('HYPERLINK')),
      'stage names (plain values; cards.export-plain-values pins them all)',
    );
    assert.ok(
      lines.some((l) => l.includes(`"'=HYPERLINK(""http://evil"")"`)),
      csv.text,
    );
  });

  it('shows the owner and creation columns when a type lists them (the list reads only what it shows)', async () => {
    const type = app.ctx.services.cards.types.get('purchase_request')!;
    const columns = [...type.columns];
    (type as { columns: string[] }).columns = [...columns, 'owner', 'created_at'];
    try {
      const page = await c.get('/cards/purchase_request?sort=title');
      assert.equal(page.status, 200);
      const firstRow = /<tbody>([\s\S]*?)<\/tr>/.exec(page.text)![1];
      assert.match(
        firstRow,
        /<td>\s*Maria Manager\s*<\/td>\s*<td>\s*\d{2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}\s*<\/td>\s*$/,
        'the owner by name, then the creation time',
      );
    } finally {
      (type as { columns: string[] }).columns = columns;
    }
  });

  it('shows an operator (own scope) only their cards, also in the plain view without a search, user after user', async () => {
    // The plain first page of a full-scope view is a prepared statement; an own-scope view is not — either
    // way the scope is in the statement's text and each request brings its own user.
    const oskar = await sessionUserFor(app.ctx, 'oskar@example.com', { roles: ['operator'], name: 'Oskar Operator' });
    const hisCard = await makePurchase(app.ctx, oskar, { title: 'Oskar own card' });
    const herCard = await makePurchase(app.ctx, olga, { title: 'Olga own card' });
    const rows = (html: string) => [...html.matchAll(/<a href="\/cards\/purchase_request\/(\d+)">PR-/g)].map((m) => Number(m[1]));
    const readable = async (u: SessionUser) =>
      (
        await app.ctx.db.rows<{ id: number }>(
          "select id from cards where type = 'purchase_request' and deleted_at is null and (owner_id = $1 or assignee_id = $1)",
          [u.id],
        )
      ).map((r) => r.id);
    for (const [who, email, own] of [
      [olga, 'olga@example.com', herCard],
      [oskar, 'oskar@example.com', hisCard],
      [olga, 'olga@example.com', herCard],
    ] as const) {
      const op = app.client();
      await op.login(email, 'correct horse battery');
      for (const url of ['/cards/purchase_request', '/cards/purchase_request?stage=draft&sort=-updated_at']) {
        const shown = rows((await op.get(url)).text);
        assert.ok(shown.includes(own.id), `${email} sees their own card on ${url}`);
        const allowed = new Set(await readable(who));
        assert.deepEqual(
          shown.filter((id) => !allowed.has(id)),
          [],
          `${email} sees nothing beyond their own and assigned cards on ${url}`,
        );
        assert.equal(shown.length, Math.min(50, allowed.size), `${email} sees all of them`);
      }
    }
    const oskarsView = app.client();
    await oskarsView.login('oskar@example.com', 'correct horse battery');
    assert.deepEqual(rows((await oskarsView.get('/cards/purchase_request')).text), [hisCard.id]);
  });

  it('says so when a view matches no card', async () => {
    const page = await c.get('/cards/purchase_request?stage=rejected');
    assert.match(page.text, /data-testid="total">0 cards</);
    assert.match(page.text, /<td colspan="8" class="text-center text-body-secondary py-4">No cards match this view.<\/td>/);
  });

  it('lists complaints with their own columns read from the database: labels, assignee, due time', async () => {
    const complaint = await app.ctx.services.cards.create(manager, 'complaint', {
      title: 'Parcel arrived <crushed>',
      customer: 'Ada & Co',
      channel: 'store',
      severity: 'high',
      details: 'Box crushed in transit',
      assignee: String(olga.id),
    });
    assert.ok(complaint.due_at, 'the initial stage has an SLA');
    const page = await c.get('/cards/complaint');
    const row = new RegExp(
      `<tr>(?:<td class="bulk-select"><input [^>]*data-bulk-row></td>)?<td><a href="/cards/complaint/${complaint.id}">[^<]+</a></td>(.*?)</tr>`,
    ).exec(page.text)?.[1];
    assert.ok(row, page.text);
    const cells = [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1].replace(/<[^>]+>/g, ''));
    assert.deepEqual(cells.slice(0, 6), ['Parcel arrived &lt;crushed&gt;', 'New', 'Ada &amp; Co', 'High', 'In store', 'Olga Operator']);
    assert.match(cells[6], /^\d{2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$/, 'the due time, formatted');
  });
});
