// The test job kinds, defined like the application's (app/jobs/), with
// observable effects (rows in test_effects, test_attempts, test_accounts).
// testContext() and the worker process add them to the application's list.
import { defineJob, type PayloadsOf } from '#app/jobs/define';
import { PermanentJobError } from '#app/queue/kind';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Inserts (n) into test_effects, once per n (idempotent). */
const testEffect = defineJob({
  kind: 'test.effect',
  queue: 'default',
  attempts: 5,
  uses: ['db'],
  handler:
    ({ db }) =>
    async ({ n, sleepMs }: { n: number; sleepMs?: number }) => {
      if (sleepMs) await sleep(sleepMs);
      await db.exec('insert into test_effects (n) values ($1) on conflict (n) do update set runs = test_effects.runs + 1', [n]);
      return { n };
    },
});

/** Fails until attempt `succeedOn` (never when 0). */
const testFlaky = defineJob({
  kind: 'test.flaky',
  queue: 'default',
  attempts: 3,
  uses: ['db'],
  handler:
    ({ db }) =>
    async ({ n, succeedOn }: { n: number; succeedOn: number }, job) => {
      await db.exec('insert into test_attempts (n, attempt) values ($1, $2)', [n, job.attempt]);
      if (!succeedOn || job.attempt < succeedOn) throw new Error(`flaky failure on attempt ${job.attempt}`);
      return { attempt: job.attempt };
    },
});

/** Fails without retry. */
const testPermanent = defineJob({
  kind: 'test.permanent',
  queue: 'default',
  attempts: 5,
  uses: [],
  handler:
    () =>
    async ({ n }: { n: number }) => {
      throw new PermanentJobError(`job ${n} cannot succeed`);
    },
});

/** Reports progress 1..steps, one step every stepMs (the live admin page). */
const testProgress = defineJob({
  kind: 'test.progress',
  queue: 'default',
  attempts: 1,
  uses: [],
  handler:
    () =>
    async ({ steps, stepMs }: { steps: number; stepMs: number }, job) => {
      for (let i = 1; i <= steps; i++) {
        await sleep(stepMs);
        await job.progress(i, steps);
      }
      return { steps };
    },
});

/**
 * Credits account `account` by one, guarded by the job's key in
 * test_applied: the idempotent-handler pattern (a re-run after a crash
 * finds its key and does nothing). sleepMs widens the window for kills.
 */
const testCredit = defineJob({
  kind: 'test.credit',
  queue: 'default',
  attempts: 10,
  uses: ['db'],
  handler:
    ({ db }) =>
    async ({ account, key, sleepMs }: { account: number; key: string; sleepMs?: number }) => {
      // Every execution is logged (outside the effect's transaction), so the
      // test can see re-runs happened and still find the effect applied once.
      await db.exec('insert into test_runs (key) values ($1)', [key]);
      if (sleepMs) await sleep(sleepMs);
      await db.transaction(async (t) => {
        const applied = await db.rows('insert into test_applied (key) values ($1) on conflict do nothing returning key', [key], t);
        if (applied.length) await db.exec('update test_accounts set balance = balance + 1 where id = $1', [account], t);
      });
      return null;
    },
});

export const TEST_JOBS = [testEffect, testFlaky, testPermanent, testProgress, testCredit] as const;

declare module '#app/jobs/index' {
  // Declaration merging: the empty body is the point.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface JobPayloads extends PayloadsOf<typeof TEST_JOBS> {}
}
