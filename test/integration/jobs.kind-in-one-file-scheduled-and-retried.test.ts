// A job kind added in one definition object — payload type, queue,
// attempts, backoff, timeout, schedule and handler — through the same list
// the built-in kinds come from (the context's `jobs`, default
// app/jobs/index.ts): the beat enqueues it at its slot, a worker on RabbitMQ
// runs it with its own attempts and backoff (it fails once and succeeds on
// the retry), and an attempt past its timeout fails and is retried.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBeat } from '#app/beat/beat';
import { defineJob, type PayloadsOf } from '#app/jobs/define';
import { JOBS } from '#app/jobs/index';
import type { JobQueue, JobRow } from '#app/queue/jobs';
import { startWorkers } from '#app/worker/start';
import { testContext } from '#test/support/app';
import { onCleanup } from '#test/support/cleanup';
import { FAST_JOBS } from '#test/support/jobs';
import { eventually, testTransport, transportAvailable } from '#test/support/queue';

/** A nightly report of one kind: its first attempt fails, the retry succeeds. */
const nightlyReport = defineJob({
  kind: 'test.nightly_report',
  queue: 'default',
  attempts: 2,
  backoff: { baseMs: 400, capMs: 400 },
  schedule: { cron: '30 2 * * *', catchUp: 'once', payload: { report: 'sales' } },
  uses: ['db'],
  handler:
    ({ db }) =>
    async ({ report }: { report: string }, job) => {
      await db.exec('insert into test_report_runs (attempt, report) values ($1, $2)', [job.attempt, report]);
      if (job.attempt === 1) throw new Error('the first attempt of the report fails');
      return { report, attempt: job.attempt };
    },
});

/** Its first attempt hangs past the 1 s timeout (and sees the abort); the retry is quick. */
const slowOnce = defineJob({
  kind: 'test.slow_once',
  queue: 'default',
  attempts: 3,
  backoff: { baseMs: 100, capMs: 100 },
  timeoutSeconds: 1,
  uses: ['db'],
  handler:
    ({ db }) =>
    async ({ n }: { n: number }, job) => {
      if (job.attempt === 1) {
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, 8000);
          job.signal.addEventListener('abort', () => (clearTimeout(timer), resolve(null)));
        });
      }
      await db.exec('insert into test_slow_runs (attempt, aborted) values ($1, $2)', [job.attempt, job.signal.aborted]);
      return { n };
    },
});

describe('a job kind defined in one object', () => {
  it('is enqueued by the beat at its slot and retried with its own attempts and backoff on RabbitMQ', async (t) => {
    if (!transportAvailable(t, 'amqp')) return;
    const transport = await testTransport('amqp');
    // The installation's backoff is ten minutes: a retry within seconds is the kind's own.
    const { ctx } = await testContext({}, { jobs: { ...FAST_JOBS, backoffBaseMs: 600_000, backoffCapMs: 600_000 } }, undefined, {
      transport,
      jobs: [...JOBS, nightlyReport, slowOnce],
    });
    await ctx.db.exec(
      'create table test_report_runs (attempt integer not null, report text not null, at timestamptz not null default clock_timestamp())',
    );
    await ctx.db.exec('create table test_slow_runs (attempt integer not null, aborted boolean not null)');

    let now = new Date('2026-03-01T02:30:10Z');
    const beat = createBeat(ctx, { now: () => now, id: 'test-beat' });
    onCleanup(() => beat.stop());
    const first = await beat.tick();
    assert.equal(first.leader, true);
    const fired = first.fired.filter((f) => f.name === 'test.nightly_report');
    assert.deepEqual(
      fired.map((f) => f.slot.toISOString()),
      ['2026-03-01T02:30:00.000Z'],
      'the beat fires the slot of the kind’s cron',
    );
    now = new Date('2026-03-01T02:45:00Z');
    assert.deepEqual(
      (await beat.tick()).fired.filter((f) => f.name === 'test.nightly_report'),
      [],
      'and not again before the next slot',
    );

    const [job] = await ctx.db.rows<JobRow>('select * from jobs where id = $1', [fired[0].jobId]);
    assert.equal(job.kind, 'test.nightly_report');
    assert.equal(job.key, 'beat:test.nightly_report:2026-03-01T02:30:00.000Z');
    assert.equal(job.queue, 'default');
    assert.equal(job.max_attempts, 2, 'the kind’s attempts');
    assert.deepEqual(job.payload, { report: 'sales' }, 'the schedule’s payload');

    const runner = await startWorkers(ctx, { queues: ['default'] });
    onCleanup(() => runner.stop(2000));
    const done = await eventually(
      async () => {
        const [row] = await ctx.db.rows<JobRow>('select * from jobs where id = $1', [job.id]);
        return row.state === 'done' ? row : null;
      },
      20_000,
      'the report done on its retry',
    );
    assert.equal(done.attempts, 2);
    assert.deepEqual(done.result, { report: 'sales', attempt: 2 });
    const runs = await ctx.db.rows<{ attempt: number; at: Date }>('select attempt, at from test_report_runs order by at');
    assert.deepEqual(
      runs.map((r) => r.attempt),
      [1, 2],
    );
    const gap = runs[1].at.getTime() - runs[0].at.getTime();
    assert.ok(gap >= 200 && gap < 20_000, `the retry waited the kind's backoff (half to all of 400 ms), not the installation's: ${gap} ms`);
  });

  it('fails an attempt that runs past its timeout and retries it', async (t) => {
    if (!transportAvailable(t, 'amqp')) return;
    const transport = await testTransport('amqp');
    const { ctx } = await testContext({}, { jobs: FAST_JOBS }, undefined, { transport, jobs: [...JOBS, slowOnce] });
    await ctx.db.exec('create table test_slow_runs (attempt integer not null, aborted boolean not null)');
    const runner = await startWorkers(ctx, { queues: ['default'] });
    onCleanup(() => runner.stop(2000));
    const started = Date.now();
    // The context's queue accepts the kinds of its list; its type here comes from the test's own list.
    const jobs = ctx.services.jobs as unknown as JobQueue<PayloadsOf<[typeof slowOnce]>>;
    const { id } = await jobs.enqueue('test.slow_once', { n: 7 });
    const done = await eventually(
      async () => {
        const [row] = await ctx.db.rows<JobRow>('select * from jobs where id = $1', [id]);
        return row.state === 'done' ? row : null;
      },
      20_000,
      'the slow job done on its retry',
    );
    assert.equal(done.attempts, 2, 'the first attempt timed out');
    assert.ok(Date.now() - started < 7000, 'the timeout did not wait for the hanging attempt');
    const runs = await ctx.db.rows<{ attempt: number; aborted: boolean }>('select attempt, aborted from test_slow_runs order by attempt');
    assert.deepEqual(
      runs,
      [
        { attempt: 1, aborted: true },
        { attempt: 2, aborted: false },
      ],
      'the hanging attempt saw its signal aborted',
    );
  });
});
