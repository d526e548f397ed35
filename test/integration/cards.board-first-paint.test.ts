// The board's first paint: server time of GET /cards/purchase_request/board
// for a manager (reads every card) with 10,000 open purchase requests (no
// card in a final stage), as a browser asks for it: one request at a time on
// a warm process, BENCH_RUNS (30) after 5 to warm up; min, median, p90, max.
// A test (its own schema, through `npm test -- cards.board-first-paint`) that
// prints the figures for docs/benchmarks.md and asserts what a large board
// must hold — at most 50 tiles a column, each column's "show more" naming the
// rest — never a time: speed is read from the printed figures, not asserted.
// BENCH_CARDS (400) BENCH_RUNS (3).
import assert from 'node:assert/strict';
import os from 'node:os';
import { LOAD_CARDS } from '#test/bench/bench-cards';
import { it } from 'node:test';
import { startTestApp } from '#test/support/app';
import { sessionUserFor } from '#test/support/cards';

// The suite runs it small (its assertions need only columns over 50 cards);
// the figures in docs/benchmarks.md come from BENCH_CARDS=10000 BENCH_RUNS=30.
const CARDS = Number(process.env.BENCH_CARDS ?? 400);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

it('board first paint', async () => {
  const app = await startTestApp();
  const manager = await sessionUserFor(app.ctx, 'manager@example.com', { roles: ['manager'], name: 'Maria Manager' });
  const operators = [];
  for (let i = 1; i <= 5; i++) operators.push((await sessionUserFor(app.ctx, `op${i}@example.com`, { roles: ['operator'] })).id);
  await app.ctx.db.exec(LOAD_CARDS, [CARDS, [...operators, manager.id], operators, [manager.id]]);
  // Open cards only: the final stages' share goes to the open ones.
  await app.ctx.db.exec(
    `update cards set stage = case when id % 2 = 0 then 'ordering' else 'draft' end where stage in ('received', 'rejected')`,
  );
  await app.ctx.db.exec('vacuum analyze cards');
  const c = app.client();
  await c.login('manager@example.com', 'correct horse battery');
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS + 5; i++) {
    const started = performance.now();
    const page = await c.get('/cards/purchase_request/board');
    const ms = performance.now() - started;
    if (page.status !== 200) throw new Error(`board: ${page.status}`);
    bytes = page.text.length;
    if (i >= 5) times.push(ms);
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(1);
  console.log(
    `# board of ${CARDS} open cards, ${RUNS} runs: min ${at(0)} ms, median ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${at(1)} ms; ` +
      `page ${(bytes / 1024).toFixed(0)} KiB; load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${os.cpus().length} cores`,
  );
  const last = await c.get('/cards/purchase_request/board');
  const columns = last.text.split('data-testid="column-').slice(1);
  assert.ok(columns.length >= 3, 'a column per stage');
  let full = 0;
  for (const col of columns) {
    const tiles = (col.match(/data-testid="tile-/g) ?? []).length;
    assert.ok(tiles <= 50, `a column shows at most 50 tiles, not ${tiles}`);
    if (tiles === 50) {
      full++;
      assert.match(col, /data-testid="more"/, 'a full column offers the rest in the list');
    }
  }
  assert.ok(full >= 1, 'some column holds more than 50 cards');
});
