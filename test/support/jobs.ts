// A test context with a transport of the test's choosing, the test job kinds
// (test/support/test-jobs.ts), and workers started on it.
import type { AppContext } from '#app/context';
import { bindJobs } from '#app/jobs/define';
import type { Handlers } from '#app/jobs/index';
import { jobDeps, startWorkers, type Runner, type RunnerOptions } from '#app/worker/start';
import { createApp } from '#app/web/app';
import { listen } from '#app/web/server';
import { testContext } from '#test/support/app';
import { onCleanup } from '#test/support/cleanup';
import type { TestDatabase } from '#test/support/db';
import { testTransport, type TransportKind } from '#test/support/queue';
import { TEST_JOBS } from '#test/support/test-jobs';

export const FAST_JOBS = {
  backoffBaseMs: 20,
  backoffCapMs: 200,
  heartbeatSeconds: 1,
  staleSeconds: 3,
  relaySeconds: 1,
  relayGraceSeconds: 1,
};

/** The test kinds' handlers bound to `ctx` (to wrap one in a test). */
export function testHandlers(ctx: AppContext): Handlers {
  return Object.fromEntries([...bindJobs(TEST_JOBS, jobDeps(ctx))].map(([kind, k]) => [kind, k.handler])) as Handlers;
}

export interface JobsHarness {
  ctx: AppContext;
  db: TestDatabase;
  start(options?: RunnerOptions): Promise<Runner>;
  effects(): Promise<{ n: number; runs: number }[]>;
}

export async function jobsHarness(
  kind: TransportKind,
  options: { existing?: TestDatabase; prefix?: string; jobs?: Record<string, number> } = {},
): Promise<JobsHarness> {
  const transport = await testTransport(kind, { prefix: options.prefix });
  const { ctx, db } = await testContext({}, { jobs: { ...FAST_JOBS, ...options.jobs } }, options.existing, { transport });
  await ctx.db.exec('create table if not exists test_effects (n integer primary key, runs integer not null default 1)');
  await ctx.db.exec('create table if not exists test_attempts (n integer not null, attempt integer not null)');
  return {
    ctx,
    db,
    async start(opts = {}) {
      const runner = await startWorkers(ctx, opts);
      onCleanup(() => runner.stop(2000));
      return runner;
    },
    effects: () => ctx.db.rows('select n, runs from test_effects order by n'),
  };
}

export async function createCreditTables(ctx: AppContext): Promise<void> {
  await ctx.db.exec('create table if not exists test_accounts (id integer primary key, balance integer not null default 0)');
  await ctx.db.exec('create table if not exists test_applied (key text primary key)');
  await ctx.db.exec('create table if not exists test_runs (key text not null, at timestamptz not null default now())');
}

/**
 * The app of `ctx`, served, with one test route: GET /test/enqueue enqueues a
 * `test.effect` job (n = 1, 2, 3 … per request) in a transaction, as a page
 * that changes data would.
 */
export async function enqueueServer(ctx: AppContext): Promise<{ url: string }> {
  let n = 0;
  const app = createApp(ctx, {
    extend: (a) =>
      a.get('/test/enqueue', async (_req, res) => {
        const mine = ++n;
        await ctx.db.transaction((tx) => ctx.services.jobs.enqueue('test.effect', { n: mine }, { transaction: tx }));
        res.json({ n: mine });
      }),
  });
  const server = await listen(app, '127.0.0.1', 0);
  onCleanup(() => server.close(1000));
  return { url: server.url };
}
