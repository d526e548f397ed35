// Live pages' marks (GET /cards/:type/:id/live.json, /cards/:type/live.json):
// a change made through another web process moves the mark this process
// answers within 2 s (PostgreSQL LISTEN/NOTIFY, migration 0910); a user who
// may not read the card gets the same 404 as for no card, and learns nothing;
// one who gains access by an assignment made elsewhere reads it at once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestApp, TestClient } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { startWebProcess } from '#test/support/web-spawn';

const PASSWORD = 'correct horse battery';

async function json(client: TestClient, path: string): Promise<{ status: number; body: string; data: Record<string, unknown> | null }> {
  const r = await client.get(path, { accept: 'application/json' });
  const data = r.headers.get('content-type')?.includes('json') ? (JSON.parse(r.text) as Record<string, unknown>) : null;
  return { status: r.status, body: r.text, data };
}

/** Polls `path` until `done` holds (every 100 ms, up to `ms`); returns how long it took. */
async function until(client: TestClient, path: string, done: (d: Record<string, unknown> | null, status: number) => boolean, ms = 2000) {
  const start = Date.now();
  for (;;) {
    const r = await json(client, path);
    if (done(r.data, r.status)) return Date.now() - start;
    if (Date.now() - start > ms) assert.fail(`not within ${ms} ms: last answer ${r.status} ${r.body.slice(0, 200)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

describe('live marks', () => {
  it('move with a change made through another web process; a user who may not read the card learns nothing', async () => {
    const app = await startTestApp();
    const maria = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria Manager' });
    const olga = await sessionUserFor(app.ctx, 'olga@example.com', { roles: ['operator'], name: 'Olga Operator' });
    const card = await makePurchase(app.ctx, maria, { title: 'Standing desks' });
    const CARD = `/cards/purchase_request/${card.id}/live.json`;
    const TYPE = '/cards/purchase_request/live.json';

    const asMaria = app.client();
    await asMaria.login('maria@example.com', PASSWORD);
    const asOlga = app.client();
    await asOlga.login('olga@example.com', PASSWORD);

    const first = await json(asMaria, CARD);
    assert.equal(first.status, 200);
    assert.equal(first.data!.version, card.version);

    // Olga reads only her own purchase requests: the card's mark is the 404 of no card at all, word for word.
    const refused = await json(asOlga, CARD);
    const none = await json(asOlga, '/cards/purchase_request/999999/live.json');
    assert.equal(refused.status, 404);
    const withoutId = (b: string) => b.replace(/"requestId":"[^"]+"/, '');
    assert.equal(withoutId(refused.body), withoutId(none.body));
    assert.doesNotMatch(refused.body, /mark|version/);
    // Nor does the card page's 404 carry a mark or a live script.
    const page = await asOlga.get(`/cards/purchase_request/${card.id}`);
    assert.equal(page.status, 404);
    assert.doesNotMatch(page.text, /data-live="|data-live-mark|js\/live\.js/);
    assert.match((await asMaria.get(`/cards/purchase_request/${card.id}`)).text, /data-live="card" data-live-url="[^"]+live\.json"/);
    // Signed out: no mark either.
    const anonymous = await json(new TestClient(app.url), CARD);
    assert.notEqual(anonymous.status, 200);
    assert.doesNotMatch(anonymous.body, /"mark"/);

    // A second web process on the same database (as `serve` runs several): a comment made there.
    const other = await startWebProcess({ DATABASE_URL: app.db.url });
    const elsewhere = new TestClient(other.url);
    assert.equal((await elsewhere.login('maria@example.com', PASSWORD)).status, 303);
    const before = (await json(asMaria, CARD)).data!.mark;
    const typeBefore = (await json(asMaria, TYPE)).data!.mark;
    const posted = await elsewhere.post(
      `/cards/purchase_request/${card.id}/comments`,
      { body: 'From the other process' },
      { from: `/cards/purchase_request/${card.id}` },
    );
    assert.equal(posted.status, 303);
    const tookComment = await until(asMaria, CARD, (d) => Boolean(d && d.mark && d.mark !== before));
    const tookType = await until(asMaria, TYPE, (d) => Boolean(d && d.mark && d.mark !== typeBefore));

    // Assigned to Olga through the other process: she may read it now, here, at once (the kept row was dropped).
    const edit = await elsewhere.get(`/cards/purchase_request/${card.id}/edit`);
    const version = /name="version" value="(\d+)"/.exec(edit.text)![1];
    const saved = await elsewhere.post(
      `/cards/purchase_request/${card.id}/edit`,
      {
        title: 'Standing desks',
        supplier: 'Bytecraft Ltd',
        amount: '1200.50',
        category: 'it',
        quantity: '2',
        assignee: String(olga.id),
        version,
      },
      { from: `/cards/purchase_request/${card.id}/edit` },
    );
    assert.equal(saved.status, 303, saved.text.slice(0, 300));
    await until(asOlga, CARD, (d, status) => status === 200 && d!.version === Number(version) + 1);
    // And the edit form's question "changed under me?" has its answer: the version moved.
    assert.equal((await json(asMaria, CARD)).data!.version, Number(version) + 1);
    // Polls now come from memory (no statement): a poll still answers
    // what it must. Taken off the card through the other process, Olga's next polls are the 404 again.
    const again = await elsewhere.get(`/cards/purchase_request/${card.id}/edit`);
    const v2 = /name="version" value="(\d+)"/.exec(again.text)![1];
    const taken = await elsewhere.post(
      `/cards/purchase_request/${card.id}/edit`,
      { title: 'Standing desks', supplier: 'Bytecraft Ltd', amount: '1200.50', category: 'it', quantity: '2', assignee: '', version: v2 },
      { from: `/cards/purchase_request/${card.id}/edit` },
    );
    assert.equal(taken.status, 303);
    await until(asOlga, CARD, (_d, status) => status === 404);
    // Maria disabled by a statement (as another process would: this one hears of it only from the database):
    // her session's polls, answered from memory until now, get no mark.
    const fromMemory = app.ctx.services.live.fromMemory;
    assert.equal((await json(asMaria, CARD)).status, 200);
    assert.equal((await json(asMaria, TYPE)).status, 200);
    assert.equal(app.ctx.services.live.fromMemory, fromMemory + 2, 'both polls answered from memory');
    await app.ctx.db.exec('update users set is_active = false where id = $1', [maria.id]);
    await until(asMaria, CARD, (_d, status) => status !== 200);
    await until(asMaria, TYPE, (_d, status) => status !== 200);
    console.log(`# seen after ${tookComment} ms (card) and ${tookType} ms (type)`);
  });

  it('a type its user may not read is a 404', async () => {
    const app = await startTestApp();
    await sessionUserFor(app.ctx, 'carl@example.com', { roles: ['clerk'], name: 'Carl Clerk' });
    const asCarl = app.client();
    await asCarl.login('carl@example.com', PASSWORD);
    const r = await json(asCarl, '/cards/purchase_request/live.json');
    assert.equal(r.status, 404);
    assert.doesNotMatch(r.body, /"mark"/);
  });
});
