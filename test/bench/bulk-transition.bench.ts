// Bulk transition of 10,000 cards through the cards.bulk job, end to end:
// the request's work (check the filter, freeze the 10,000 ids, enqueue) →
// the job claimed by a worker → every card approved through CardService
// (lock, checks, update, history job, SLA task, notices, webhooks hooks) →
// the run marked finished. Target ≤ 60 s, with progress (printed as the job
// reports it). The follow-on jobs the changes enqueue (history, notices) are
// counted, not waited for.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx test/bench/bulk-transition.bench.ts
//   (BENCH_ONLY_BULK=1: the run alone, without a worker running the follow-on jobs)
//
// Own database orbis_bench_bulk (dropped at the end); the cards are loaded
// with generate_series in the stage "approval", so "approve" (→ ordering, an
// SLA stage: each card also gets its task) applies to every one.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadSettings } from '#app/config';
import { createContext } from '#app/context';
import { createLogger } from '#app/log';
import { LocalTransport } from '#app/queue/transports/local';
import { startWorkers } from '#app/worker/start';
import { benchDbUrl, createBenchDatabase, dropBenchDatabase } from '#test/bench/bench-db';

const DB_NAME = 'orbis_bench_bulk';
const quick = process.env.BENCH_QUICK === '1';
const CARDS = Number(process.env.BENCH_CARDS ?? (quick ? 1000 : 10_000));

async function main() {
  await createBenchDatabase(DB_NAME);
  const settings = loadSettings({ env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: benchDbUrl(DB_NAME), LOG_LEVEL: 'warn' } });
  const ctx = await createContext(settings, { log: createLogger(settings), transport: new LocalTransport() });
  const db = ctx.db;
  try {
    console.log(`uptime: ${execSync('uptime').toString().trim()}; pool ${settings.database.poolMax}`);
    await db.exec(
      `insert into users (email, display_name, password_hash, is_superuser) values ('maria@bench.example', 'Maria', 'x', false)`,
    );
    await db.exec(`insert into roles (name, label) values ('manager', 'Manager'), ('approver', 'Approver') on conflict do nothing`);
    await db.exec(
      `insert into user_roles (user_id, role_id) select u.id, r.id from users u, roles r where r.name in ('manager', 'approver')`,
    );
    const [{ id: userId }] = await db.rows<{ id: number }>('select id from users');
    await db.exec(
      `insert into cards (type, number, title, stage, owner_id, data, search)
       select 'purchase_request', 'PR-' || lpad(i::text, 6, '0'), 'Bench ' || i, 'approval', $1::bigint,
              jsonb_build_object('supplier', 'Bytecraft', 'amount', '100', 'category', 'it', 'approver', $1::bigint), to_tsvector('simple', 'bench ' || i)
         from generate_series(1, $2::int) i`,
      [userId, CARDS],
    );
    await db.exec('vacuum analyze cards');
    const user = (await ctx.services.users.sessionUser(userId))!;
    // BENCH_ONLY_BULK=1: no worker; the run is done here, directly, so the follow-on jobs (notices) wait and
    // the figure is the bulk run's own cost (the job's claim and progress aside).
    const onlyBulk = process.env.BENCH_ONLY_BULK === '1';
    const runner = onlyBulk ? null : await startWorkers(ctx, { queues: ['default'] });

    // CPU seconds of this process and of the database's backends: what the run costs, whatever the load.
    const backendCpu = async () => {
      const pids = await db.rows<{ pid: number }>('select pid from pg_stat_activity where datname = current_database()');
      let ticks = 0;
      for (const { pid } of pids) {
        try {
          const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
          ticks += Number(f[11]) + Number(f[12]);
        } catch {
          // a backend that ended meanwhile
        }
      }
      return { ticks, pids: pids.map((p) => p.pid) };
    };
    const cpu0 = process.cpuUsage();
    const pg0 = await backendCpu();
    const t0 = performance.now();
    const started = await ctx.services.bulkWork.start(user, 'purchase_request', {
      action: 'transition',
      transition: 'approve',
      ids: [],
      all: true,
      query: '?stage=approval',
    });
    const requestMs = performance.now() - t0;
    console.log(`request: ${started.cards} cards frozen, job enqueued in ${requestMs.toFixed(0)} ms (inline: ${started.inline})`);
    if (onlyBulk)
      await ctx.services.bulkWork.run(started.runId, async (done, total) => {
        if (done % 1000 < 5) console.log(`  ${((performance.now() - t0) / 1000).toFixed(1)} s: ${done} of ${total}`);
      });
    let lastShown = -1;
    while (!onlyBulk) {
      const [run] = await db.rows<{ finished: boolean; current: number | null; total: number | null; state: string }>(
        `select r.finished_at is not null as finished, j.progress_current as current, j.progress_total as total, j.state
           from bulk_runs r join jobs j on j.id = r.job_id where r.id = $1`,
        [started.runId],
      );
      if (run.current !== null && run.current !== lastShown) {
        console.log(`  ${((performance.now() - t0) / 1000).toFixed(1)} s: ${run.current} of ${run.total} (${run.state})`);
        lastShown = run.current;
      }
      if (run.finished || run.state === 'failed') break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    const totalS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const pg1 = await backendCpu();
    const sameBackends = pg1.pids.filter((p) => pg0.pids.includes(p)).length;
    const tick = Number(execSync('getconf CLK_TCK').toString().trim());
    const [counts] = await db.rows<{ done: number; refused: number; ordering: number; followOn: number; tasks: number }>(
      `select (select count(*)::int from bulk_run_cards where outcome = 'done') as done,
              (select count(*)::int from bulk_run_cards where outcome = 'refused') as refused,
              (select count(*)::int from cards where stage = 'ordering') as ordering,
              (select count(*)::int from jobs where kind <> 'cards.bulk') as "followOn",
              (select count(*)::int from tasks) as tasks`,
    );
    console.log(
      `bulk transition of ${CARDS} cards: ${totalS.toFixed(1)} s end to end (${(CARDS / totalS).toFixed(0)} cards/s); ` +
        `done ${counts.done}, refused ${counts.refused}, in ordering ${counts.ordering}, SLA tasks ${counts.tasks}, follow-on jobs enqueued ${counts.followOn}`,
    );
    console.log(
      `CPU: this process ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s, PostgreSQL backends ${((pg1.ticks - pg0.ticks) / tick).toFixed(1)} s ` +
        `(${sameBackends} of ${pg1.pids.length} backends present at both reads; a backend opened during the run counts from its start)`,
    );
    const [first] = await db.rows<{ reason: unknown }>(`select reason from bulk_run_cards where outcome = 'refused' limit 1`);
    if (first) console.log(`first refusal: ${JSON.stringify(first.reason)}`);
    console.log(`load after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
    await runner?.stop(5000);
  } finally {
    await ctx.close();
    await dropBenchDatabase(DB_NAME);
  }
}

await main();
