// 2,000 jobs with an observable effect; the worker process is killed with
// SIGKILL several times mid-run and started again. Every job must end done,
// none lost, and no effect doubled (the account is credited exactly 2,000
// times although some jobs ran more than once).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCreditTables, jobsHarness } from '#test/support/jobs';
import { AMQP_URL, eventually, transportAvailable, uniquePrefix } from '#test/support/queue';
import { kill9, spawnWorker } from '#test/support/worker-spawn';

const JOBS = 2000;

describe('a worker killed with SIGKILL mid-run', () => {
  it('loses nothing and doubles nothing across several kills', async (t) => {
    if (!transportAvailable(t, 'amqp')) return;
    const prefix = uniquePrefix();
    const h = await jobsHarness('amqp', { prefix });
    await createCreditTables(h.ctx);
    await h.ctx.db.exec('insert into test_accounts (id) values (1)');
    const jobs = h.ctx.services.jobs;
    await h.ctx.db.transaction(async (tx) => {
      for (let i = 0; i < JOBS; i += 500) {
        await jobs.enqueueMany(
          'test.credit',
          Array.from({ length: 500 }, (_, k) => ({ account: 1, key: `credit:${i + k}`, sleepMs: 2 })),
          { transaction: tx },
        );
      }
    });
    await h.ctx.publisher.drain();
    const env = { DATABASE_URL: h.db.url, AMQP_URL: AMQP_URL!, ORBIS_QUEUE_PREFIX: prefix, WORKER_CONCURRENCY: '20' };
    const done = async () => (await h.ctx.db.rows<{ n: number }>(`select count(*)::int as n from jobs where state = 'done'`))[0].n;

    let kills = 0;
    let last = 0;
    for (const share of [0.15, 0.35, 0.6]) {
      const worker = await spawnWorker(env);
      await eventually(async () => (await done()) >= JOBS * share, 60_000, `${share * 100}% done`);
      await kill9(worker);
      kills++;
      const now = await done();
      assert.ok(now > last, 'the worker made progress before it was killed');
      last = now;
    }
    const [{ running }] = await h.ctx.db.rows<{ running: number }>(`select count(*)::int as running from jobs where state = 'running'`);
    // Not guaranteed in theory, but with 20 jobs in flight a kill leaves some behind.
    t.diagnostic(`jobs left running by the last kill: ${running}`);

    const worker = await spawnWorker(env);
    await eventually(async () => (await done()) === JOBS, 90_000, 'every job done after the restart');
    const [{ balance }] = await h.ctx.db.rows<{ balance: number }>('select balance from test_accounts where id = 1');
    const [{ runs, distinct }] = await h.ctx.db.rows<{ runs: number; distinct: number }>(
      'select count(*)::int as runs, count(distinct key)::int as distinct from test_runs',
    );
    const states = await h.ctx.db.rows<{ state: string; n: number }>('select state, count(*)::int as n from jobs group by state');
    assert.deepEqual(states, [{ state: 'done', n: JOBS }], 'all done, none failed or stuck');
    assert.equal(distinct, JOBS, 'every job ran');
    assert.equal(balance, JOBS, 'credited exactly once per job');
    t.diagnostic(`${kills} kills; ${runs - JOBS} job(s) ran again after a kill`);
    await kill9(worker);
  });
});
