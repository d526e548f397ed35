// Audit lag: how long after a card save commits its history row exists,
// with card saves at a steady rate through the card service and the `audit`
// worker in its own process on RabbitMQ (as `./manage.ts worker --queues audit`).
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres AMQP_URL=amqp://guest:guest@127.0.0.1:5672 \
//     npx tsx test/bench/audit-lag.bench.ts
//
// Order: create the database orbis_bench_audit and migrate it; start the
// worker child on a queue prefix of this run's own; create the cards (and
// wait for their history); then save at BENCH_RATE/s for BENCH_SECONDS,
// open loop (a slow save does not slow the schedule), each save an edit of a
// card no other save is touching (no conflicts). Lag of a save = the row's
// recorded_at (clock_timestamp() at insert) minus the moment the save's
// transaction had committed (when the service call returned). Also printed:
// from the change's `at` (its transaction's start) to the row — an upper
// bound that includes the save itself. Drops the database and the queues.
// Env: BENCH_RATE (200), BENCH_SECONDS (15), BENCH_CARDS (400), BENCH_CONCURRENCY (worker, default settings),
// BENCH_QUICK=1 (4 s, 200 cards: a smoke run).
import { fork, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import os from 'node:os';
import { loadSettings } from '#app/config';
import { createContext } from '#app/context';
import { createLogger } from '#app/log';
import { startWorkers } from '#app/worker/start';
import { AmqpTransport } from '#app/queue/transports/amqp';
import { QUEUES } from '#app/queue/kind';
import { benchDbUrl, createBenchDatabase, dropBenchDatabase } from '#test/bench/bench-db';
import { steadySaves } from '#test/bench/steady-saves';

const DB_NAME = 'orbis_bench_audit';
const quick = process.env.BENCH_QUICK === '1'; // a smoke run: short, small, numbers not to quote
const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? (quick ? 4 : 15));
const CARDS = Number(process.env.BENCH_CARDS ?? (quick ? 200 : 400));
const PASSWORD = 'correct horse battery';

function benchSettings(prefix: string) {
  if (!process.env.AMQP_URL) throw new Error('set AMQP_URL (e.g. amqp://guest:guest@127.0.0.1:5672): the audit job goes through RabbitMQ');
  return loadSettings({
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: benchDbUrl(DB_NAME),
      ORBIS_QUEUE_PREFIX: prefix,
      SECRET_KEY: 'bench-secret-key-0123456789',
      ORBIS_PUBLIC_URL: 'http://127.0.0.1',
      LOG_LEVEL: 'warn',
    },
  });
}

/** Child: the audit worker on the bench database, until told to stop. */
async function runWorker(prefix: string) {
  const ctx = await createContext(benchSettings(prefix));
  const concurrency = process.env.BENCH_CONCURRENCY ? Number(process.env.BENCH_CONCURRENCY) : undefined;
  const runner = await startWorkers(ctx, { queues: ['audit'], concurrency });
  process.send!({ ready: true });
  process.on('message', async (m: { stop?: boolean }) => {
    if (!m.stop) return;
    await runner.stop(5000);
    await ctx.close();
    process.exit(0);
  });
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  return `p50 ${pct(s, 50).toFixed(1)} ms   p99 ${pct(s, 99).toFixed(1)} ms   max ${s[s.length - 1].toFixed(1)} ms`;
}

async function main() {
  await createBenchDatabase(DB_NAME);

  const prefix = `orbis-bench-audit.${process.pid}.${crypto.randomBytes(3).toString('hex')}`;
  const settings = benchSettings(prefix);
  const ctx = await createContext(settings, { log: createLogger(settings) });
  let child: ChildProcess | null = null;
  try {
    child = fork(import.meta.filename, ['--worker', prefix], { stdio: 'inherit' });
    await new Promise<void>((resolve, reject) => {
      child!.once('message', () => resolve());
      child!.once('exit', (code) => reject(new Error(`the worker exited (${code}) before it was ready`)));
    });

    await ctx.services.users.ensureRole('operator');
    const u = await ctx.services.users.create({
      email: 'olga@example.com',
      password: PASSWORD,
      roles: ['operator'],
      displayName: 'Olga Operator',
    });
    const user = (await ctx.services.users.sessionUser(u.id))!;
    const form = (i: number, amount: number) => ({
      title: `Bench card ${i}`,
      supplier: 'Bytecraft Ltd',
      amount: amount.toFixed(2),
      category: 'it',
      quantity: '2',
    });
    const pool: Array<{ id: number; version: number; busy: boolean; i: number }> = [];
    for (let i = 0; i < CARDS; i++) {
      const c = await ctx.services.cards.create(user, 'purchase_request', form(i, 1000));
      pool.push({ id: c.id, version: c.version, busy: false, i });
    }
    await waitFor(ctx, CARDS, 60_000);

    // Open loop: saves are started on schedule, whatever the earlier ones are doing.
    const { committed, skipped, failed, elapsed, load0, load1 } = await steadySaves(pool, RATE, SECONDS, (c, n) =>
      ctx.services.cards.update(user, 'purchase_request', c.id, { ...form(c.i, 1000 + n), version: String(c.version) }),
    );
    await waitFor(ctx, CARDS + committed.length, 60_000);

    const rows = await ctx.db.rows<{ card_id: number; version: number; at: Date; recorded_at: Date }>(
      'select card_id, version, at, recorded_at from card_history where version > 1',
    );
    const byKey = new Map(rows.map((r) => [`${r.card_id}:${r.version}`, r]));
    const fromCommit: number[] = [];
    const fromAt: number[] = [];
    for (const c of committed) {
      const r = byKey.get(`${c.cardId}:${c.version}`);
      if (!r) throw new Error(`no history row for card ${c.cardId} v${c.version}`);
      fromCommit.push(r.recorded_at.getTime() - c.at);
      fromAt.push(r.recorded_at.getTime() - r.at.getTime());
    }
    const [{ n: jobs }] = await ctx.db.rows<{ n: number }>(
      `select count(*)::int as n from jobs where kind = 'audit.card_changed' and state = 'done'`,
    );

    console.log(
      `\nAudit lag — ${committed.length} saves in ${elapsed.toFixed(1)} s (${(committed.length / elapsed).toFixed(0)}/s; target ${RATE}/s), ${failed} failed, ${skipped} skipped (no idle card)`,
    );
    console.log(`  card save (service call)       ${summary(committed.map((c) => c.saveMs))}`);
    console.log(`  lag, commit → history row      ${summary(fromCommit)}`);
    console.log(`  lag, change \`at\` → history row ${summary(fromAt)}`);
    console.log(`  history rows ${rows.length} for ${committed.length} saves; audit jobs done ${jobs} (incl. ${CARDS} creates)`);
    console.log(
      `  load average before ${load0.map((x) => x.toFixed(2)).join(' ')}, after ${load1.map((x) => x.toFixed(2)).join(' ')}; ${os.cpus().length} cores`,
    );
    const p99 = pct(
      [...fromCommit].sort((a, b) => a - b),
      99,
    );
    console.log(p99 <= 1000 ? '  p99 ≤ 1 s: target met' : `  p99 ${p99.toFixed(0)} ms > 1 s: target MISSED`);
  } finally {
    if (child && child.exitCode === null) {
      child.send({ stop: true });
      await new Promise((r) => child!.once('exit', r));
    }
    await ctx.close();
    const t = new AmqpTransport({ url: process.env.AMQP_URL!, prefix, queueType: 'quorum' });
    await t.deleteQueues(QUEUES).catch(() => undefined);
    await t.close();
    await dropBenchDatabase(DB_NAME);
  }
}

/** Waits until `n` history rows exist. */
async function waitFor(ctx: Awaited<ReturnType<typeof createContext>>, n: number, ms: number) {
  const until = Date.now() + ms;
  for (;;) {
    const [{ count }] = await ctx.db.rows<{ count: number }>('select count(*)::int as count from card_history');
    if (count >= n) return;
    if (Date.now() > until) throw new Error(`only ${count} of ${n} history rows after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

if (process.argv[2] === '--worker') await runWorker(process.argv[3]);
else await main();
