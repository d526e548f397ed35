// CSV import of cards: BENCH_ROWS (100,000) rows of purchase requests read,
// checked and imported (valid rows, in batches as the command and the import
// page's job do) through app/services/card-import-rows.ts on a fresh
// database; the history jobs are enqueued, not run. Side by side in the same
// run, BENCH_SINGLE_ROWS (2,000) cards made one per transaction
// (CardService.create). Prints the time of each phase, progress every 10%,
// and the load average before and after.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx test/bench/csv-import.bench.ts
import os from 'node:os';
import { loadSettings } from '#app/config';
import { createContext } from '#app/context';
import { createLogger } from '#app/log';
import { LocalTransport } from '#app/queue/transports/local';
import { checkRows, mapColumns, readCsv } from '#app/services/card-import';
import { IMPORT_BATCH, importRows } from '#app/services/card-import-rows';
import { createBenchDatabase, dropBenchDatabase } from '#test/bench/bench-db';
import { makeUser } from '#test/support/app';

const DB_NAME = 'orbis_bench_csv_import';
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const SINGLE_ROWS = Number(process.env.BENCH_SINGLE_ROWS ?? 2_000);
const load = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

const url = await createBenchDatabase(DB_NAME);
const settings = loadSettings({
  env: {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: url,
    SECRET_KEY: 'bench-secret-key-0123456789',
    ORBIS_PUBLIC_URL: 'http://127.0.0.1',
    LOG_LEVEL: 'warn',
  },
});
const ctx = await createContext(settings, { log: createLogger(settings), transport: new LocalTransport() });
try {
  const u = await makeUser(ctx, 'boss@example.com', { superuser: true });
  const user = (await ctx.services.users.sessionUser(u.id))!;
  const type = ctx.services.cards.types.get('purchase_request')!;
  const lines = ['title,supplier,amount,category,quantity'];
  for (let i = 0; i < ROWS; i++) lines.push(`Row ${i},"Supplier; ${i % 97}",${i}.25,it,${(i % 9) + 1}`);
  const bytes = Buffer.from('\ufeff' + lines.join('\r\n') + '\r\n');
  console.log(`load average before: ${load()}; ${ROWS} rows, ${(bytes.length / 1e6).toFixed(1)} MB`);
  let t0 = performance.now();
  const table = readCsv(bytes);
  const rows = await checkRows(ctx, type, table, mapColumns(type, table.headers), user);
  console.log(`read and checked: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  // Side by side in the same run: the first SINGLE_ROWS rows one card per transaction (CardService.create,
  // the path before the batches), then every row through importRows (batches of IMPORT_BATCH).
  t0 = performance.now();
  const sample = rows.slice(0, SINGLE_ROWS).flatMap((r) => ('input' in r ? [r.input] : []));
  for (const input of sample) await ctx.services.cards.create(user, type.name, input, { source: 'import:bench-single.csv' });
  const single = sample.length / ((performance.now() - t0) / 1000);
  console.log(`one card per transaction: ${sample.length} cards, ${single.toFixed(0)} cards/s; load average: ${load()}`);
  t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let next = 0.1;
  const r = await importRows(
    ctx,
    type,
    user,
    rows,
    { fileName: 'bench.csv', allOrNothing: false },
    {
      progress(done, total) {
        if (done / total + 1e-9 < next) return;
        console.log(`  ${done} rows, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        next += 0.1;
      },
    },
  );
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(`  CPU of this process: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (the rest of the wall time: PostgreSQL and waiting)`);
  console.log(
    `batches of ${IMPORT_BATCH}: imported ${r.created} cards in ${secs.toFixed(1)} s, ${(r.created / secs).toFixed(0)} cards/s ` +
      `(${(r.created / secs / single).toFixed(1)}× one per transaction); load average after: ${load()}`,
  );
} finally {
  await ctx.close();
  await dropBenchDatabase(DB_NAME);
}
