// The job engine end to end on both transports: the outbox commits with the
// caller's transaction, keys make enqueueing idempotent, failures retry with
// backoff then fail into the dead-letter queue, dependencies hold and fail
// with their cause, progress is recorded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEAD_LETTERS } from '#app/queue/transport';
import { jobsHarness } from '#test/support/jobs';
import { eventually, transportAvailable, TRANSPORTS } from '#test/support/queue';

for (const kind of TRANSPORTS) {
  describe(`job engine on ${kind}`, () => {
    it('runs a job enqueued in a committed transaction, never one rolled back', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const h = await jobsHarness(kind);
      await h.start();
      const jobs = h.ctx.services.jobs;
      await h.ctx.db.transaction(async (tx) => {
        await jobs.enqueue('test.effect', { n: 1 }, { transaction: tx });
      });
      await assert.rejects(
        h.ctx.db.transaction(async (tx) => {
          await jobs.enqueue('test.effect', { n: 2 }, { transaction: tx });
          throw new Error('the change failed');
        }),
        /the change failed/,
      );
      await eventually(
        async () => (await h.ctx.db.rows(`select 1 from jobs where kind = 'test.effect' and state = 'done'`)).length === 1,
        10_000,
        'job 1 done',
      );
      await new Promise((r) => setTimeout(r, 300)); // time for job 2, had it been published
      assert.deepEqual(await h.effects(), [{ n: 1, runs: 1 }]);
      const [row] = await h.ctx.db.rows<{ state: string; published_at: Date | null; attempts: number; result: unknown }>(
        `select state, published_at, attempts, result from jobs where kind = 'test.effect'`,
      );
      assert.equal(row.state, 'done');
      assert.ok(row.published_at, 'published_at set once the broker confirmed');
      assert.equal(row.attempts, 1);
      assert.deepEqual(row.result, { n: 1 });
    });

    it('makes enqueueing with a key idempotent', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const h = await jobsHarness(kind);
      const a = await h.ctx.services.jobs.enqueue('test.effect', { n: 5 }, { key: 'effect:5' });
      const b = await h.ctx.services.jobs.enqueue('test.effect', { n: 5 }, { key: 'effect:5' });
      assert.equal(a.created, true);
      assert.equal(b.created, false);
      assert.equal(b.id, a.id);
      await h.start();
      await eventually(async () => (await h.effects()).length === 1, 10_000, 'the keyed job done');
      const [{ n }] = await h.ctx.db.rows<{ n: number }>(`select count(*)::int as n from jobs where key = 'effect:5'`);
      assert.equal(n, 1);
    });

    it('retries a failing job with backoff until it succeeds', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const h = await jobsHarness(kind);
      await h.start();
      const { id } = await h.ctx.services.jobs.enqueue('test.flaky', { n: 7, succeedOn: 3 });
      await eventually(async () => (await h.ctx.jobStore.get(id))?.state === 'done', 10_000, 'flaky job done');
      const attempts = await h.ctx.db.rows<{ attempt: number }>('select attempt from test_attempts where n = 7 order by attempt');
      assert.deepEqual(
        attempts.map((a) => a.attempt),
        [1, 2, 3],
      );
      const job = (await h.ctx.jobStore.get(id))!;
      assert.equal(job.attempts, 3);
    });

    it('fails a job after max_attempts, dead-letters it, and other jobs keep flowing', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const h = await jobsHarness(kind);
      await h.start();
      const jobs = h.ctx.services.jobs;
      const poison = await jobs.enqueue('test.flaky', { n: 9, succeedOn: 0 });
      for (let n = 100; n < 150; n++) await jobs.enqueue('test.effect', { n });
      await eventually(async () => (await h.ctx.jobStore.get(poison.id))?.state === 'failed', 10_000, 'poison job failed');
      await eventually(async () => (await h.effects()).length === 50, 10_000, 'the other 50 jobs');
      const job = (await h.ctx.jobStore.get(poison.id))!;
      assert.equal(job.attempts, 3, 'max_attempts of test.flaky');
      assert.match(job.error ?? '', /flaky failure on attempt 3/);
      await eventually(async () => (await h.ctx.transport.depth(DEAD_LETTERS)) === 1, 5000, 'one dead letter');
    });

    it('does not retry a permanent failure', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const h = await jobsHarness(kind);
      await h.start();
      const { id } = await h.ctx.services.jobs.enqueue('test.permanent', { n: 1 });
      await eventually(async () => (await h.ctx.jobStore.get(id))?.state === 'failed', 10_000, 'failed');
      const job = (await h.ctx.jobStore.get(id))!;
      assert.equal(job.attempts, 1);
      assert.match(job.error ?? '', /cannot succeed/);
    });

    it('holds a dependant until its dependency is done, and fails it with the cause when it fails', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const h = await jobsHarness(kind);
      const jobs = h.ctx.services.jobs;
      const first = await jobs.enqueue('test.effect', { n: 1, sleepMs: 200 });
      const second = await jobs.enqueue('test.effect', { n: 2 }, { dependsOn: [first.id] });
      assert.equal(second.state, 'waiting');
      const bad = await jobs.enqueue('test.permanent', { n: 3 });
      const child = await jobs.enqueue('test.effect', { n: 4 }, { dependsOn: [bad.id] });
      const grandchild = await jobs.enqueue('test.effect', { n: 5 }, { dependsOn: [child.id] });
      await h.start();
      await eventually(async () => (await h.ctx.jobStore.get(second.id))?.state === 'done', 10_000, 'dependant done');
      const [a, b] = [(await h.ctx.jobStore.get(first.id))!, (await h.ctx.jobStore.get(second.id))!];
      assert.ok(b.started_at! >= a.finished_at!, 'the dependant started after its dependency finished');
      await eventually(async () => (await h.ctx.jobStore.get(grandchild.id))?.state === 'failed', 10_000, 'grandchild failed');
      assert.equal((await h.ctx.jobStore.get(child.id))!.error, `dependency #${bad.id} failed`);
      assert.equal((await h.ctx.jobStore.get(grandchild.id))!.error, `dependency #${child.id} failed`);
      assert.deepEqual(
        (await h.effects()).map((e) => e.n),
        [1, 2],
        'jobs 4 and 5 never ran',
      );
      const late = await jobs.enqueue('test.effect', { n: 6 }, { dependsOn: [bad.id] });
      assert.equal(late.state, 'failed', 'a job enqueued after its dependency failed fails at once');
    });

    it('runs no more handlers at once than its concurrency, even when one message names many', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const h = await jobsHarness(kind);
      // 30 ids in one batch: the publisher packs them into one message.
      const ids = await h.ctx.services.jobs.enqueueMany(
        'test.effect',
        Array.from({ length: 30 }, (_, n) => ({ n })),
      );
      await h.ctx.publisher.drain();
      let now = 0;
      let max = 0;
      await h.start({
        queues: ['default'],
        concurrency: 3,
        handlers: {
          'test.effect': async ({ n }) => {
            max = Math.max(max, ++now);
            await new Promise((r) => setTimeout(r, 40));
            await h.ctx.db.exec('insert into test_effects (n) values ($1)', [n]);
            now--;
          },
        },
      });
      await eventually(
        async () =>
          (
            await h.ctx.db.rows<{ n: number }>(`select count(*)::int as n from jobs where state = 'done' and id = any($1::bigint[])`, [ids])
          )[0].n === 30,
        20_000,
        'all 30 done',
      );
      assert.equal(max, 3, 'three at a time, never more');
      const [{ claimedEarly }] = await h.ctx.db.rows<{ claimedEarly: number }>(
        // Claimed only when a slot was free: no job started long before it ran.
        `select count(*)::int as "claimedEarly" from jobs where id = any($1::bigint[]) and finished_at - started_at > interval '1 second'`,
        [ids],
      );
      assert.equal(claimedEarly, 0);
    });

    it('publishes jobs the broker never confirmed through the relay', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const h = await jobsHarness(kind);
      // Rows committed without a publish (a process that died after commit).
      await h.ctx.db.exec(
        `insert into jobs (kind, queue, payload, updated_at, run_after) select 'test.effect', 'default', jsonb_build_object('n', g), now() - interval '1 minute', now() - interval '1 minute' from generate_series(1, 20) g`,
      );
      await h.start();
      await eventually(async () => (await h.effects()).length === 20, 10_000, 'all 20 relayed and done');
      assert.ok((await h.effects()).every((e) => e.runs === 1));
    });
  });
}

describe('job engine recovery by the sweep', () => {
  it('republishes a job that was published before it was due and acked unclaimed', async () => {
    const h = await jobsHarness('local');
    await h.start();
    // A retry whose message arrived early: published, not claimed (not due),
    // its message acked. Nothing but the sweep/relay can bring it back.
    const [{ id }] = await h.ctx.db.rows<{ id: number }>(
      `insert into jobs (kind, queue, payload, state, run_after, published_at, updated_at)
       values ('test.effect', 'default', '{"n": 77}', 'queued', now() - interval '10 seconds', now() - interval '20 seconds', now() - interval '10 seconds')
       returning id`,
    );
    await eventually(async () => (await h.ctx.jobStore.get(id))?.state === 'done', 10_000, 'the early-published job done');
    assert.deepEqual(await h.effects(), [{ n: 77, runs: 1 }]);
  });

  it('publishes again a job whose message the broker lost (queued long after its publish)', async () => {
    const h = await jobsHarness('local');
    await h.start();
    // Confirmed an hour ago, never delivered: the broker came back without it.
    const [{ id }] = await h.ctx.db.rows<{ id: number }>(
      `insert into jobs (kind, queue, payload, state, run_after, published_at, updated_at)
       values ('test.effect', 'default', '{"n": 79}', 'queued', now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour')
       returning id`,
    );
    await eventually(async () => (await h.ctx.jobStore.get(id))?.state === 'done', 10_000, 'the forgotten job done');
    assert.deepEqual(await h.effects(), [{ n: 79, runs: 1 }]);
  });

  it('wakes a waiting job whose dependencies all finished while nobody woke it', async () => {
    const h = await jobsHarness('local');
    const [{ dep }] = await h.ctx.db.rows<{ dep: number }>(
      `insert into jobs (kind, state, finished_at) values ('test.effect', 'done', now()) returning id as dep`,
    );
    // Inserted directly as `waiting`: the race where completion and enqueue crossed.
    const [{ id }] = await h.ctx.db.rows<{ id: number }>(
      `insert into jobs (kind, queue, payload, state, depends_on) values ('test.effect', 'default', '{"n": 78}', 'waiting', $1::bigint[]) returning id`,
      [[dep]],
    );
    await h.start();
    await eventually(async () => (await h.ctx.jobStore.get(id))?.state === 'done', 10_000, 'the stranded dependant done');
  });
});
