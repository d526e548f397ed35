// A connection lost in the middle of a transaction (PostgreSQL restarted,
// the backend terminated, idle_in_transaction_session_timeout) must fail
// that transaction only: the process lives on, the pool replaces the client,
// and the next transaction works. pg emits 'error' on the client; with no
// listener while it is checked out that was an uncaught exception.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rawClient } from '#app/db/connection';
import { testContext } from '#test/support/app';
import { eventually } from '#test/support/queue';

describe('a transaction whose connection is lost', () => {
  it('rejects, and the next transaction runs', async () => {
    const { ctx } = await testContext();
    let uncaught: unknown = null;
    const onUncaught = (err: unknown) => (uncaught = err);
    process.on('uncaughtException', onUncaught);
    try {
      await assert.rejects(
        ctx.db.transaction(async (t) => {
          const [{ pid }] = await ctx.db.rows<{ pid: number }>('select pg_backend_pid() as pid', [], t);
          // From a connection outside the pool (the pool refuses a statement
          // without `t` inside a transaction's callback).
          const other = rawClient(ctx.db);
          await other.connect();
          try {
            await other.query('select pg_terminate_backend($1)', [pid]);
            await eventually(
              async () => (await other.query('select 1 from pg_stat_activity where pid = $1', [pid])).rows.length === 0,
              10_000,
              'the backend gone',
            );
          } finally {
            await other.end();
          }
          await ctx.db.rows('select 1', [], t);
        }),
      );
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(uncaught, null, 'no uncaught exception');
      const n = await ctx.db.transaction(async (t) => (await ctx.db.rows<{ n: number }>('select 41 + 1 as n', [], t))[0].n);
      assert.equal(n, 42);
      // A statement on a transaction that has ended is refused, not run elsewhere.
      let leaked: unknown;
      await ctx.db.transaction(async (t) => {
        leaked = t;
      });
      await assert.rejects(ctx.db.rows('select 1', [], leaked as never), /this transaction has ended/);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});
