// The board (/cards/:type/board): a column per stage with its count and WIP
// limit, tiles for the list's filters, each tile's moves only the allowed
// transitions; a move is the card page's transition route, so a forbidden
// one is refused and a stale one gets the conflict page.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Card } from '#app/services/cards';
import type { SessionUser } from '#app/services/users';
import { startTestApp, type TestApp, type TestClient } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';

describe('cards: the board', () => {
  let app: TestApp;
  let manager: SessionUser;
  let olga: SessionUser;
  let asManager: TestClient;
  let asOlga: TestClient;
  let waiting: Card[];
  let olgasDraft: Card;
  const BOARD = '/cards/purchase_request/board';

  before(async () => {
    app = await startTestApp();
    manager = await sessionUserFor(app.ctx, 'manager@example.com', { roles: ['manager'], name: 'Maria Manager' });
    olga = await sessionUserFor(app.ctx, 'olga@example.com', { roles: ['operator'], name: 'Olga Operator' });
    const approver = await sessionUserFor(app.ctx, 'ada@example.com', { roles: ['approver'], name: 'Ada Approver' });
    // 55 drafts (one column shows 50), 7 waiting for approval (its WIP limit is 5: conf/cardtypes/purchase-request.yaml).
    for (let i = 1; i <= 55; i++)
      await makePurchase(app.ctx, manager, { title: `Draft ${i}`, category: i <= 5 ? 'office' : 'it', assignee: String(olga.id) });
    waiting = [];
    for (let i = 1; i <= 7; i++) {
      const mine: Record<string, string> = i === 7 ? { assignee: String(olga.id) } : {};
      const card = await makePurchase(app.ctx, manager, { title: `Waiting ${i}`, category: 'it', approver: String(approver.id), ...mine });
      waiting.push(await app.ctx.services.cards.transition(manager, 'purchase_request', card.id, 'submit'));
    }
    await app.ctx.db.exec(`update cards set due_at = now() - interval '2 days' where id = $1`, [waiting[0].id]);
    olgasDraft = await makePurchase(app.ctx, olga, { title: 'Olga draft', category: 'services' });
    asManager = app.client();
    await asManager.login('manager@example.com', 'correct horse battery');
    asOlga = app.client();
    await asOlga.login('olga@example.com', 'correct horse battery');
  });

  const column = (html: string, stage: string) => {
    const m = new RegExp(`<section [^>]*data-stage="${stage}"[\\s\\S]*?</section>`).exec(html);
    assert.ok(m, `column ${stage}`);
    return m[0];
  };
  const count = (html: string, stage: string) => /data-testid="count">([^<]*)</.exec(column(html, stage))![1].trim();
  const tiles = (html: string, stage: string) => [...column(html, stage).matchAll(/data-testid="tile-([A-Z]+-\d+)"/g)].map((m) => m[1]);

  it('shows one column per stage with its count, WIP limit, first 50 tiles and a way to the rest', async () => {
    const page = await asManager.get(BOARD);
    assert.equal(page.status, 200);
    const stages = [...page.text.matchAll(/<section [^>]*data-stage="([a-z_]+)"/g)].map((m) => m[1]);
    assert.deepEqual(stages, ['draft', 'approval', 'ordering', 'ordered', 'received', 'rejected']);
    assert.equal(count(page.text, 'draft'), '56 cards');
    assert.equal(tiles(page.text, 'draft').length, 50);
    assert.match(column(page.text, 'draft'), /href="\/cards\/purchase_request\?stage=draft" data-testid="more">Show 6 more in the list</);
    assert.match(count(page.text, 'approval'), /^7 of 5 \(WIP limit\) · over the limit$/);
    assert.match(column(page.text, 'approval'), /border-danger/);
    assert.equal(count(page.text, 'ordering'), '0 cards');
    // A tile: number, title, assignee, due date; the overdue one is marked.
    const approval = column(page.text, 'approval');
    assert.equal(tiles(page.text, 'approval').length, 7);
    assert.match(approval, new RegExp(`data-testid="tile-${waiting[0].number}"[\\s\\S]*?data-testid="overdue">overdue since`));
    assert.equal([...approval.matchAll(/data-testid="overdue"/g)].length, 1);
    assert.match(column(page.text, 'draft'), /Olga Operator/);
    // The list and the board link to each other, with the view.
    assert.match(page.text, /href="\/cards\/purchase_request" data-testid="to-list"/);
    const list = await asManager.get('/cards/purchase_request?category=it&stage=draft&page=2');
    assert.match(list.text, /href="\/cards\/purchase_request\/board\?category=it" data-testid="to-board"/);
  });

  it("applies the list's filters to every column", async () => {
    const page = await asManager.get(`${BOARD}?category=office`);
    assert.equal(count(page.text, 'draft'), '5 cards');
    assert.equal(count(page.text, 'approval'), '0 of 5 (WIP limit)');
    assert.match(page.text, /href="\/cards\/purchase_request\?category=office" data-testid="to-list"/);
    const mine = await asManager.get(`${BOARD}?q=${encodeURIComponent('Waiting 3')}`);
    assert.ok(tiles(mine.text, 'approval').includes(waiting[2].number));
    assert.ok(!tiles(mine.text, 'approval').includes(waiting[0].number));
    assert.equal(count(mine.text, 'draft'), '0 cards');
    const bad = await asManager.get(`${BOARD}?needed_by_from=2026-02-30`);
    assert.equal(bad.status, 200);
    assert.match(bad.text, /not a real date/);
    // An operator reads only her own cards, on the board as in the list.
    const hers = await asOlga.get(BOARD);
    assert.equal(count(hers.text, 'draft'), '56 cards');
    assert.equal(count(hers.text, 'approval'), '1 of 5 (WIP limit)');
  });

  it('offers each tile only its allowed moves; a forbidden move is refused', async () => {
    const page = await asManager.get(BOARD);
    const tile = (html: string, number: string) => new RegExp(`<li [^>]*data-testid="tile-${number}"[\\s\\S]*?</li>`).exec(html)![0];
    const approvalTile = tile(page.text, waiting[1].number);
    assert.deepEqual(
      [...approvalTile.matchAll(/data-to="([a-z_]+)" data-move="(\w+)"/g)].map((m) => `${m[1]}:${m[2]}`),
      ['ordering:post', 'rejected:post', 'draft:post'],
    );
    // A transition that needs fields is its form page.
    assert.match(
      tile(page.text, olgasDraft.number),
      new RegExp(`href="/cards/purchase_request/${olgasDraft.id}/transition\\?name=submit" data-to="approval" data-move="form"`),
    );
    // Olga, an operator, may not approve the card assigned to her: no move on her board, and the route refuses it.
    const hers = await asOlga.get(BOARD);
    assert.doesNotMatch(tile(hers.text, waiting[6].number), /data-to=/);
    assert.doesNotMatch(tile(hers.text, waiting[6].number), /draggable/);
    const forged = await asOlga.post(
      `/cards/purchase_request/${waiting[6].id}/transition`,
      { transition: 'approve', version: String(waiting[6].version), back: BOARD },
      { from: BOARD },
    );
    assert.equal(forged.status, 403);
    assert.match(forged.text, /Your roles may not/);
    assert.equal((await app.ctx.services.cards.getForUser(manager, 'purchase_request', waiting[6].id)).stage, 'approval');
  });

  it("moves a card with the tile's form and comes back to the board; a stale tile gets the conflict", async () => {
    const page = await asManager.get(`${BOARD}?category=it`);
    const card = waiting[3];
    const form = new RegExp(
      `<form method="post" action="/cards/purchase_request/${card.id}/transition"[^>]*data-to="ordering"[\\s\\S]*?</form>`,
    ).exec(page.text)![0];
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(form)![1].replace(/&amp;/g, '&');
    assert.equal(field('version'), String(card.version));
    const fields = { _csrf: field('_csrf'), transition: field('transition'), version: field('version'), back: field('back') };
    const moved = await asManager.post(`/cards/purchase_request/${card.id}/transition`, fields);
    assert.equal(moved.status, 303);
    assert.equal(moved.location, `${BOARD}?category=it`);
    const after = await asManager.get(moved.location!);
    assert.deepEqual(tiles(after.text, 'ordering'), [card.number]);
    assert.match(after.text, new RegExp(`${card.number} moved to`));
    // The same tile again (its version now old): the conflict, and the card stays where it went.
    const stale = await asManager.post(`/cards/purchase_request/${card.id}/transition`, fields);
    assert.equal(stale.status, 409);
    assert.match(stale.text, new RegExp(`${card.number} was changed by someone else since you opened it`));
    assert.equal((await app.ctx.services.cards.getForUser(manager, 'purchase_request', card.id)).stage, 'ordering');
    // Only the board is a place to come back to.
    const other = await asManager.post(
      `/cards/purchase_request/${waiting[4].id}/transition`,
      { transition: 'approve', back: 'https://evil.example/' },
      { from: BOARD },
    );
    assert.equal(other.location, `/cards/purchase_request/${waiting[4].id}`);
  });
});
