// The database layer: a model call against the hand-written statement for
// the same work, in one process on one pool (the application's own
// connection layer, app/db/connection.ts), alternately, so each pair shares
// the machine's moment.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx test/bench/db-layer.bench.ts
//
// Pairs: a card by id (the card page's and the save's load), the plain first
// page of a card list (50 rows), and an empty-bodied save transaction (one
// UPDATE) begun through sequelize.transaction against db.transaction.
// Reported: operations per second with 10 in flight, and the Node process's
// CPU per operation (user + system) — the web process's cost, which is what
// the list page and the saves are short of; PostgreSQL's is not counted.
// Env: BENCH_ROUNDS (3), BENCH_MS (3000 per side per round), BENCH_CARDS (20000).
import os from 'node:os';
import { Op, QueryTypes } from 'sequelize';
import { loadSettings } from '#app/config';
import { openDatabase, prepared } from '#app/db/connection';
import { defineModels } from '#app/models/registry';
import { benchDbUrl, createBenchDatabase, dropBenchDatabase } from '#test/bench/bench-db';

const DB_NAME = process.env.BENCH_DB ?? 'orbis_bench_db_layer';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MS = Number(process.env.BENCH_MS ?? 3000);
const CARDS = Number(process.env.BENCH_CARDS ?? 20_000);
const IN_FLIGHT = 10;

const CARD_COLUMNS = [
  'id',
  'type',
  'number',
  'title',
  'stage',
  'assignee_id',
  'owner_id',
  'due_at',
  'version',
  'data',
  'created_at',
  'updated_at',
];
const BY_ID = prepared(`select ${CARD_COLUMNS.join(', ')} from cards where id = $1 and deleted_at is null`);
const LIST = prepared(
  `select id, number, title, stage, assignee_id, due_at, data, updated_at from cards
    where type = $1 and stage = $2 and deleted_at is null order by updated_at desc, id desc limit 50`,
);

interface Result {
  ops: number;
  cpuUs: number;
}

/** Runs `op` with IN_FLIGHT in flight for MS; ops/s and Node CPU µs per op. */
async function measure(op: (i: number) => Promise<unknown>): Promise<Result> {
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
  const seconds = (performance.now() - started) / 1000;
  return { ops: n / seconds, cpuUs: (used.user + used.system) / n };
}

async function main() {
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
  const db = await openDatabase(settings);
  try {
    const { Card } = defineModels(db.sequelize);
    await db.exec(`insert into users (email, display_name, password_hash) values ('bench@example.com', 'Bench', 'x')`);
    await db.exec(
      `insert into cards (type, number, title, stage, owner_id, assignee_id, due_at, data, created_at, updated_at)
       select 'purchase_request', 'PR-' || lpad(g::text, 6, '0'), 'Card ' || g,
              (array['draft','approval','ordering','ordered'])[1 + g % 4], 1, case when g % 3 = 0 then 1 end,
              now() + g * interval '1 minute', jsonb_build_object('supplier', 'Supplier ' || g % 50, 'amount', g % 1000, 'urgent', g % 9 = 0),
              now() - g * interval '1 minute', now() - g * interval '1 minute'
         from generate_series(1, $1::int) g`,
      [CARDS],
    );
    await db.exec('vacuum analyze cards');
    const id = (i: number) => 1 + ((i * 7919) % CARDS);

    const pairs: [string, [string, (i: number) => Promise<unknown>], [string, (i: number) => Promise<unknown>]][] = [
      [
        'a card by id',
        ['model: Card.findOne (raw)', (i) => Card.findOne({ where: { id: id(i), deleted_at: null }, attributes: CARD_COLUMNS, raw: true })],
        ['hand-written, prepared', (i) => db.rows(BY_ID, [id(i)])],
      ],
      [
        'a list page (50 rows)',
        [
          'model: Card.findAll (raw)',
          () =>
            Card.findAll({
              where: { type: 'purchase_request', stage: 'approval', deleted_at: { [Op.is]: null } },
              attributes: ['id', 'number', 'title', 'stage', 'assignee_id', 'due_at', 'data', 'updated_at'],
              order: [
                ['updated_at', 'DESC'],
                ['id', 'DESC'],
              ],
              limit: 50,
              raw: true,
            }),
        ],
        ['hand-written, prepared', () => db.rows(LIST, ['purchase_request', 'approval'])],
      ],
      [
        'a save transaction (one UPDATE)',
        [
          'sequelize.transaction + sequelize.query',
          (i) =>
            db.sequelize.transaction((t) =>
              db.sequelize.query('update cards set version = version + 1 where id = $1', {
                bind: [id(i)],
                transaction: t,
                type: QueryTypes.UPDATE,
              }),
            ),
        ],
        [
          'db.transaction + db.exec',
          (i) => db.transaction((t) => db.exec('update cards set version = version + 1 where id = $1', [id(i)], t)),
        ],
      ],
    ];
    const results = new Map<string, Result[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [work, a, b] of pairs) {
        for (const [name, op] of round % 2 ? [b, a] : [a, b]) {
          await measure(op); // warm-up: JIT, prepared statements on every connection
          const key = `${work}: ${name}`;
          results.set(key, [...(results.get(key) ?? []), await measure(op)]);
        }
      }
    }
    const fmt = (rs: Result[]) => `${rs.map((r) => r.ops.toFixed(0)).join(' / ')} | ${rs.map((r) => r.cpuUs.toFixed(0)).join(' / ')} µs`;
    console.log(`\n| work | way | operations/s (${IN_FLIGHT} in flight), each round | Node CPU per operation |\n|---|---|---|---|`);
    for (const [work, a, b] of pairs) {
      console.log(`| ${work} | ${a[0]} | ${fmt(results.get(`${work}: ${a[0]}`)!)} |`);
      console.log(`| | ${b[0]} | ${fmt(results.get(`${work}: ${b[0]}`)!)} |`);
    }
  } finally {
    await db.close();
    await dropBenchDatabase(DB_NAME);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
