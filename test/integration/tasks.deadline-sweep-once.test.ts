// The deadline sweep notices exactly once and catches up after downtime:
// two beats tick on one database with an injected clock, the workers run
// the beat's `tasks.deadlines` jobs on the real queue, and the handler is
// run ten more times at once by hand. Every assertion reads the database.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBeat } from '#app/beat/beat';
import { SCHEDULE } from '#app/jobs/index';
import type { AppContext } from '#app/context';
import { startWorkers } from '#app/worker/start';
import type { JobContext } from '#app/queue/kind';
import { job as tasksDeadlines } from '#app/jobs/tasks.deadlines';
import { jobDeps } from '#app/worker/start';
import { testContext } from '#test/support/app';
import { sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { FAST_JOBS } from '#test/support/jobs';
import { eventually, testTransport, transportAvailable, TRANSPORTS, type TransportKind } from '#test/support/queue';
import { insertTask, noticeCounts } from '#test/support/tasks';

const MINUTE = 60_000;
const DEADLINES = SCHEDULE.filter((e) => e.kind === 'tasks.deadlines');

class Clock {
  constructor(public t: number) {}
  now = (): Date => new Date(this.t);
}

async function twoProcesses(kind: TransportKind, clock: Clock): Promise<{ a: AppContext; b: AppContext }> {
  const overrides = { jobs: { ...FAST_JOBS, concurrency: 4 }, database: { poolMax: 6 } };
  const { ctx: a, db } = await testContext({}, overrides, undefined, { transport: await testTransport(kind) });
  const { ctx: b } = await testContext({}, overrides, db, { transport: await testTransport(kind) });
  for (const ctx of [a, b]) {
    ctx.services.tasks.clock = clock.now;
    const runner = await startWorkers(ctx, { queues: ['default'] });
    onCleanup(() => runner.stop(2000));
  }
  return { a, b };
}

function jobContext(ctx: AppContext, id: number): JobContext {
  return {
    id,
    kind: 'tasks.deadlines',
    attempt: 1,
    maxAttempts: 1,
    requestId: null,
    log: ctx.log,
    signal: new AbortController().signal,
    progress: async () => undefined,
  };
}

async function deadlineJobsDone(ctx: AppContext): Promise<boolean> {
  const [{ open }] = await ctx.db.rows<{ open: number }>(
    `select count(*)::int as open from jobs where kind = 'tasks.deadlines' and state not in ('done', 'failed')`,
  );
  return open === 0;
}

for (const kind of TRANSPORTS) {
  describe(`deadline sweep on ${kind}`, () => {
    it('notices a task due in the past exactly once although the sweep runs ten times and two beats run', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const clock = new Clock(Date.now());
      const { a, b } = await twoProcesses(kind, clock);
      const ann = await sessionUserFor(a, 'ann@example.com');
      const past = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          insertTask(a, { title: `late ${i}`, assigneeId: ann.id, dueAt: new Date(clock.t - (i + 1) * MINUTE) }),
        ),
      );
      const later = await insertTask(a, { title: 'next week', assigneeId: ann.id, dueAt: new Date(clock.t + 7 * 24 * 60 * MINUTE) });

      const beats = [a, b].map((ctx, i) => createBeat(ctx, { now: clock.now, schedule: DEADLINES, id: `beat-${i}` }));
      for (const beat of beats) onCleanup(() => beat.stop());
      const handlerA = tasksDeadlines.handler(jobDeps(a));
      const handlerB = tasksDeadlines.handler(jobDeps(b));
      for (let minute = 0; minute < 5; minute++) {
        await Promise.all(beats.map((beat) => beat.tick()));
        // Ten direct runs at once, split over both processes, racing the workers' runs.
        await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? handlerA : handlerB)({}, jobContext(i % 2 ? a : b, -1 - i))));
        clock.t += MINUTE;
      }
      await eventually(() => deadlineJobsDone(a), 15_000, 'the beat’s sweep jobs');
      const [{ fired }] = await a.db.rows<{ fired: number }>(`select count(*)::int as fired from jobs where kind = 'tasks.deadlines'`);
      assert.equal(fired, 5, 'one job per minute slot although two beats ticked');

      const counts = await noticeCounts(a, 'task.overdue');
      assert.deepEqual(
        counts,
        past.sort((x, y) => x - y).map((id) => ({ user_id: ann.id, task_id: id, n: 1 })),
      );
      assert.equal(
        (await noticeCounts(a, 'task.overdue')).some((c) => c.task_id === later),
        false,
      );
      const [{ marked }] = await a.db.rows<{ marked: number }>(
        'select count(*)::int as marked from tasks where overdue_notified_at is not null',
      );
      assert.equal(marked, 20);
    });

    it('after the beat was stopped for 10 minutes, notices every task that became overdue meanwhile, once', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const clock = new Clock(Math.floor(Date.now() / MINUTE) * MINUTE + 30_000);
      const { a } = await twoProcesses(kind, clock);
      const bob = await sessionUserFor(a, 'bob@example.com');
      const t0 = clock.t;
      // One task falls due in each of the ten minutes the beat is away, one after.
      const meanwhile = [];
      for (let i = 1; i <= 10; i++)
        meanwhile.push(await insertTask(a, { title: `minute ${i}`, assigneeId: bob.id, dueAt: new Date(t0 + i * MINUTE - 1000) }));
      const after = await insertTask(a, { title: 'after', assigneeId: bob.id, dueAt: new Date(t0 + 30 * MINUTE) });

      const beat = createBeat(a, { now: clock.now, schedule: DEADLINES });
      onCleanup(() => beat.stop());
      await beat.tick();
      await eventually(() => deadlineJobsDone(a), 15_000, 'the first sweep');
      assert.deepEqual(await noticeCounts(a, 'task.overdue'), [], 'nothing is overdue at the start');

      clock.t += 10 * MINUTE; // the beat was down
      const r = await beat.tick();
      assert.equal(r.fired.length, 1, 'catch-up "once": one sweep for the missed minutes');
      await eventually(() => deadlineJobsDone(a), 15_000, 'the catch-up sweep');
      for (let i = 0; i < 3; i++) {
        clock.t += MINUTE;
        await beat.tick();
      }
      await eventually(() => deadlineJobsDone(a), 15_000, 'the later sweeps');
      assert.deepEqual(
        await noticeCounts(a, 'task.overdue'),
        meanwhile.map((id) => ({ user_id: bob.id, task_id: id, n: 1 })),
      );
      assert.equal(
        (await noticeCounts(a, 'task.overdue')).some((c) => c.task_id === after),
        false,
        'a task not yet due is not noticed',
      );
    });
  });
}
