// CSV import of cards (app/services/card-import.ts, ./manage.ts import-cards)
// on a real database: the export read back into new cards with the same
// values; the bad files (a BOM, semicolons, Windows line ends, quoted line
// breaks, a NUL byte, a short row, 100,000 rows, a file over the limit) read
// correctly or refused per row with the reason; all or nothing; the history's
// source; the permission; the command's exit codes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import {
  CardImportError,
  checkRows,
  CSV_MAX_BYTES,
  mapColumns,
  readCsv,
  type CheckedRow,
  type RowProblem,
} from '#app/services/card-import';
import { importRows } from '#app/services/card-import-rows';
import type { SessionUser } from '#app/services/users';
import { startTestApp, type TestApp } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { lines, manage } from '#test/support/cli';

const HEADER = 'title,supplier,amount,category,quantity';

describe('CSV import of cards', () => {
  let app: TestApp;
  let ctx: AppContext;
  let maria: SessionUser;
  let dir: string;

  before(async () => {
    app = await startTestApp();
    ctx = app.ctx;
    maria = await sessionUserFor(ctx, 'maria@example.com', { roles: ['manager', 'approver'], name: 'Maria Manager' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-csv-'));
    onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  });

  async function check(text: string | Buffer, type = 'purchase_request'): Promise<CheckedRow[]> {
    const t = ctx.services.cards.types.get(type)!;
    const table = readCsv(Buffer.isBuffer(text) ? text : Buffer.from(text));
    return checkRows(ctx, t, table, mapColumns(t, table.headers), maria);
  }
  // A problem's English reason (its `text` is the same as a message, for pages).
  const english = (ps: RowProblem[]) => ps.map(({ line, column, reason }) => ({ line, column, reason }));
  const inputs = (rows: CheckedRow[]) => rows.map((r) => ('input' in r ? r.input : english(r.problems)));

  it('round-trips the export: every value of the new cards equals the exported card’s', async () => {
    const pr = await makePurchase(ctx, maria, {
      title: '=cmd|"/c calc"',
      supplier: 'Müller, "Büro" GmbH',
      amount: '12000.75',
      quantity: '3',
      needed_by: '2026-12-24',
      urgent: 'on',
      approver: String(maria.id),
      description: 'two\nlines',
    });
    const complaint = await ctx.services.cards.create(maria, 'complaint', {
      title: 'Late delivery',
      customer: '-5 stars',
      channel: 'web',
      severity: 'high',
      received_at: '2026-03-29T04:30',
      order: String(pr.id),
      refund: '19.90',
      details: "'@it was late",
    });
    const c = app.client();
    await c.login('maria@example.com', 'correct horse battery');
    for (const [type, card] of [
      ['purchase_request', pr],
      ['complaint', complaint],
    ] as const) {
      const res = await fetch(`${app.url}/cards/${type}/export.csv`, { headers: { cookie: c.cookieHeader() } });
      const bytes = Buffer.from(await res.arrayBuffer());
      const t = ctx.services.cards.types.get(type)!;
      const rows = await check(bytes, type);
      assert.equal(rows.length, 1);
      const r = await importRows(ctx, t, maria, rows, { fileName: `${type}.csv`, allOrNothing: true });
      assert.deepEqual(r, { created: 1, refused: [] });
      const [copy] = await ctx.db.rows<{ id: number; title: string; data: unknown; number: string }>(
        'select id, title, data, number from cards where type = $1 and id <> $2',
        [type, card.id],
      );
      assert.notEqual(copy.number, card.number, 'a new card');
      assert.equal(copy.title, card.title);
      assert.deepEqual(copy.data, card.data);
      const [job] = await ctx.db.rows<{ payload: { source?: string; userId: number } }>('select payload from jobs where key = $1', [
        `audit:card:${copy.id}:v1`,
      ]);
      assert.equal(job.payload.source, `import:${type}.csv`, 'the history says from which file');
      assert.equal(job.payload.userId, maria.id, 'and by whom');
    }
  });

  it('reads a BOM, semicolons, Windows line ends and quoted line breaks', async () => {
    const text =
      '\ufefftitle;supplier;amount;category;quantity;description\r\n' +
      'Chairs;"Acme ""Ltd""";1200.50;office;2;"two\r\nlines; quoted"\r\nDesks;Ikea;99;office;1;\r\nLamps;Ikea;lots;office;1;\r\n';
    assert.deepEqual(inputs(await check(text)), [
      { title: 'Chairs', supplier: 'Acme "Ltd"', amount: '1200.5', category: 'office', quantity: '2', description: 'two\nlines; quoted' },
      { title: 'Desks', supplier: 'Ikea', amount: '99', category: 'office', quantity: '1', description: '' },
      [{ line: 5, column: 'amount', reason: 'must be a number such as 1234.50' }],
    ]);
  });

  it('refuses a row with a NUL byte, a short row and a bad value with their line, column and reason; the others are imported', async () => {
    const text = [HEADER, 'A,S,1,it,1', 'B\u0000,S,1,it,1', 'C,S,1', 'D,S,lots,it,1', 'E,S,2,it,1'].join('\n');
    const rows = await check(text);
    assert.deepEqual(english(rows.flatMap((r) => ('problems' in r ? r.problems : []))), [
      { line: 3, column: null, reason: 'the row holds a NUL byte' },
      { line: 4, column: null, reason: 'the row has 3 cells, the header 5' },
      { line: 5, column: 'amount', reason: 'must be a number such as 1234.50' },
    ]);
    const t = ctx.services.cards.types.get('purchase_request')!;
    const before = await count();
    const none = await importRows(ctx, t, maria, rows, { fileName: 'bad.csv', allOrNothing: true });
    assert.equal(none.created, 0);
    assert.equal(await count(), before, 'all or nothing: nothing');
    const some = await importRows(ctx, t, maria, rows, { fileName: 'bad.csv', allOrNothing: false });
    assert.equal(some.created, 2);
    assert.equal(await count(), before + 2, 'the valid rows');
  });

  it('reads 100,000 rows', async () => {
    const body = Array.from({ length: 100_000 }, (_, i) => `Row ${i},Supplier,${i}.5,it,1`).join('\r\n');
    const rows = await check(`${HEADER}\r\n${body}\r\n`);
    assert.equal(rows.length, 100_000);
    assert.ok(rows.every((r) => 'input' in r));
    assert.deepEqual(rows[99_999], {
      line: 100_001,
      input: { title: 'Row 99999', supplier: 'Supplier', amount: '99999.5', category: 'it', quantity: '1' },
    });
  });

  it('refuses a file over the limit with the reason', () => {
    assert.throws(() => readCsv(Buffer.alloc(CSV_MAX_BYTES + 1, 'a')), /larger than 64 MB, the import's limit/);
  });

  it('imports only for users who may create cards of the type', async () => {
    const ann = await sessionUserFor(ctx, 'ann@example.com', { roles: ['approver'] });
    const t = ctx.services.cards.types.get('purchase_request')!;
    await assert.rejects(
      importRows(ctx, t, ann, await check(`${HEADER}\nA,S,1,it,1`), { fileName: 'x.csv', allOrNothing: false }),
      CardImportError,
    );
  });

  it('manage.ts import-cards: 0 when every row is imported, 2 when rows are refused, 1 for a mistake', async () => {
    const env = { DATABASE_URL: app.db.url };
    const good = path.join(dir, 'good.csv');
    fs.writeFileSync(good, `${HEADER}\nCLI one,S,1,it,1\nCLI two,S,2,it,1\n`);
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, `${HEADER}\nCLI three,S,1,it,1\nCLI four,S,x,it,1\n`);
    let r = await manage(['import-cards', good, '--type', 'purchase_request', '--as', 'maria@example.com'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lines(r.stdout).at(-1), 'summary: 2 card(s) imported of 2 row(s), 0 row(s) refused');
    r = await manage(['import-cards', bad, '--type', 'purchase_request', '--as', 'maria@example.com', '--all-or-nothing'], env);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /^refused line 3, amount: /m);
    assert.equal(lines(r.stdout).at(-1), 'summary: 0 card(s) imported of 2 row(s), 1 row(s) refused (--all-or-nothing: nothing imported)');
    for (const [args, message] of [
      [['--type', 'nope'], /^error: unknown card type "nope"/],
      [
        ['--type', 'purchase_request', '--as', 'maria@example.com', '--map', 'price=amount'],
        /^error: --map price=…: the file has no column "price"/,
      ],
      [
        ['--type', 'purchase_request', '--as', 'maria@example.com', '--map', 'amount=price'],
        /^error: --map amount=price: purchase_request has no field "price"/,
      ],
      [['--type', 'purchase_request', '--as', 'nobody@example.com'], /^error: no active user with the email nobody@example.com/],
    ] as const) {
      r = await manage(['import-cards', good, ...args], env);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(lines(r.stderr).length, 1, r.stderr);
      assert.match(r.stderr, message);
    }
    r = await manage(['import-cards', path.join(dir, 'missing.csv'), '--type', 'purchase_request'], env);
    assert.equal(r.code, 1);
    assert.equal(await count('CLI %'), 2);
  });

  async function count(like = '%'): Promise<number> {
    const [r] = await ctx.db.rows<{ n: number }>(`select count(*)::int as n from cards where type = 'purchase_request' and title like $1`, [
      like,
    ]);
    return r.n;
  }
});
