// The one pool under two loads the three old pools kept apart: downloads that
// each hold a cursor's connection while looking up names on another (more of
// them than the pool has connections), and transactions that end in an
// application's error (a validation, a conflict), whose clean rollback must
// not cost the connection and its prepared statements.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '#app/services/errors';
import { testContext } from '#test/support/app';

const POOL = 4;

describe('the one pool', () => {
  it('serves more cursors than connections, each looking up on another connection, without a deadlock', async () => {
    const { ctx } = await testContext({}, { database: { poolMax: POOL } });
    const download = async () => {
      let looked = 0;
      for await (const batch of ctx.db.cursor<{ n: number }>('select g as n from generate_series(1, 30) g', [], 5)) {
        // What an export does per batch: names from other tables, on the pool.
        const [{ n }] = await ctx.db.rows<{ n: number }>('select $1::int + 0 as n', [batch[0].n]);
        looked += n > 0 ? 1 : 0;
        await new Promise((r) => setTimeout(r, 20));
      }
      return looked;
    };
    const all = Promise.all(Array.from({ length: POOL + 2 }, download));
    const timeout = new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), 15_000).unref());
    const result = await Promise.race([all, timeout]);
    assert.notEqual(result, 'stuck', 'downloads waited for each other’s connections');
    assert.deepEqual(result, Array(POOL + 2).fill(6), 'every download read its 6 batches and looked up for each');
  });

  it('keeps a connection whose transaction ended in an application error', async () => {
    const { ctx } = await testContext({}, { database: { poolMax: 1 } });
    const [{ pid: before }] = await ctx.db.rows<{ pid: number }>('select pg_backend_pid() as pid');
    await assert.rejects(
      ctx.db.transaction(async (t) => {
        await ctx.db.rows('select 1', [], t);
        throw new ValidationError('a field needs attention');
      }),
      ValidationError,
    );
    const [{ pid: after }] = await ctx.db.rows<{ pid: number }>('select pg_backend_pid() as pid');
    assert.equal(after, before, 'the same connection (one pool of one), not a new one');
  });
});
