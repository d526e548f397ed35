// The import page (/cards/:type/import) and its job (cards.import) on a real
// database: the mapping saved when an import starts and offered to the next
// file of the type; all or nothing imports no card when one row is bad; a job
// run twice imports nothing twice; the file kept privately until the import
// ends; permissions (the page, someone else's import, the job as the
// uploader), CSRF and bad input answered without a 500.
import assert from 'node:assert/strict';
import { ImportRunOverlap } from '#app/services/card-import-runs';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import type { CardImportRow } from '#app/services/card-import-runs';
import type { SessionUser } from '#app/services/users';
import { startWorkers } from '#app/worker/start';
import { startTestApp, type TestApp, type TestClient } from '#test/support/app';
import { sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';

const PASSWORD = 'correct horse battery';

describe('the CSV import page', () => {
  let app: TestApp;
  let ctx: AppContext;
  let maria: SessionUser;
  let c: TestClient;
  let token: string;

  before(async () => {
    app = await startTestApp();
    ctx = app.ctx;
    maria = await sessionUserFor(ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria Manager' });
    await sessionUserFor(ctx, 'ann@example.com', { roles: ['approver'] });
    await sessionUserFor(ctx, 'olga@example.com', { roles: ['operator'] });
    c = app.client();
    await c.login('maria@example.com', PASSWORD);
    token = await c.csrf('/cards/purchase_request');
  });

  async function upload(client: TestClient, csrf: string | null, name: string, text: string, type = 'purchase_request') {
    const form = new FormData();
    form.append('files', new Blob([text], { type: 'text/csv' }), name);
    return client.request('POST', `/cards/${type}/import`, form, {
      accept: 'application/json',
      ...(csrf ? { 'x-csrf-token': csrf } : {}),
    });
  }
  async function uploaded(name: string, text: string): Promise<number> {
    const r = await upload(c, token, name, text);
    assert.equal(r.status, 201, r.text);
    const id = Number(/\/import\/(\d+)$/.exec(JSON.parse(r.text).url)![1]);
    // Uploads a test leaves unstarted: their files go with the test.
    const file = (await row(id)).file_path;
    if (file) onCleanup(() => fs.rmSync(file, { force: true }));
    return id;
  }
  const row = async (id: number) => (await ctx.db.rows<CardImportRow>('select * from card_imports where id = $1', [id]))[0];
  const count = async (like: string) =>
    (await ctx.db.rows<{ n: number }>('select count(*)::int as n from cards where title like $1', [like]))[0].n;
  /** The selected target of each column on the mapping page. */
  function selected(html: string): string[] {
    return [...html.matchAll(/<select[^>]*name="column"[^>]*>([\s\S]*?)<\/select>/g)].map(
      (m) => /value="([^"]*)" selected/.exec(m[1])?.[1] ?? '',
    );
  }
  const runTwice = { run: (id: number) => ctx.services.cardImports.run(id, async () => {}) };

  it('saves the mapping when an import starts and offers it to the next file of the type; the file is private and removed at the end', async () => {
    const text = 'Name,Vendor,Price,category,quantity,Notes\nChairs,Acme,120.5,office,2,x\nDesks,Ikea,99,office,1,y\n';
    const first = await uploaded('chairs.csv', text);
    const file = (await row(first)).file_path!;
    assert.ok(file.startsWith(path.join(ctx.settings.varDir, 'imports')), file);
    assert.ok(!file.startsWith(ctx.settings.mediaRoot), 'not under the media root');
    assert.ok(fs.existsSync(file));
    let page = await c.get(`/cards/purchase_request/import/${first}`);
    assert.equal(page.status, 200);
    assert.deepEqual(selected(page.text), ['', '', '', 'category', 'quantity', ''], 'by name only: nothing saved yet');
    const check = await c.post(
      `/cards/purchase_request/import/${first}/check`,
      { column: ['title', 'supplier', 'amount', 'category', 'quantity', ''] },
      { from: `/cards/purchase_request/import/${first}` },
    );
    assert.equal(check.status, 303, check.text);
    page = await c.get(`/cards/purchase_request/import/${first}`);
    assert.match(page.text, /2 rows · <span class="text-success">2 valid/);
    const start = await c.post(
      `/cards/purchase_request/import/${first}/start`,
      { mode: 'valid' },
      { from: `/cards/purchase_request/import/${first}` },
    );
    assert.equal(start.status, 303, start.text);
    assert.equal((await row(first)).state, 'queued');
    assert.ok(fs.existsSync(file), 'kept until the job ends');
    await runTwice.run(first);
    assert.equal((await row(first)).state, 'done');
    assert.equal((await row(first)).file_path, null);
    assert.ok(!fs.existsSync(file), 'removed when the import ended');

    const second = await uploaded('more chairs.csv', 'Name,Vendor,Price,category,quantity,Other\nStools,Acme,10,office,4,z\n');
    page = await c.get(`/cards/purchase_request/import/${second}`);
    assert.deepEqual(selected(page.text), ['title', 'supplier', 'amount', 'category', 'quantity', ''], 'the saved mapping, by column name');
  });

  it('removes an upload never started within a day (at the next upload)', async () => {
    const old = await uploaded('old.csv', 'title\nOld\n');
    const file = (await row(old)).file_path!;
    await ctx.db.exec(`update card_imports set created_at = now() - interval '25 hours' where id = $1`, [old]);
    const fresh = await uploaded('fresh.csv', 'title\nFresh\n');
    assert.equal((await row(old)).state, 'failed');
    assert.equal((await row(old)).error, 'not started within a day');
    assert.ok(!fs.existsSync(file), 'its file removed');
    assert.equal((await row(fresh)).state, 'uploaded');
    assert.ok(fs.existsSync((await row(fresh)).file_path!));
  });

  it('all or nothing imports no card when one row is bad; the valid rows otherwise; every problem with its line, column and reason', async () => {
    const text = 'title,supplier,amount,category,quantity\nAON one,S,1,it,1\nAON two,S,lots,it,1\nAON three,S,3,it,1\n';
    const all = await uploaded('aon.csv', text);
    await ctx.services.cardImports.check(maria, 'purchase_request', all, ['title', 'supplier', 'amount', 'category', 'quantity']);
    const page = await c.get(`/cards/purchase_request/import/${all}`);
    assert.match(page.text, /<tr><td>3<\/td><td>amount<\/td><td>must be a number such as 1234.50<\/td><\/tr>/);
    await ctx.services.cardImports.start(maria, 'purchase_request', all, true);
    const r = await runTwice.run(all);
    assert.deepEqual(r, { created: 0, refusedRows: 1 });
    assert.equal(await count('AON %'), 0, 'nothing imported');
    const result = await c.get(`/cards/purchase_request/import/${all}`);
    assert.match(result.text, /0 cards imported · 1 row refused · all or nothing: no card imported/);

    const valid = await uploaded('aon.csv', text);
    await ctx.services.cardImports.check(maria, 'purchase_request', valid, ['title', 'supplier', 'amount', 'category', 'quantity']);
    await ctx.services.cardImports.start(maria, 'purchase_request', valid, false);
    assert.deepEqual(await runTwice.run(valid), { created: 2, refusedRows: 1 });
    assert.equal(await count('AON %'), 2);
  });

  it('a job run twice imports nothing twice: a run after the last batch was written (the worker died before "done") adds no card', async () => {
    const lines = Array.from({ length: 2500 }, (_, i) => `Twice ${i},S,${i},it,1`);
    const id = await uploaded('twice.csv', `title,supplier,amount,category,quantity\n${lines.join('\n')}\n`);
    await ctx.services.cardImports.check(maria, 'purchase_request', id, ['title', 'supplier', 'amount', 'category', 'quantity']);
    await ctx.services.cardImports.start(maria, 'purchase_request', id, false);
    // The file is read again by the second run: keep a copy to put back.
    const file = (await row(id)).file_path!;
    const copy = fs.readFileSync(file);
    assert.deepEqual(await runTwice.run(id), { created: 2500, refusedRows: 0 });
    fs.writeFileSync(file, copy);
    onCleanup(() => fs.rmSync(file, { force: true }));
    await ctx.db.exec(`update card_imports set state = 'running', file_path = $2 where id = $1`, [id, file]);
    assert.deepEqual(await runTwice.run(id), { created: 2500, refusedRows: 0 });
    assert.equal(await count('Twice %'), 2500);
    const [dupes] = await ctx.db.rows<{ n: number }>(
      `select count(*)::int as n from cards where title like 'Twice %' group by title order by 1 desc limit 1`,
    );
    assert.equal(dupes.n, 1);
  });

  it('two copies of the job at once import each row once, and a second start changes nothing', async () => {
    const lines = Array.from({ length: 2500 }, (_, i) => `Overlap ${i},S,${i},it,1`);
    const id = await uploaded('overlap.csv', `title,supplier,amount,category,quantity\n${lines.join('\n')}\n`);
    await ctx.services.cardImports.check(maria, 'purchase_request', id, ['title', 'supplier', 'amount', 'category', 'quantity']);
    await ctx.services.cardImports.start(maria, 'purchase_request', id, false);
    await assert.rejects(ctx.services.cardImports.start(maria, 'purchase_request', id, true), /started/i);
    assert.equal((await row(id)).all_or_nothing, false, 'the second start changed nothing');
    const results = await Promise.allSettled([runTwice.run(id), runTwice.run(id)]);
    assert.ok(
      results.some((r) => r.status === 'fulfilled'),
      'one copy finished',
    );
    for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof ImportRunOverlap, String(r.reason));
    assert.equal(await count('Overlap %'), 2500, 'each row once');
  });

  it('runs as a job of the engine, with progress, and the job checks the uploader again', async () => {
    const runner = await startWorkers(ctx, { queues: ['default'] });
    onCleanup(() => runner.stop(2000));
    const id = await uploaded('job.csv', 'title,supplier,amount,category,quantity\nJob one,S,1,it,1\nJob two,S,2,it,1\n');
    await ctx.services.cardImports.check(maria, 'purchase_request', id, ['title', 'supplier', 'amount', 'category', 'quantity']);
    await ctx.services.cardImports.start(maria, 'purchase_request', id, false);
    const until = async (state: string) => {
      for (let i = 0; i < 600 && (await row(id)).state !== state; i++) await new Promise((r) => setTimeout(r, 100));
      return row(id);
    };
    const done = await until('done');
    assert.equal(done.created_cards, 2);
    // (The engine's progress columns of a two-row job: its one report may come before the claim is written; the page reads the import's own.)
    // The engine records the job done after the handler returned (its completions are batched): wait for that too.
    const jobOf = async () =>
      (await ctx.db.rows<{ kind: string; state: string }>('select kind, state from jobs where id = $1', [done.job_id]))[0];
    for (let i = 0; i < 600 && (await jobOf()).state !== 'done'; i++) await new Promise((r) => setTimeout(r, 100));
    const job = await jobOf();
    assert.deepEqual(job, { kind: 'cards.import', state: 'done' });
    const status = await c.get(`/cards/purchase_request/import/${id}/status`, { accept: 'application/json' });
    assert.deepEqual(JSON.parse(status.text), { state: 'done', done: 2, total: 2, percent: 100, label: '2 of 2 rows', final: true });
    const [history] = await ctx.db.rows<{ payload: { source: string; userId: number } }>(
      `select j.payload from jobs j join cards c on j.key = 'audit:card:' || c.id || ':v1' where c.title = 'Job one'`,
    );
    assert.equal(history.payload.source, 'import:job.csv');
    assert.equal(history.payload.userId, maria.id);

    // The uploader loses the right to create before the job runs: nothing imported, failed with the reason, file removed.
    const olga = app.client();
    await olga.login('olga@example.com', PASSWORD);
    const oid = Number(
      /\/import\/(\d+)$/.exec(
        JSON.parse(
          (
            await upload(
              olga,
              await olga.csrf('/cards/purchase_request'),
              'o.csv',
              'title,supplier,amount,category,quantity\nOlga one,S,1,it,1\n',
            )
          ).text,
        ).url,
      )![1],
    );
    const olgaUser = (await ctx.services.users.sessionUser((await row(oid)).user_id))!;
    await ctx.services.cardImports.check(olgaUser, 'purchase_request', oid, ['title', 'supplier', 'amount', 'category', 'quantity']);
    const file = (await row(oid)).file_path!;
    await runner.stop(2000);
    await ctx.services.cardImports.start(olgaUser, 'purchase_request', oid, false);
    await ctx.db.exec(`delete from user_roles where user_id = $1`, [olgaUser.id]);
    const again = await startWorkers(ctx, { queues: ['default'] });
    onCleanup(() => again.stop(2000));
    for (let i = 0; i < 600 && (await row(oid)).state !== 'failed'; i++) await new Promise((r) => setTimeout(r, 100));
    const failed = await row(oid);
    assert.equal(failed.state, 'failed');
    assert.match(failed.error ?? '', /may no longer create/);
    assert.equal(await count('Olga %'), 0);
    assert.ok(!fs.existsSync(file));
  });

  it('refuses whoever may not create cards of the type, someone else’s import, a missing CSRF token and bad input, never with a 500', async () => {
    const ann = app.client();
    await ann.login('ann@example.com', PASSWORD);
    assert.equal((await ann.get('/cards/purchase_request/import')).status, 403);
    const before = fs.existsSync(path.join(ctx.settings.varDir, 'imports'))
      ? fs.readdirSync(path.join(ctx.settings.varDir, 'imports')).length
      : 0;
    const refused = await upload(ann, await ann.csrf('/cards/purchase_request'), 'x.csv', 'title\nA\n');
    assert.equal(refused.status, 403);
    const after = fs.existsSync(path.join(ctx.settings.varDir, 'imports'))
      ? fs.readdirSync(path.join(ctx.settings.varDir, 'imports')).length
      : 0;
    assert.equal(after, before, 'no byte on the disk');
    const list = await ann.get('/cards/purchase_request');
    assert.doesNotMatch(list.text, /data-testid="import"/, 'no link for her');
    assert.match((await c.get('/cards/purchase_request')).text, /href="\/cards\/purchase_request\/import" data-testid="import"/);

    const mine = await uploaded('mine.csv', 'title\nMine\n');
    const olga = app.client();
    await olga.login('olga@example.com', PASSWORD);
    assert.equal((await olga.get(`/cards/purchase_request/import/${mine}`)).status, 404, 'someone else’s import');
    assert.equal((await upload(c, null, 'nocsrf.csv', 'title\nA\n')).status, 403, 'no CSRF token');

    const notMultipart = await c.request('POST', '/cards/purchase_request/import', 'title\nA\n', {
      'x-csrf-token': token,
      'content-type': 'text/csv',
      accept: 'application/json',
    });
    assert.equal(notMultipart.status, 415, 'a body no page reads');
    const urlencoded = await c.request('POST', '/cards/purchase_request/import', 'a=b', {
      'x-csrf-token': token,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    });
    assert.equal(urlencoded.status, 400, 'not a file upload');
    const empty = await upload(c, token, 'empty.csv', '');
    assert.equal(empty.status, 400);
    assert.match(JSON.parse(empty.text).error, /cannot be read as CSV: the file is empty/);
    assert.equal((await upload(c, token, 'x.csv', 'title\nA\n', 'nope')).status, 404);
    const noTitle = await c.post(
      `/cards/purchase_request/import/${mine}/check`,
      { column: [''] },
      { from: `/cards/purchase_request/import/${mine}` },
    );
    assert.equal(noTitle.status, 400);
    assert.match(noTitle.text, /No column is mapped to the title/);
    const unchecked = await c.post(
      `/cards/purchase_request/import/${mine}/start`,
      { mode: 'valid' },
      { from: `/cards/purchase_request/import/${mine}` },
    );
    assert.equal(unchecked.status, 400);
    const badMode = await c.post(
      `/cards/purchase_request/import/${mine}/start`,
      { mode: 'everything' },
      { from: `/cards/purchase_request/import/${mine}` },
    );
    assert.equal(badMode.status, 400);
    assert.equal((await c.get('/cards/purchase_request/import/99999999')).status, 404);
    assert.equal((await c.get('/cards/purchase_request/import/abc')).status, 404);
  });

  it('shows the problems in Russian for a Russian reader', async () => {
    await ctx.db.exec(`update users set locale = 'ru' where email = 'maria@example.com'`);
    onCleanup(() => ctx.db.exec(`update users set locale = 'en' where email = 'maria@example.com'`));
    const id = await uploaded('ru.csv', 'title,supplier,amount,category,quantity\nA,S,x,it,1\nB,S\n');
    await ctx.services.cardImports.check(maria, 'purchase_request', id, ['title', 'supplier', 'amount', 'category', 'quantity']);
    const page = await c.get(`/cards/purchase_request/import/${id}`);
    assert.match(page.text, /в строке 2 ячеек, в заголовке 5/);
    assert.match(page.text, /2 строки отклонены/);
  });
});
