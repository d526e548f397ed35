// A/B of the connection layer itself: this checkout's app/db/connection.ts
// beside another checkout's (BENCH_BEFORE, e.g. a worktree of the commit
// before a change), in one process on one database, alternately — so a
// change to the layer is measured apart from the rest of a page, on a
// machine too busy for the page benchmarks to tell 5%.
//
//   BENCH_BEFORE=/path/to/other/checkout DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//     npx tsx test/bench/db-layer-ab.bench.ts
//
// Work: the statements of a list view outside a transaction (a prepared
// select of one row, then 50 rows) and a save's transaction (a row locked,
// updated, an outbox row inserted). Reported: operations/s with 10 in
// flight and the Node process's CPU per operation, each round.
// Env: BENCH_ROUNDS (4), BENCH_MS (3000).
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadSettings } from '#app/config';
import * as after from '#app/db/connection';
import { benchDbUrl, createBenchDatabase, dropBenchDatabase } from '#test/bench/bench-db';

const DB_NAME = process.env.BENCH_DB ?? 'orbis_bench_db_ab';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const MS = Number(process.env.BENCH_MS ?? 3000);
const IN_FLIGHT = 10;

type Layer = typeof after;

async function measure(op: (i: number) => Promise<unknown>): Promise<{ ops: number; cpuUs: number }> {
  let n = 0;
  const end = performance.now() + MS;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < end) await op(n++);
    }),
  );
  const used = process.cpuUsage(cpu);
  return { ops: n / ((performance.now() - started) / 1000), cpuUs: (used.user + used.system) / n };
}

async function main() {
  const beforeDir = process.env.BENCH_BEFORE;
  if (!beforeDir) throw new Error('set BENCH_BEFORE to the other checkout');
  const before = (await import(pathToFileURL(path.join(beforeDir, 'app/db/connection.ts')).href)) as Layer;
  console.log(
    `# ${os.cpus().length} cores, Node ${process.version}; load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  await createBenchDatabase(DB_NAME);
  const settings = loadSettings({
    env: { ...process.env, DATABASE_URL: benchDbUrl(DB_NAME), LOG_LEVEL: 'silent' },
    overrides: { database: { poolMax: IN_FLIGHT } },
  });
  const layers = { before: await before.openDatabase(settings), after: await after.openDatabase(settings) };
  try {
    const db = layers.after;
    await db.exec(`insert into users (email, display_name, password_hash) values ('bench@example.com', 'Bench', 'x')`);
    await db.exec(
      `insert into cards (type, number, title, stage, owner_id, data, updated_at)
       select 'purchase_request', 'PR-' || g, 'Card ' || g, 'approval', 1, jsonb_build_object('amount', g), now() - g * interval '1 s'
         from generate_series(1, 20000) g`,
    );
    await db.exec('vacuum analyze');
    const work = (layer: Layer, d: after.Database) => {
      const one = layer.prepared('select id, number, title, stage, version, data, updated_at from cards where id = $1');
      const page = layer.prepared(
        `select id, number, title, stage, data, updated_at from cards where type = $1 and stage = $2 and deleted_at is null order by updated_at desc limit 50`,
      );
      const lock = layer.prepared('select id, version from cards where id = $1 for update');
      const save = layer.prepared('update cards set version = version + 1, title = $2, updated_at = now() where id = $1');
      const outbox = layer.prepared(`insert into jobs (kind, queue, payload) values ('audit.card_changed', 'audit', $1)`);
      return {
        'list view: one row, then 50 rows': async (i: number) => {
          await d.rows(one, [1 + (i % 20000)]);
          await d.rows(page, ['purchase_request', 'approval']);
        },
        'save: transaction, lock, update, outbox row': (i: number) =>
          d.transaction(async (t) => {
            const id = 1 + ((i * 7919) % 20000);
            await d.rows(lock, [id], t);
            await d.exec(save, [id, `Card ${i}`], t);
            await d.exec(outbox, [JSON.stringify({ id })], t);
          }),
      };
    };
    const sides = { before: work(before, layers.before), after: work(after, layers.after) };
    const results = new Map<string, { ops: number; cpuUs: number }[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of Object.keys(sides.after) as (keyof typeof sides.after)[]) {
        for (const side of round % 2 ? (['after', 'before'] as const) : (['before', 'after'] as const)) {
          await measure(sides[side][name]); // warm-up
          const key = `${name} | ${side}`;
          results.set(key, [...(results.get(key) ?? []), await measure(sides[side][name])]);
        }
      }
    }
    console.log(`\n| work | layer | operations/s (${IN_FLIGHT} in flight), each round | Node CPU per operation |\n|---|---|---|---|`);
    for (const [key, rs] of results)
      console.log(`| ${key} | ${rs.map((r) => r.ops.toFixed(0)).join(' / ')} | ${rs.map((r) => r.cpuUs.toFixed(0)).join(' / ')} µs |`);
  } finally {
    await layers.before.close();
    await layers.after.close();
    await dropBenchDatabase(DB_NAME);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
