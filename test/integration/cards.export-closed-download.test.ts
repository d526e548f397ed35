// A CSV export runs in a read-only transaction with a cursor on a pooled
// connection. When the browser closes the download half way, the export must
// end and give the connection back: before, it waited for a 'drain' that a
// closed connection never emits, holding the connection (idle in
// transaction) for good — five of them and every save in the process waited.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestApp } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { eventually } from '#test/support/queue';

describe('CSV export', () => {
  it('ends its transaction when the download is closed half way', async () => {
    const app = await startTestApp();
    const maria = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'] });
    const card = await makePurchase(app.ctx, maria, { title: 'Template card' });
    // 40,000 copies with long titles: several MB of CSV, more than the socket buffers hold.
    await app.ctx.db.exec(
      `insert into cards (type, number, title, stage, owner_id, version, data, search)
       select type, 'PR-9' || lpad(g::text, 5, '0'), repeat('A long title for the export ', 8) || g, stage, owner_id, 1, data, search
         from cards, generate_series(1, 40000) g where id = $1`,
      [card.id],
    );
    const c = app.client();
    await c.login('maria@example.com', 'correct horse battery');
    const inTransaction = async () =>
      // Other backends of this database inside a transaction (idle in it, or running a FETCH).
      (
        await app.ctx.db.rows<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and xact_start is not null and backend_type = 'client backend'`,
        )
      )[0].n;

    const abort = new AbortController();
    const res = await fetch(`${app.url}/cards/purchase_request/export.csv`, {
      headers: { cookie: c.cookieHeader() },
      signal: abort.signal,
    });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    assert.ok(first.value && first.value.length > 0, 'the download started');
    // The header line is written before the cursor's transaction begins: wait for it (we read no further,
    // so the export stalls on full socket buffers inside its transaction).
    await eventually(
      async () => ((await inTransaction()) === 1 ? true : null),
      10_000,
      'the export streaming inside its cursor transaction',
    );
    abort.abort();

    await eventually(async () => ((await inTransaction()) === 0 ? true : null), 10_000, 'the export transaction ended');
    // And the pool is whole: a full export still works.
    const full = await c.get('/cards/purchase_request/export.csv');
    assert.equal(full.status, 200);
    assert.equal(full.text.trim().split('\r\n').length, 1 + 40_001);
  });
});
