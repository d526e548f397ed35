// Bulk work on the card list: assign, transition, add watchers, delete and
// export selected rows through the list's form. Up to 100 cards run in the
// request; more run as the cards.bulk job over ids frozen at the request
// ("all matching" touches no card made afterwards). Every card goes through
// the card services (a card the user may not change is refused with the
// reason, the rest go through), each change is in its history once, and a
// run taken again writes nothing new. Bad input changes nothing.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { startTestApp, type TestApp, type TestClient } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { eventually } from '#test/support/queue';
import { startWorkers, type Runner } from '#app/worker/start';
import type { SessionUser } from '#app/services/users';

const LIST = '/cards/purchase_request';

describe('cards: bulk work on the list', () => {
  let app: TestApp;
  let maria: SessionUser;
  let anna: SessionUser;
  let olga: SessionUser;
  let mariaC: TestClient;
  let olgaC: TestClient;
  let runner: Runner;

  const history = async (ids: number[], kind: string) =>
    (
      await app.ctx.db.rows<{ card_id: number; n: number }>(
        `select card_id, count(*)::int as n from card_history where card_id = any($1::bigint[]) and kind = $2 group by card_id order by card_id`,
        [ids, kind],
      )
    ).map((r) => r.n);
  const auditJobsDone = () =>
    eventually(async () => {
      const [{ n }] = await app.ctx.db.rows<{ n: number }>(
        `select count(*)::int as n from jobs where kind = 'audit.card_changed' and state not in ('done', 'failed')`,
      );
      return n === 0;
    }, 30_000);
  const stored = (id: number) =>
    app.ctx.db
      .rows<{ assignee_id: number | null; stage: string; deleted_at: Date | null }>(
        'select assignee_id, stage, deleted_at from cards where id = $1',
        [id],
      )
      .then((r) => r[0]);

  before(async () => {
    app = await startTestApp();
    maria = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria Manager' });
    anna = await sessionUserFor(app.ctx, 'anna@example.com', { roles: ['approver'], name: 'Anna Approver' });
    olga = await sessionUserFor(app.ctx, 'olga@example.com', { roles: ['operator'], name: 'Olga Operator' });
    runner = await startWorkers(app.ctx);
    const signed = async (email: string) => {
      const c = app.client();
      await c.login(email, 'correct horse battery');
      return c;
    };
    mariaC = await signed('maria@example.com');
    olgaC = await signed('olga@example.com');
  });

  it('assigns selected rows in the request, answers 303 to the result page, writes each history entry once', async () => {
    const cards = [];
    for (let i = 0; i < 3; i++) cards.push(await makePurchase(app.ctx, maria, { title: `Desk ${i}` }));
    const ids = cards.map((c) => String(c.id));
    const page = await mariaC.get(LIST);
    assert.match(page.text, /id="bulk-form"/);
    assert.match(page.text, new RegExp(`name="ids" value="${cards[0].id}" form="bulk-form" aria-label="Select ${cards[0].number}"`));
    const res = await mariaC.post(`${LIST}/bulk`, { action: 'assign', assignee: String(anna.id), ids, query: '' }, { from: LIST });
    assert.equal(res.status, 303);
    assert.match(res.location!, /^\/cards\/purchase_request\/bulk\/\d+$/);
    for (const c of cards) assert.equal((await stored(c.id)).assignee_id, anna.id);
    const result = await mariaC.get(res.location!);
    assert.match(result.text, /Bulk work: assign to Anna Approver/);
    assert.match(result.text, /data-testid="bulk-done">3 done</);
    assert.match(result.text, /data-testid="bulk-refused-count">0 refused</);
    // Not another user's run.
    assert.equal((await olgaC.get(res.location!)).status, 404);
    await auditJobsDone();
    assert.deepEqual(
      await history(
        cards.map((c) => c.id),
        'updated',
      ),
      [1, 1, 1],
    );
    // Anna, now the assignee, watches them (the card services' subscribers ran).
    const [{ n }] = await app.ctx.db.rows<{ n: number }>(
      'select count(*)::int as n from card_watchers where user_id = $1 and card_id = any($2::bigint[]) and watching',
      [anna.id, cards.map((c) => c.id)],
    );
    assert.equal(n, 3);
  });

  it('takes a transition card by card: a card missing what it needs is refused with the reason, the rest go through', async () => {
    const ready = await makePurchase(app.ctx, olga, { title: 'Ready', approver: String(anna.id) });
    const missing = await makePurchase(app.ctx, olga, { title: 'No approver' });
    const res = await olgaC.post(
      `${LIST}/bulk`,
      { action: 'transition', transition: 'submit', ids: [String(ready.id), String(missing.id)], query: '' },
      { from: LIST },
    );
    assert.equal(res.status, 303);
    assert.equal((await stored(ready.id)).stage, 'approval');
    assert.equal((await stored(missing.id)).stage, 'draft');
    const result = await olgaC.get(res.location!);
    assert.match(result.text, /1 done/);
    assert.match(result.text, /1 refused/);
    assert.match(result.text, /Fill in what “Submit for approval” needs\. Approver: required to submit for approval/);
    // An operator may not delete: refused per card with the reason, nothing deleted.
    const del = await olgaC.post(`${LIST}/bulk`, { action: 'delete', ids: [String(ready.id)], query: '' }, { from: LIST });
    // The delete button is not offered to her, but a posted form is refused per card all the same.
    const delPage = await olgaC.get(del.location!);
    assert.match(delPage.text, /1 refused/);
    assert.match(delPage.text, /may not delete/i);
    assert.equal((await stored(ready.id)).deleted_at, null);
    await auditJobsDone();
    assert.deepEqual(await history([ready.id], 'transitioned'), [1]);
    assert.deepEqual(await history([missing.id], 'transitioned'), []);
  });

  it('adds watchers (refused where a watcher may not read the card), deletes, and exports the selected rows only', async () => {
    const a = await makePurchase(app.ctx, maria, { title: 'Watch me', supplier: 'Alpha' });
    const b = await makePurchase(app.ctx, maria, { title: 'Watch me too', supplier: 'Beta' });
    const c = await makePurchase(app.ctx, maria, { title: 'Not exported', supplier: 'Gamma' });
    const watch = await mariaC.post(
      `${LIST}/bulk`,
      { action: 'watch', watchers: [String(anna.id)], ids: [String(a.id), String(b.id)], query: '' },
      { from: LIST },
    );
    assert.match((await mariaC.get(watch.location!)).text, /2 done/);
    const watchers = await app.ctx.db.rows<{ card_id: number }>(
      'select card_id from card_watchers where user_id = $1 and card_id = any($2::bigint[]) and watching order by card_id',
      [anna.id, [a.id, b.id]],
    );
    assert.deepEqual(
      watchers.map((w) => w.card_id),
      [a.id, b.id],
    );
    // Olga reads only her own cards: she cannot be made a watcher of Maria's.
    const blind = await mariaC.post(
      `${LIST}/bulk`,
      { action: 'watch', watchers: [String(olga.id)], ids: [String(a.id)], query: '' },
      { from: LIST },
    );
    const blindPage = await mariaC.get(blind.location!);
    assert.match(blindPage.text, /Olga Operator may not read this card/);
    assert.equal((await app.ctx.db.rows('select 1 from card_watchers where user_id = $1 and card_id = $2', [olga.id, a.id])).length, 0);

    const csv = await mariaC.post(`${LIST}/bulk`, { action: 'export', ids: [String(a.id), String(b.id)], query: '' }, { from: LIST });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    const lines = csv.text
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n');
    assert.equal(lines[0].split(',').slice(0, 3).join(','), 'number,title,stage');
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(',')[0]),
      [a.number, b.number],
    );
    assert.doesNotMatch(csv.text, new RegExp(c.number));

    const del = await mariaC.post(`${LIST}/bulk`, { action: 'delete', ids: [String(a.id), String(b.id)], query: '' }, { from: LIST });
    assert.equal(del.status, 303);
    assert.ok((await stored(a.id)).deleted_at);
    assert.ok((await stored(b.id)).deleted_at);
    assert.equal((await stored(c.id)).deleted_at, null);
    await auditJobsDone();
    assert.deepEqual(await history([a.id, b.id], 'deleted'), [1, 1]);
  });

  it('refuses bad input with a clear message and changes nothing', async () => {
    const mine = await makePurchase(app.ctx, olga, { title: 'Olga’s' });
    const marias = await makePurchase(app.ctx, maria, { title: 'Maria’s' });
    const before = await app.ctx.db.rows('select id, assignee_id, stage, version from cards order by id');
    const runsBefore = await app.ctx.db.rows('select id from bulk_runs');
    const refusedWith = async (client: TestClient, fields: Record<string, string | string[]>, message: RegExp) => {
      const res = await client.post(`${LIST}/bulk`, { query: '', ...fields }, { from: LIST });
      assert.equal(res.status, 400, `${JSON.stringify(fields)}: ${res.status}`);
      assert.match(res.text, /Nothing was changed/);
      assert.match(res.text, message);
    };
    await refusedWith(mariaC, { action: 'assign', assignee: String(anna.id) }, /No cards are selected/);
    await refusedWith(mariaC, { action: 'assign', assignee: '999999', ids: [String(marias.id)] }, /no active user by that choice/);
    await refusedWith(mariaC, { action: 'assign', assignee: 'x', ids: [String(marias.id)] }, /no active user by that choice/);
    // The assignee left at "choose…": refused, not taken as "nobody".
    await refusedWith(mariaC, { action: 'assign', assignee: '', ids: [String(marias.id)] }, /no active user by that choice/);
    await refusedWith(mariaC, { action: 'transition', transition: 'teleport', ids: [String(marias.id)] }, /transition does not exist/);
    await refusedWith(mariaC, { action: 'frobnicate', ids: [String(marias.id)] }, /Choose what to do/);
    await refusedWith(
      mariaC,
      { action: 'assign', assignee: String(anna.id), ids: Array.from({ length: 501 }, (_, i) => String(i + 1)) },
      /Too many cards in one form \(at most 500\)/,
    );
    await refusedWith(mariaC, { action: 'assign', assignee: String(anna.id), ids: [String(marias.id), '1 or 1=1'] }, /not on this list/);
    // A tampered id: a card Olga may not see, next to her own.
    await refusedWith(
      olgaC,
      { action: 'assign', assignee: String(anna.id), ids: [String(mine.id), String(marias.id)] },
      /1 selected card is not on this list/,
    );
    // Anna (approver) may not take "submit".
    const annaC = app.client();
    await annaC.login('anna@example.com', 'correct horse battery');
    await refusedWith(annaC, { action: 'transition', transition: 'submit', ids: [String(marias.id)] }, /may not/i);
    // Without the CSRF token: refused before anything.
    const forged = await mariaC.post(`${LIST}/bulk`, { action: 'delete', ids: [String(marias.id)], query: '' }, { csrf: false });
    assert.equal(forged.status, 403);
    assert.deepEqual(await app.ctx.db.rows('select id, assignee_id, stage, version from cards order by id'), before);
    assert.deepEqual(await app.ctx.db.rows('select id from bulk_runs'), runsBefore);
  });

  it('refuses "all matching" when the list’s filters no longer apply, or more cards match than the list showed', async () => {
    await makePurchase(app.ctx, maria, { title: 'Widen 1', category: 'office' });
    await makePurchase(app.ctx, maria, { title: 'Widen 2', category: 'office' });
    const runs = async () => (await app.ctx.db.rows('select 1 from bulk_runs')).length;
    const before = await runs();
    const gone = await mariaC.post(
      `${LIST}/bulk`,
      { action: 'assign', assignee: String(anna.id), all: '1', query: '?stage=renamed_meanwhile' },
      { from: LIST },
    );
    assert.equal(gone.status, 400);
    assert.match(gone.text, /The list&#39;s filters no longer apply as they did/);
    const more = await mariaC.post(
      `${LIST}/bulk`,
      { action: 'assign', assignee: String(anna.id), all: '1', query: '?category=office', shown: '1' },
      { from: LIST },
    );
    assert.equal(more.status, 400);
    assert.match(more.text, /More cards match now \(\d+\) than the list showed \(1\)/);
    assert.equal(await runs(), before, 'nothing started');
    const list = await mariaC.get(`${LIST}?category=office`);
    assert.match(list.text, /name="shown" value="\d+"/, 'the form says how many it showed');
  });

  it('runs more than 100 cards as a job over the cards matching at the request; a second run writes nothing new', async () => {
    await runner.stop(2000);
    const cards = [];
    for (let i = 0; i < 130; i++) cards.push(await makePurchase(app.ctx, maria, { title: `Bulk ${i}`, category: 'travel' }));
    const page = await mariaC.get(`${LIST}?category=travel`);
    assert.match(page.text, /All 130 matching cards/);
    const res = await mariaC.post(
      `${LIST}/bulk`,
      { action: 'assign', assignee: String(anna.id), all: '1', query: '?category=travel' },
      { from: `${LIST}?category=travel` },
    );
    assert.equal(res.status, 303);
    const runId = Number(res.location!.split('/').pop());
    // Made after the request: not in the frozen selection.
    const late = await makePurchase(app.ctx, maria, { title: 'Late', category: 'travel' });
    const queued = await mariaC.get(res.location!);
    assert.match(queued.text, /130 cards are being changed in the background/);
    assert.match(queued.text, /<progress max="100" value="0"/);
    const progress = await mariaC.get(`${res.location!}/progress.json`);
    assert.deepEqual(JSON.parse(progress.text).total, 130);

    runner = await startWorkers(app.ctx);
    await eventually(
      async () => (await app.ctx.db.rows('select 1 from bulk_runs where id = $1 and finished_at is not null', [runId])).length > 0,
      60_000,
    );
    const [job] = await app.ctx.db.rows<{ kind: string; state: string; progress_current: number; progress_total: number }>(
      'select j.kind, j.state, j.progress_current, j.progress_total from jobs j join bulk_runs r on r.job_id = j.id where r.id = $1',
      [runId],
    );
    assert.equal(job.kind, 'cards.bulk');
    assert.equal(job.progress_total, 130);
    for (const c of cards) assert.equal((await stored(c.id)).assignee_id, anna.id);
    assert.equal((await stored(late.id)).assignee_id, null);
    const done = await mariaC.get(res.location!);
    assert.match(done.text, /130 done/);
    await auditJobsDone();
    const ids = cards.map((c) => c.id);
    assert.deepEqual(await history(ids, 'updated'), Array(130).fill(1));

    // Taken again (a retried or duplicated job): every card is marked, nothing is written — not even over a
    // change someone made since (a card given to Olga stays hers).
    await app.ctx.services.cards.assign(maria, 'purchase_request', ids[0], olga.id);
    await auditJobsDone();
    const counts = async () =>
      app.ctx.db.rows(
        `select (select count(*)::int from card_history) as history, (select count(*)::int from jobs) as jobs,
                (select count(*)::int from bulk_run_cards) as marks, (select max(version)::int from cards where id = any($1::bigint[])) as version`,
        [ids],
      );
    const before = await counts();
    assert.deepEqual(await app.ctx.services.bulkWork.run(runId), { done: 130, refused: 0 });
    assert.deepEqual(await counts(), before);
    assert.equal((await stored(ids[0])).assignee_id, olga.id);
    // A run cut short (half its marks, as if it died mid-way) finishes only the rest.
    await app.ctx.db.exec(`delete from bulk_run_cards where run_id = $1 and card_id = any($2::bigint[])`, [runId, ids.slice(0, 65)]);
    await app.ctx.db.exec('update cards set assignee_id = null where id = any($1::bigint[])', [ids.slice(1, 65)]);
    await app.ctx.services.bulkWork.run(runId);
    await auditJobsDone();
    // The first card: the bulk assign, Olga's, and this run's (its mark was removed too); 2–65 redone; the rest once.
    assert.deepEqual(await history(ids, 'updated'), [3, ...Array(64).fill(2), ...Array(65).fill(1)]);
  });
});
