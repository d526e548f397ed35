// RabbitMQ goes away while requests enqueue jobs: the web keeps answering,
// every committed job stays (the rows are the outbox), and the backlog
// drains once the broker is back. The outage is made with a TCP proxy so the
// shared RabbitMQ keeps serving the other test files.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AmqpTransport } from '#app/queue/transports/amqp';
import { createContext } from '#app/context';
import { JOBS } from '#app/jobs/index';
import { TEST_JOBS } from '#test/support/test-jobs';
import { startWorkers } from '#app/worker/start';
import { onCleanup } from '#test/support/cleanup';
import { enqueueServer, jobsHarness, testHandlers } from '#test/support/jobs';
import { AMQP_URL, eventually, transportAvailable, uniquePrefix } from '#test/support/queue';
import { tcpProxy } from '#test/support/tcp-proxy';

describe('a broker outage while jobs and requests flow', () => {
  it('keeps the web answering, loses nothing, and drains the backlog afterwards', async (t) => {
    if (!transportAvailable(t, 'amqp')) return;
    const u = new URL(AMQP_URL!);
    const proxy = await tcpProxy(u.hostname, Number(u.port || 5672));
    const prefix = uniquePrefix();
    const h = await jobsHarness('amqp', { prefix });
    // The web and the workers reach RabbitMQ through the proxy.
    const transport = new AmqpTransport({ url: proxy.url(AMQP_URL!), prefix, queueType: 'quorum', confirmTimeoutMs: 2000 });
    onCleanup(() => transport.close());
    const ctx = await createContext(h.ctx.settings, { log: h.ctx.log, databaseUrl: h.db.url, transport, jobs: [...JOBS, ...TEST_JOBS] });
    onCleanup(() => ctx.close());
    const server = await enqueueServer(ctx);
    const runner = await startWorkers(ctx, { queues: ['default'], handlers: testHandlers(ctx) });
    onCleanup(() => runner.stop(2000));

    const hit = async () => (await fetch(`${server.url}/test/enqueue`)).status;
    for (let i = 0; i < 50; i++) assert.equal(await hit(), 200);
    await eventually(async () => (await h.effects()).length === 50, 15_000, 'the first 50 jobs');

    proxy.cut();
    await eventually(() => !transport.status().ok, 5000, 'the transport to notice the outage');
    const during: number[] = [];
    for (let i = 0; i < 100; i++) during.push(await hit());
    assert.deepEqual([...new Set(during)], [200], 'the web answered every request during the outage');
    const [{ unpublished }] = await ctx.db.rows<{ unpublished: number }>(
      `select count(*)::int as unpublished from jobs where published_at is null`,
    );
    assert.ok(unpublished >= 100, `the outage's jobs wait in the outbox (${unpublished})`);

    proxy.restore();
    await eventually(() => transport.status().ok, 20_000, 'the transport to reconnect');
    await eventually(async () => (await h.effects()).length === 150, 30_000, 'the backlog to drain');
    const effects = await h.effects();
    assert.ok(
      effects.every((e) => e.runs === 1),
      'no job ran twice',
    );
    // A handler's effect commits before its job's completion batch: wait for the rows too.
    await eventually(
      async () =>
        (await ctx.db.rows<{ notDone: number }>(`select count(*)::int as "notDone" from jobs where state <> 'done'`))[0].notDone === 0,
      10_000,
      'every job row done',
    );
  });
});
