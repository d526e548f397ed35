// One pool and one transaction type: model calls and hand-written statements
// share a transaction and its connection, the process never holds more
// connections than database.poolMax, and a statement that would take a second
// connection from inside a transaction's callback (the deadlock of a pool
// exhausted by transactions each waiting for one more) is refused at once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueryTypes } from 'sequelize';
import { OutsideTransactionError, TransactionEndedError, TransactionRolledBackError } from '#app/db/connection';
import { testContext } from '#test/support/app';

const POOL = 2;

describe('the database layer', () => {
  it('runs model calls and statements of one transaction on its one connection, and rolls both back', async () => {
    const { ctx } = await testContext({}, { database: { poolMax: POOL } });
    const { User } = ctx.models;
    await assert.rejects(
      ctx.db.transaction(async (t) => {
        const user = await User.create({ email: 'tx@example.com', display_name: 'Tx', password_hash: 'x' }, { transaction: t });
        const seen = await ctx.db.rows<{ email: string }>('select email from users where id = $1', [user.id], t);
        assert.deepEqual(seen, [{ email: 'tx@example.com' }], 'the statement sees the model call’s uncommitted row');
        const [viaModel] = await ctx.db.sequelize.query<{ pid: number }>('select pg_backend_pid() as pid', {
          type: QueryTypes.SELECT,
          transaction: t,
        });
        const [viaSql] = await ctx.db.rows<{ pid: number }>('select pg_backend_pid() as pid', [], t);
        assert.equal(viaModel.pid, viaSql.pid, 'one connection');
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal(await User.count({ where: { email: 'tx@example.com' } }), 0, 'the model call was rolled back with the transaction');
    // afterCommit hooks run after a commit only; a transaction that a failed
    // statement aborted (its callback caught the error and went on) rejects:
    // PostgreSQL answers its COMMIT with ROLLBACK.
    const ran: string[] = [];
    await ctx.db.transaction(async (t) => {
      t.afterCommit(() => void ran.push('committed'));
    });
    await assert.rejects(
      ctx.db.transaction(async (t) => {
        t.afterCommit(() => void ran.push('rolled back'));
        await ctx.db.exec('select 1 / 0', [], t).catch(() => undefined);
      }),
      TransactionRolledBackError,
    );
    assert.deepEqual(ran, ['committed']);
  });

  it('never holds more connections than database.poolMax', async () => {
    const { ctx } = await testContext({}, { database: { poolMax: POOL } });
    const pids = new Set<number>();
    const pid = async (p: Promise<{ pid: number }[]>) => pids.add((await p)[0].pid);
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 8; i++) work.push(pid(ctx.db.rows('select pg_backend_pid() as pid, pg_sleep(0.03)')));
    for (let i = 0; i < 3; i++) {
      work.push(ctx.db.transaction((t) => pid(ctx.db.rows('select pg_backend_pid() as pid, pg_sleep(0.03)', [], t))));
      work.push(pid(ctx.db.sequelize.query('select pg_backend_pid() as pid, pg_sleep(0.03)', { type: QueryTypes.SELECT })));
    }
    work.push(
      (async () => {
        for await (const rows of ctx.db.cursor<{ pid: number }>('select pg_backend_pid() as pid from generate_series(1, 3)', [], 1))
          pids.add(rows[0].pid);
      })(),
    );
    await Promise.all(work);
    assert.ok(pids.size >= 1 && pids.size <= POOL, `backends used: ${pids.size}, pool: ${POOL}`);
  });

  it('refuses a statement, model call, cursor or transaction without `t` inside a transaction’s callback', async () => {
    // A pool of one: the old code's deadlock, where the inner statement waits
    // for the connection its own transaction holds.
    const { ctx } = await testContext({}, { database: { poolMax: 1 } });
    const inside = (fn: () => Promise<unknown>) => ctx.db.transaction(async () => void (await fn()));
    await assert.rejects(
      inside(() => ctx.db.rows('select 1')),
      OutsideTransactionError,
    );
    await assert.rejects(
      inside(() => ctx.db.exec('select 1')),
      OutsideTransactionError,
    );
    await assert.rejects(
      inside(() => ctx.models.User.count()),
      OutsideTransactionError,
    );
    await assert.rejects(
      inside(() => ctx.db.transaction(async () => undefined)),
      OutsideTransactionError,
    );
    await assert.rejects(
      inside(async () => {
        for await (const _ of ctx.db.cursor('select 1', [], 1)) void _;
      }),
      OutsideTransactionError,
    );
    // With `t`, and after the transaction ended (work its callback left
    // running), statements run; a statement on an ended `t` is refused.
    let later: Promise<unknown> = Promise.resolve();
    let ended: unknown;
    await ctx.db.transaction(async (t) => {
      ended = t;
      await ctx.db.rows('select 1', [], t);
      await ctx.models.User.count({ transaction: t });
      later = new Promise((r) => setTimeout(r, 20)).then(() => ctx.db.rows<{ n: number }>('select 2 as n'));
    });
    assert.deepEqual(await later, [{ n: 2 }]);
    await assert.rejects(ctx.db.rows('select 1', [], ended as never), TransactionEndedError);
    assert.equal((await ctx.db.rows<{ n: number }>('select 3 as n'))[0].n, 3, 'the pool of one is free again');
  });
});
