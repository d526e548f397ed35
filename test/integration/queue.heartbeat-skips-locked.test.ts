// The heartbeat marks a worker's running jobs alive without waiting for a row
// another transaction holds: the worker's own completion batch locks the
// same rows in another order, and waiting could deadlock the two (seen in the
// audit-lag benchmark: the batch lost and waited its retry second).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import pg from 'pg';
import { jobsHarness } from '#test/support/jobs';
import { onCleanup } from '#test/support/cleanup';

it('skips a running job whose row another transaction holds, and marks the others alive', async () => {
  const h = await jobsHarness('local');
  const insert = `insert into jobs (kind, queue, payload, state, locked_by, heartbeat_at, attempts)
                  values ('test.effect', 'default', '{}', 'running', 'w1', now() - interval '1 hour', 1) returning id`;
  const [{ id: held }] = await h.ctx.db.rows<{ id: number }>(insert);
  const [{ id: free }] = await h.ctx.db.rows<{ id: number }>(insert);
  const holder = new pg.Client({ connectionString: h.db.url });
  await holder.connect();
  onCleanup(() => holder.end());
  await holder.query('begin');
  await holder.query('select id from jobs where id = $1 for update', [held]);
  const beat = h.ctx.jobStore.heartbeat('w1');
  const waited = await Promise.race([beat.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 3000))]);
  await holder.query('rollback');
  await beat;
  assert.equal(waited, false, 'the heartbeat waited for the held row');
  const rows = await h.ctx.db.rows<{ id: number; fresh: boolean }>(
    `select id, heartbeat_at > now() - interval '1 minute' as fresh from jobs where id = any($1::bigint[]) order by id`,
    [[held, free]],
  );
  assert.deepEqual(
    rows.map((r) => [Number(r.id), r.fresh]),
    [
      [Number(held), false],
      [Number(free), true],
    ],
  );
});
