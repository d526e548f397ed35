// A test context with a transport of the test's choosing, test job kinds
// with observable effects (rows in `test_effects`), and workers started on it.
import type { AppContext } from '#app/context';
import { defineKind } from '#app/queue/registry';
import { startWorkers, type Runner, type RunnerOptions } from '#app/queue/runner';
import { createApp } from '#app/web/app';
import { listen } from '#app/web/server';
import { PermanentJobError, type Handlers } from '#app/queue/worker';
import { testContext } from '#test/support/app';
import { onCleanup } from '#test/support/cleanup';
import type { TestDatabase } from '#test/support/db';
import { testTransport, type TransportKind } from '#test/support/queue';

declare module '#app/queue/registry' {
  interface JobPayloads {
    /** Inserts (n) into test_effects, once per n (idempotent). */
    'test.effect': { n: number; sleepMs?: number };
    /** Fails until attempt `succeedOn` (never when 0). */
    'test.flaky': { n: number; succeedOn: number };
    /** Fails without retry. */
    'test.permanent': { n: number };
    /** Reports progress 1..steps, one step every stepMs (the live admin page). */
    'test.progress': { steps: number; stepMs: number };
  }
}

defineKind('test.effect', { queue: 'default', maxAttempts: 5 });
defineKind('test.flaky', { queue: 'default', maxAttempts: 3 });
defineKind('test.permanent', { queue: 'default', maxAttempts: 5 });
defineKind('test.progress', { queue: 'default', maxAttempts: 1 });

export const FAST_JOBS = { backoffBaseMs: 20, backoffCapMs: 200, heartbeatSeconds: 1, staleSeconds: 3, relaySeconds: 1, relayGraceSeconds: 1 };

export function testHandlers(ctx: AppContext): Handlers {
  return {
    'test.effect': async ({ n, sleepMs }) => {
      if (sleepMs) await new Promise((r) => setTimeout(r, sleepMs));
      await ctx.db.exec('insert into test_effects (n) values ($1) on conflict (n) do update set runs = test_effects.runs + 1', [n]);
      return { n };
    },
    'test.flaky': async ({ n, succeedOn }, job) => {
      await ctx.db.exec('insert into test_attempts (n, attempt) values ($1, $2)', [n, job.attempt]);
      if (!succeedOn || job.attempt < succeedOn) throw new Error(`flaky failure on attempt ${job.attempt}`);
      return { attempt: job.attempt };
    },
    'test.permanent': async ({ n }) => {
      throw new PermanentJobError(`job ${n} cannot succeed`);
    },
    'test.progress': async ({ steps, stepMs }, job) => {
      for (let i = 1; i <= steps; i++) {
        await new Promise((r) => setTimeout(r, stepMs));
        await job.progress(i, steps);
      }
      return { steps };
    },
  };
}

export interface JobsHarness {
  ctx: AppContext;
  db: TestDatabase;
  start(options?: RunnerOptions): Promise<Runner>;
  effects(): Promise<{ n: number; runs: number }[]>;
}

export async function jobsHarness(kind: TransportKind, options: { existing?: TestDatabase; prefix?: string; jobs?: Record<string, number> } = {}): Promise<JobsHarness> {
  const transport = await testTransport(kind, { prefix: options.prefix });
  const { ctx, db } = await testContext({}, { jobs: { ...FAST_JOBS, ...options.jobs } }, options.existing, { transport });
  await ctx.db.exec('create table if not exists test_effects (n integer primary key, runs integer not null default 1)');
  await ctx.db.exec('create table if not exists test_attempts (n integer not null, attempt integer not null)');
  return {
    ctx,
    db,
    async start(opts = {}) {
      const runner = await startWorkers(ctx, { ...opts, handlers: { ...testHandlers(ctx), ...opts.handlers } });
      onCleanup(() => runner.stop(2000));
      return runner;
    },
    effects: () => ctx.db.rows('select n, runs from test_effects order by n'),
  };
}

declare module '#app/queue/registry' {
  interface JobPayloads {
    /**
     * Credits account `account` by one, guarded by the job's key in
     * test_applied: the idempotent-handler pattern (a re-run after a crash
     * finds its key and does nothing). sleepMs widens the window for kills.
     */
    'test.credit': { account: number; key: string; sleepMs?: number };
  }
}

defineKind('test.credit', { queue: 'default', maxAttempts: 10 });

export async function createCreditTables(ctx: AppContext): Promise<void> {
  await ctx.db.exec('create table if not exists test_accounts (id integer primary key, balance integer not null default 0)');
  await ctx.db.exec('create table if not exists test_applied (key text primary key)');
  await ctx.db.exec('create table if not exists test_runs (key text not null, at timestamptz not null default now())');
}

export function creditHandler(ctx: AppContext): Handlers['test.credit'] {
  return async ({ account, key, sleepMs }) => {
    // Every execution is logged (outside the effect's transaction), so the
    // test can see re-runs happened and still find the effect applied once.
    await ctx.db.exec('insert into test_runs (key) values ($1)', [key]);
    if (sleepMs) await new Promise((r) => setTimeout(r, sleepMs));
    await ctx.db.transaction(async (t) => {
      const applied = await ctx.db.rows('insert into test_applied (key) values ($1) on conflict do nothing returning key', [key], t);
      if (applied.length) await ctx.db.exec('update test_accounts set balance = balance + 1 where id = $1', [account], t);
    });
    return null;
  };
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
