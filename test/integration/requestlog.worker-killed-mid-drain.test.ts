// The request log consumer killed with SIGKILL while it drains a backlog:
// batches whose INSERT committed but whose ack never reached the broker are
// delivered again. Every entry must end up stored exactly once (122 doubled
// rows of 1,600 were seen before inserts skipped what is there).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REQUEST_LOG_QUEUE, type RequestLogEntry } from '#app/services/request-log';
import { testContext } from '#test/support/app';
import { AMQP_URL, eventually, testTransport, transportAvailable, uniquePrefix } from '#test/support/queue';
import { kill9, spawnWorker } from '#test/support/worker-spawn';

const BATCHES = 400;
const PER_BATCH = 4;
const TOTAL = BATCHES * PER_BATCH;

describe('the request log consumer killed mid-drain', () => {
  it('stores every entry exactly once across several kills', async (t) => {
    if (!transportAvailable(t, 'amqp')) return;
    const prefix = uniquePrefix();
    const transport = await testTransport('amqp', { prefix, queues: [REQUEST_LOG_QUEUE] });
    const { ctx, db } = await testContext({}, {}, undefined, { transport });
    const at = Date.now() - 60_000;
    const bodies = Array.from({ length: BATCHES }, (_, b) => {
      const batch: RequestLogEntry[] = Array.from({ length: PER_BATCH }, (_, k) => {
        const n = b * PER_BATCH + k;
        return {
          at: new Date(at + n).toISOString(),
          method: 'GET',
          path: `/p/${n}`,
          status: 200,
          durationMs: 1,
          userId: null,
          ip: '127.0.0.1',
          requestId: `kill-${String(n).padStart(6, '0')}`,
          userAgent: null,
        };
      });
      return Buffer.from(JSON.stringify(batch));
    });
    await transport.publish(REQUEST_LOG_QUEUE, bodies);
    const count = async () => (await ctx.db.rows<{ n: number }>('select count(*)::int as n from request_logs'))[0].n;
    const env = { DATABASE_URL: db.url, AMQP_URL: AMQP_URL!, ORBIS_QUEUE_PREFIX: prefix, WORKER_QUEUES: REQUEST_LOG_QUEUE };

    let last = 0;
    for (const share of [0.2, 0.45, 0.7]) {
      const worker = await spawnWorker(env);
      await eventually(async () => (await count()) >= TOTAL * share, 60_000, `${share * 100}% of the rows`);
      await kill9(worker);
      const now = await count();
      assert.ok(now > last, 'the consumer made progress before it was killed');
      last = now;
    }
    const worker = await spawnWorker(env);
    await eventually(async () => (await transport.depth(REQUEST_LOG_QUEUE)) === 0, 60_000, 'the queue drained');
    // The last batches may still be committing after the queue looks empty.
    await eventually(async () => (await count()) >= TOTAL, 30_000, 'every entry stored');
    await new Promise((r) => setTimeout(r, 500));
    await kill9(worker);
    const [{ rows, ids }] = await ctx.db.rows<{ rows: number; ids: number }>(
      'select count(*)::int as rows, count(distinct request_id)::int as ids from request_logs',
    );
    assert.equal(ids, TOTAL, 'no entry lost');
    assert.equal(rows, TOTAL, `no entry stored twice (${rows - ids} doubled)`);
  });
});
