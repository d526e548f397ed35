// Trivial jobs end to end, side by side in one run:
//   Orbis      enqueue in a transaction → RabbitMQ → claim → done (batched)
//   graphile-worker with its local queue and batched completion (tuned)
//   graphile-worker with its defaults
//   BullMQ on the local Redis, addBulk, concurrency 50
// Each system gets the same N no-op jobs, enqueued in batches of 500, and
// the clock runs from the first enqueue to the last completion.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres AMQP_URL=amqp://guest:guest@127.0.0.1:5672 \
//     npx tsx test/bench/jobs-throughput.bench.ts [N=20000] [runs=3]     # BENCH_QUICK=1: 2,000 jobs, one run (smoke)
import os from 'node:os';
import pg from 'pg';
import { loadSettings } from '#app/config';
import { createContext } from '#app/context';
import { createLogger } from '#app/log';
import { defineJob, type PayloadsOf } from '#app/jobs/define';
import { JOBS } from '#app/jobs/index';
import type { JobQueue } from '#app/queue/jobs';
import { startWorkers } from '#app/worker/start';
import { AmqpTransport } from '#app/queue/transports/amqp';
import { createBenchDatabase, dropBenchDatabase } from '#test/bench/bench-db';

const benchNoop = defineJob({
  kind: 'bench.noop',
  queue: 'default',
  attempts: 3,
  uses: [],
  handler: () => async (_payload: { i: number }) => null,
});

const quick = process.env.BENCH_QUICK === '1'; // a smoke run: short, small, numbers not to quote
const N = Number(process.argv[2] ?? (quick ? 2_000 : 20_000));
const RUNS = Number(process.argv[3] ?? (quick ? 1 : 3));
const BATCH = 500;
const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const redis = { host: '127.0.0.1', port: 6379 };

async function until(check: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function orbis(queueType: 'quorum' | 'classic'): Promise<number> {
  const url = await createBenchDatabase('orbis_bench_jobs');
  const settings = loadSettings({
    env: { ...process.env, NODE_ENV: 'production', SECRET_KEY: 'x'.repeat(32), DATABASE_URL: url, LOG_LEVEL: 'warn' },
  });
  const prefix = `orbis-bench.${process.pid}.${Date.now()}`;
  const transport = new AmqpTransport({ url: amqpUrl, prefix, queueType });
  const ctx = await createContext(settings, { log: createLogger(settings), transport, jobs: [...JOBS, benchNoop] });
  const jobs = ctx.services.jobs as unknown as JobQueue<PayloadsOf<[typeof benchNoop]>>;
  const stats = { claims: 0, claimed: 0, completes: 0, completed: 0 };
  const store = ctx.jobStore;
  const claim = store.claim.bind(store);
  const complete = store.complete.bind(store);
  store.claim = async (ids, w) => (stats.claims++, (stats.claimed += ids.length), claim(ids, w));
  store.complete = async (done, w) => (stats.completes++, (stats.completed += done.length), complete(done, w));
  const runner = await startWorkers(ctx, { queues: ['default'], concurrency: 500 });
  const counter = new pg.Client({ connectionString: url });
  await counter.connect();
  const started = performance.now();
  for (let i = 0; i < N; i += BATCH) {
    const payloads = Array.from({ length: Math.min(BATCH, N - i) }, (_, k) => ({ i: i + k }));
    await ctx.db.transaction((t) => jobs.enqueueMany('bench.noop', payloads, { transaction: t }));
  }
  await until(async () => runner.workers.reduce((s, w) => s + w.processed, 0) >= N);
  const seconds = (performance.now() - started) / 1000;
  const [{ done }] = (await counter.query<{ done: number }>(`select count(*)::int as done from jobs where state = 'done'`)).rows;
  if (done !== N) throw new Error(`Orbis finished ${done} of ${N}`);
  console.log(
    `    claims: ${stats.claims} (avg ${(stats.claimed / stats.claims).toFixed(1)} ids), completions: ${stats.completes} (avg ${(stats.completed / stats.completes).toFixed(1)})`,
  );
  await counter.end();
  await runner.stop(5000);
  await transport.deleteQueues(['default']);
  await ctx.close();
  await transport.close();
  return N / seconds;
}

async function graphile(tuned: boolean): Promise<number> {
  const { run, makeWorkerUtils } = await import('graphile-worker');
  const url = await createBenchDatabase('orbis_bench_graphile', { migrated: false });
  const utils = await makeWorkerUtils({ connectionString: url });
  await utils.migrate();
  let completed = 0;
  const runner = await run({
    connectionString: url,
    concurrency: tuned ? 24 : 10,
    noHandleSignals: true,
    pollInterval: 1000,
    taskList: {
      noop: async () => {
        completed++;
      },
    },
    logger: new (await import('graphile-worker')).Logger(() => () => undefined),
    preset: tuned ? { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } } : undefined,
  });
  const started = performance.now();
  for (let i = 0; i < N; i += BATCH) {
    await utils.addJobs(Array.from({ length: Math.min(BATCH, N - i) }, (_, k) => ({ identifier: 'noop', payload: { i: i + k } })));
  }
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await until(
    async () => completed >= N && Number((await c.query('select count(*) as n from graphile_worker._private_jobs')).rows[0].n) === 0,
  );
  const seconds = (performance.now() - started) / 1000;
  await c.end();
  await runner.stop();
  await utils.release();
  return N / seconds;
}

async function bullmq(): Promise<number> {
  const { Queue, Worker } = await import('bullmq');
  const name = `bench-${process.pid}-${Date.now()}`;
  const queue = new Queue(name, { connection: redis });
  let completed = 0;
  const worker = new Worker(name, async () => null, { connection: redis, concurrency: 50 });
  worker.on('completed', () => completed++);
  await worker.waitUntilReady();
  const started = performance.now();
  for (let i = 0; i < N; i += BATCH) {
    await queue.addBulk(Array.from({ length: Math.min(BATCH, N - i) }, (_, k) => ({ name: 'noop', data: { i: i + k } })));
  }
  await until(async () => completed >= N);
  const seconds = (performance.now() - started) / 1000;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return N / seconds;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  console.log(
    `# ${N} trivial jobs, ${RUNS} run(s) each; ${os.cpus().length} cores; load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const only = process.env.BENCH_ONLY;
  const all: Array<[string, () => Promise<number>]> = [
    ['Orbis (RabbitMQ quorum queue)', () => orbis('quorum')],
    ['Orbis (RabbitMQ classic queue)', () => orbis('classic')],
    ['graphile-worker tuned (local queue, batched completion)', () => graphile(true)],
    ['graphile-worker defaults', () => graphile(false)],
    ['BullMQ (local Redis, concurrency 50)', () => bullmq()],
  ];
  const systems = only ? all.filter(([name]) => name.toLowerCase().includes(only.toLowerCase())) : all;
  const results: Record<string, number[]> = {};
  for (let r = 0; r < RUNS; r++) {
    for (const [name, fn] of systems) {
      const rate = await fn();
      (results[name] ??= []).push(rate);
      console.log(`  run ${r + 1}: ${name}: ${Math.round(rate)} jobs/s`);
    }
  }
  const med = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
  if (only) return;
  const orbisBest = Math.max(med['Orbis (RabbitMQ quorum queue)'], med['Orbis (RabbitMQ classic queue)']);
  console.log('\n| system | jobs/s (median) | Orbis (quorum) ÷ this |\n|---|---|---|');
  for (const [name, rate] of Object.entries(med))
    console.log(`| ${name} | ${Math.round(rate)} | ${(med['Orbis (RabbitMQ quorum queue)'] / rate).toFixed(2)} |`);
  console.log(
    `\nbest Orbis ÷ BullMQ: ${(orbisBest / med['BullMQ (local Redis, concurrency 50)']).toFixed(2)}; ÷ tuned graphile-worker: ${(orbisBest / med['graphile-worker tuned (local queue, batched completion)']).toFixed(2)}`,
  );
  await dropBenchDatabase('orbis_bench_jobs');
  await dropBenchDatabase('orbis_bench_graphile');
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
