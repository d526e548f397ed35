// An imported card is the card CardService.create makes: the batch path
// (CardService.createMany, through importRows) writes the same row — stage,
// data, assignee, owner, version, due date, search vector — the same history
// job (with its source), the same "assigned" notice job and the same
// watchers; a refused row in a batch makes no card and takes no number. And
// it is a batch: 2,500 rows take a few dozen statements, not thousands.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import type { CheckedRow } from '#app/services/card-import';
import { importRows } from '#app/services/card-import-rows';
import type { SessionUser } from '#app/services/users';
import { startTestApp } from '#test/support/app';
import { purchaseInput, sessionUserFor } from '#test/support/cards';

describe('imported cards in batches', () => {
  let ctx: AppContext;
  let maria: SessionUser;
  let anton: SessionUser;

  before(async () => {
    ctx = (await startTestApp()).ctx;
    maria = await sessionUserFor(ctx, 'maria@example.com', { roles: ['manager'] });
    anton = await sessionUserFor(ctx, 'anton@example.com', { roles: ['approver'] });
  });

  /** Everything a new card wrote, without what differs by nature (id, number, times). */
  async function written(id: number) {
    const [card] = await ctx.db.rows<Record<string, unknown>>(
      `select title, stage, data, assignee_id, owner_id, version, due_at is null as no_due, deleted_at, search::text as search
         from cards where id = $1`,
      [id],
    );
    // The number's words ('pr', '-000123'): the digits differ by nature.
    card.search = String(card.search).replace(/'-\d+'/g, "'-N'");
    const jobs = await ctx.db.rows<{ kind: string; key: string; payload: Record<string, unknown> }>(
      `select kind, key, payload from jobs where payload->>'cardId' = $1 order by kind`,
      [String(id)],
    );
    for (const j of jobs) {
      j.key = j.key.replace(`:${id}:`, ':ID:');
      const p = j.payload;
      p.cardId = 'ID';
      if (p.at) p.at = 'AT';
      if (p.after) (p.after as Record<string, unknown>).number = 'N';
    }
    const watchers = await ctx.db.rows<{ user_id: number; watching: boolean }>(
      'select user_id, watching from card_watchers where card_id = $1 order by user_id',
      [id],
    );
    return { card, jobs, watchers };
  }

  it('writes what a card made on its own writes, and refuses a bad row of a batch alone', async () => {
    const input = purchaseInput({ title: 'Same', assignee: String(anton.id), approver: String(anton.id), description: 'two words' });
    const single = await ctx.services.cards.create(maria, 'purchase_request', input, { source: 'import:same.csv' });
    const type = ctx.services.cards.types.get('purchase_request')!;
    const rows: CheckedRow[] = [
      { line: 2, input },
      { line: 3, input: purchaseInput({ title: 'No such approver', approver: '999999' }) },
      { line: 4, input },
    ];
    const r = await importRows(ctx, type, maria, rows, { fileName: 'same.csv', allOrNothing: false });
    assert.equal(r.created, 2);
    assert.deepEqual(
      r.refused.map(({ line, column, reason }) => ({ line, column, reason })),
      [{ line: 3, column: 'approver', reason: 'no active user with this id' }],
    );
    const made = await ctx.db.rows<{ id: number; number: string }>(
      `select id, number from cards where title = 'Same' and id <> $1 order by id`,
      [single.id],
    );
    assert.equal(made.length, 2);
    const n = (s: string) => Number(s.split('-')[1]);
    assert.deepEqual(
      made.map((m) => n(m.number)),
      [n(single.number) + 1, n(single.number) + 2],
      'numbers from the sequence, none taken by the refused row',
    );
    const expected = await written(single.id);
    assert.ok(
      expected.jobs.some((j) => j.kind === 'notifications.card_event'),
      'the single path enqueued "assigned"',
    );
    assert.equal(expected.watchers.length, 2);
    for (const m of made) assert.deepEqual(await written(m.id), expected);
  });

  it('imports 2,500 rows in a few dozen statements (batches), not thousands', async () => {
    const type = ctx.services.cards.types.get('purchase_request')!;
    const rows: CheckedRow[] = Array.from({ length: 2500 }, (_, i) => ({ line: i + 2, input: purchaseInput({ title: `Batch ${i}` }) }));
    let statements = 0;
    const db = ctx.db as unknown as Record<'rows' | 'exec', (...a: unknown[]) => Promise<unknown>>;
    const orig = { rows: db.rows, exec: db.exec };
    for (const m of ['rows', 'exec'] as const)
      db[m] = function (this: unknown, ...a: unknown[]) {
        statements++;
        return orig[m].apply(this, a);
      };
    try {
      const r = await importRows(ctx, type, maria, rows, { fileName: 'batch.csv', allOrNothing: false });
      assert.equal(r.created, 2500);
    } finally {
      Object.assign(db, orig);
    }
    assert.ok(statements <= 40, `${statements} statements for 2,500 rows`);
  });
});
