// housekeeping.retention through a real worker: finished jobs older than
// retention.jobDays go in batches; recent ones, unfinished ones and ones a
// waiting job depends on stay; request logs follow retention.requestLogDays;
// card history is kept unless retention.historyDays is set; a missing table
// is skipped and reported.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import { purgeOldRows, retentionHandler, type RetentionResult } from '#app/jobs/housekeeping.retention';
import { testContext, testSettings } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { jobsHarness } from '#test/support/jobs';

/** What the retention job uses, taken from a test's context. */
const retentionDeps = (c: AppContext) => ({ db: c.db, settings: c.settings, throttle: c.services.throttle });
import { eventually } from '#test/support/queue';

async function runRetention(ctx: AppContext): Promise<RetentionResult> {
  const { id } = await ctx.services.jobs.enqueue('housekeeping.retention', {});
  const job = await eventually(
    async () => {
      const j = await ctx.jobStore.get(id);
      return j && ['done', 'failed'].includes(j.state) ? j : null;
    },
    20_000,
    'the retention job finished',
  );
  assert.equal(job.state, 'done', job.error ?? '');
  return job.result as RetentionResult;
}

/** Inserts `n` jobs of a state, finished (or created) `daysAgo`. */
async function seedJobs(ctx: AppContext, n: number, state: string, daysAgo: number, tag: string): Promise<void> {
  const finished = ['done', 'failed', 'cancelled'].includes(state);
  await ctx.db.exec(
    `insert into jobs (kind, payload, key, state, created_at, finished_at)
     select 'test.effect', '{}', $3 || ':' || g, $1, now() - make_interval(days => $2 + 1),
            case when $4 then now() - make_interval(days => $2) end
       from generate_series(1, $5) g`,
    [state, daysAgo, tag, finished, n],
  );
}

async function countByTag(ctx: AppContext): Promise<Record<string, number>> {
  const rows = await ctx.db.rows<{ tag: string; n: number }>(
    `select split_part(key, ':', 1) as tag, count(*)::int as n from jobs where key is not null group by 1 order by 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.tag, r.n]));
}

async function seedRequestLogs(ctx: AppContext, n: number, daysAgo: number): Promise<void> {
  await ctx.db.exec(
    `insert into request_logs (at, method, path, status, duration_ms)
     select now() - make_interval(days => $1), 'GET', '/x/' || g, 200, 1.5 from generate_series(1, $2) g`,
    [daysAgo, n],
  );
}

describe('housekeeping.retention', () => {
  it('purges old finished jobs in batches and keeps recent, unfinished and depended-on ones', async () => {
    const h = await jobsHarness('local', { jobs: {} });
    const { ctx } = h;
    await seedJobs(ctx, 23, 'done', 40, 'old-done');
    await seedJobs(ctx, 2, 'failed', 31, 'old-failed');
    await seedJobs(ctx, 1, 'cancelled', 365, 'old-cancelled');
    await seedJobs(ctx, 4, 'done', 29, 'recent-done');
    await seedJobs(ctx, 3, 'queued', 60, 'old-queued');
    await seedJobs(ctx, 2, 'running', 60, 'old-running');
    // A waiting job that depends on an old done job (and on one not finished).
    const [dep] = await ctx.db.rows<{ id: number }>(
      `insert into jobs (kind, key, state, finished_at) values ('test.effect', 'depended:1', 'done', now() - interval '90 days') returning id`,
    );
    const [open] = await ctx.db.rows<{ id: number }>(`select id from jobs where key = 'old-queued:1'`);
    await ctx.db.exec(`update jobs set run_after = now() + interval '1 day' where key like 'old-queued:%' or key like 'old-running:%'`);
    await ctx.db.exec(`insert into jobs (kind, key, state, depends_on) values ('test.effect', 'waiting:1', 'waiting', $1::bigint[])`, [
      [dep.id, open.id],
    ]);

    await h.start({ handlers: { 'housekeeping.retention': retentionHandler(retentionDeps(ctx), { batchSize: 10, pauseMs: 5 }) } });
    const result = await runRetention(ctx);
    assert.equal(result.jobs, 26);
    // jobs: 10 + 10 + 6; request logs, beat runs, auth events, webhook deliveries: one (empty) batch each.
    assert.equal(result.batches, 3 + 1 + 1 + 1 + 1);
    assert.deepEqual(result.skipped, { history: 'kept forever (retention.historyDays is not set)' });
    assert.deepEqual(await countByTag(ctx), { depended: 1, 'old-queued': 3, 'old-running': 2, 'recent-done': 4, waiting: 1 });
    const [progress] = await ctx.db.rows<{ progress_current: number }>(
      `select progress_current from jobs where kind = 'housekeeping.retention'`,
    );
    assert.equal(progress.progress_current, 26, 'progress counts the rows deleted');
  });

  it('follows the retention settings for request logs, card history and beat runs', async () => {
    const h = await jobsHarness('local', { jobs: {} });
    const { ctx } = h;
    // The defaults: request logs 90 days, history kept, the sign-in audit a year.
    assert.deepEqual(ctx.settings.retention, {
      requestLogDays: 90,
      jobDays: 30,
      historyDays: null,
      authEventDays: 365,
      webhookDeliveryDays: 30,
    });
    await seedRequestLogs(ctx, 12, 91);
    await seedRequestLogs(ctx, 5, 89);
    const owner = await sessionUserFor(ctx, 'owner@example.com', { superuser: true });
    const card = await makePurchase(ctx, owner);
    await ctx.db.exec(
      `insert into card_history (card_id, version, at, kind, changes) select $1, 100 + g, now() - interval '400 days', 'updated', '[]' from generate_series(1, 7) g`,
      [card.id],
    );
    await ctx.db.exec(
      `insert into beat_runs (name, slot) select 'x', now() - make_interval(days => 40 + g) from generate_series(1, 3) g
       union all select 'y', now() - interval '50 days'`,
    );
    await h.start({ handlers: { 'housekeeping.retention': retentionHandler(retentionDeps(ctx), { batchSize: 5, pauseMs: 1 }) } });
    const result = await runRetention(ctx);
    assert.equal(result.requestLogs, 12);
    assert.equal(result.history, 0);
    assert.equal(result.beatRuns, 2, "only each entry's latest run stays");
    const [logs] = await ctx.db.rows<{ n: number }>('select count(*)::int as n from request_logs');
    assert.equal(logs.n, 5);
    const [history] = await ctx.db.rows<{ n: number }>(`select count(*)::int as n from card_history where version > 100`);
    assert.equal(history.n, 7, 'card history is kept by default');
    assert.deepEqual(await ctx.db.rows(`select name from beat_runs order by name`), [{ name: 'x' }, { name: 'y' }]);

    // Another process with historyDays set and request logs kept 30 days.
    await eventually(
      async () => (await ctx.db.rows(`select 1 from card_history where card_id = $1 and version = 1`, [card.id])).length,
      10_000,
      'the audit worker wrote the recent history row',
    );
    const { ctx: strict } = await testContext({}, { retention: { requestLogDays: 30, historyDays: 365 } }, h.db);
    const again = await purgeOldRows(retentionDeps(strict), null, { batchSize: 5, pauseMs: 1 });
    assert.equal(again.requestLogs, 5);
    assert.equal(again.history, 7);
    assert.deepEqual(again.skipped, {});
    assert.deepEqual(
      await strict.db.rows(`select version from card_history where card_id = $1`, [card.id]),
      [{ version: 1 }],
      'recent history stays',
    );
  });

  it('purges finished webhook deliveries older than retention.webhookDeliveryDays (30), keeping recent and unfinished ones', async () => {
    const { ctx, db } = await testContext();
    const admin = await sessionUserFor(ctx, 'root@example.com', { superuser: true });
    const hook = await ctx.services.webhooks.create({ url: 'https://example.com/hook', card_type: '', events: ['card.created'] }, admin);
    // $2: state, $3: days since it finished (null: not finished), $4: how many.
    const seed = (state: string, days: number | null, n: number, tag: string) =>
      ctx.db.exec(
        `insert into webhook_deliveries (webhook_id, event, body, state, created_at, finished_at)
         select $1, 'card.created', $5, $2, now() - make_interval(days => coalesce($3, 40) + 1),
                case when $3::int is not null then now() - make_interval(days => $3) end
           from generate_series(1, $4)`,
        [hook.id, state, days, n, tag],
      );
    await seed('delivered', 31, 7, 'old-delivered');
    await seed('failed', 45, 3, 'old-failed');
    await seed('delivered', 29, 2, 'recent-delivered');
    await seed('retrying', null, 2, 'old-retrying');
    await seed('pending', null, 1, 'old-pending');
    const result = await purgeOldRows(retentionDeps(ctx), null, { batchSize: 4, pauseMs: 1 });
    assert.equal(result.webhookDeliveries, 10);
    const left = await ctx.db.rows<{ body: string; n: number }>(
      'select body, count(*)::int as n from webhook_deliveries group by body order by body',
    );
    assert.deepEqual(left, [
      { body: 'old-pending', n: 1 },
      { body: 'old-retrying', n: 2 },
      { body: 'recent-delivered', n: 2 },
    ]);
    // Another process keeping them a week: the two recent ones go too.
    const { ctx: week } = await testContext({}, { retention: { webhookDeliveryDays: 7 } }, db);
    assert.equal((await purgeOldRows(retentionDeps(week), null, { batchSize: 4, pauseMs: 1 })).webhookDeliveries, 2);
  });

  it("purges the sign-in throttle's counters whose window ended, keeping the current ones", async () => {
    const { ctx } = await testContext();
    const minutes = ctx.settings.auth.throttle.windowMinutes;
    await ctx.db.exec(
      `insert into login_counters (scope, key, count, window_start)
       select 'ip', 'old-' || g, 3, now() - make_interval(mins => $1 + 1) from generate_series(1, 4) g
       union all select 'ip', 'current', 2, now() - make_interval(mins => $1 - 1)`,
      [minutes],
    );
    const result = await purgeOldRows(retentionDeps(ctx), null);
    assert.equal(result.loginCounters, 4);
    assert.deepEqual(await ctx.db.rows(`select key from login_counters where scope = 'ip' order by key`), [{ key: 'current' }]);
  });

  it('skips a table that does not exist and says so', async () => {
    const { ctx } = await testContext();
    await ctx.db.exec('drop table request_logs');
    const result = await purgeOldRows(retentionDeps(ctx), null);
    assert.deepEqual(result.skipped, { requestLogs: 'no table request_logs', history: 'kept forever (retention.historyDays is not set)' });
    assert.equal(result.requestLogs, 0);
  });

  it('refuses invalid retention settings naming the setting', () => {
    assert.throws(
      () => testSettings({}, { retention: { jobDays: 0 } }),
      /invalid setting retention\.jobDays: 0 is not a whole number from 1 to 36500/,
    );
    assert.throws(() => testSettings({}, { retention: { historyDays: 'forever' } }), /invalid setting retention\.historyDays/);
    assert.equal(testSettings({}, { retention: { historyDays: 400 } }).retention.historyDays, 400);
  });
});
