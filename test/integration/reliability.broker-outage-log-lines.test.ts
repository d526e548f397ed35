// A broker outage while many saves enqueue jobs is logged as ONE outage: a
// line when it starts, a summary per period with the number of deferred
// jobs, a line when it ends — not a line per save (2,330 lines in 50 s were
// seen). The outage is made with a TCP proxy so the shared RabbitMQ keeps
// serving the other test files.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createContext } from '#app/context';
import { JOBS } from '#app/jobs/index';
import { TEST_JOBS } from '#test/support/test-jobs';
import { createLogger } from '#app/log';
import { AmqpTransport } from '#app/queue/transports/amqp';
import { onCleanup } from '#test/support/cleanup';
import { enqueueServer } from '#test/support/jobs';
import { testSettings } from '#test/support/app';
import { testDatabase } from '#test/support/db';
import { AMQP_URL, eventually, testTransport, transportAvailable, uniquePrefix } from '#test/support/queue';
import { tcpProxy } from '#test/support/tcp-proxy';

const SAVES = 150;

describe('publishing during a broker outage', () => {
  it('logs one line when it starts, a periodic count of deferred jobs, and one line when it ends', async (t) => {
    if (!transportAvailable(t, 'amqp')) return;
    const u = new URL(AMQP_URL!);
    const proxy = await tcpProxy(u.hostname, Number(u.port || 5672));
    const prefix = uniquePrefix();
    await testTransport('amqp', { prefix }); // deletes the prefix's queues at the end
    const db = await testDatabase();
    const settings = testSettings({ DATABASE_URL: db.url, LOG_LEVEL: 'info' }, { jobs: { outageSummarySeconds: 1 } });
    const lines: Array<{ msg: string; level: number } & Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l));
        done();
      },
    });
    const transport = new AmqpTransport({ url: proxy.url(AMQP_URL!), prefix, queueType: 'quorum', confirmTimeoutMs: 2000 });
    onCleanup(() => transport.close());
    const ctx = await createContext(settings, { log: createLogger(settings, 'orbis', sink), transport, jobs: [...JOBS, ...TEST_JOBS] });
    onCleanup(() => ctx.close());
    const server = await enqueueServer(ctx);
    const save = async () => assert.equal((await fetch(`${server.url}/test/enqueue`)).status, 200);
    for (let i = 0; i < 20; i++) await save();
    await ctx.publisher.drain();
    const publishing = () => lines.filter((l) => /^publishing jobs/.test(l.msg));
    assert.equal(publishing().length, 0, 'nothing to say while the broker takes every publish');

    proxy.cut();
    await eventually(() => !transport.status().ok, 5000, 'the transport to notice the outage');
    const started = Date.now();
    // Spread over more than two summary periods, each save its own publish.
    for (let i = 0; i < SAVES; i++) {
      await save();
      await ctx.publisher.drain();
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 400));
    }
    await new Promise((r) => setTimeout(r, 1300)); // the last period's summary
    const outageMs = Date.now() - started;
    const during = publishing();
    t.diagnostic(`${during.length} publishing line(s) for ${SAVES} saves in ${outageMs} ms`);
    assert.match(during[0].msg, /^publishing jobs failed: the broker is unreachable/, 'the outage is announced once, first');
    assert.equal(during[0].level, 40);
    const summaries = during.slice(1);
    assert.ok(summaries.length >= 2, `a summary per second of the outage (${summaries.length})`);
    assert.ok(summaries.length <= Math.ceil(outageMs / 1000) + 1, `at most one summary per second (${summaries.length} in ${outageMs} ms)`);
    assert.ok(
      summaries.every((l) => /^publishing jobs still fails: \d+ job\(s\) deferred in the last 1 s$/.test(l.msg)),
      JSON.stringify(summaries),
    );
    const deferred = (during[0].jobs as number) + summaries.reduce((n, l) => n + (l.deferred as number), 0);
    assert.equal(deferred, SAVES, 'every deferred job is counted once');

    proxy.restore();
    await eventually(() => transport.status().ok, 20_000, 'the transport to reconnect');
    await save();
    await ctx.publisher.drain();
    const after = publishing().slice(during.length);
    assert.equal(after.length, 1, JSON.stringify(after));
    assert.equal(after[0].msg, `publishing jobs works again; ${SAVES} job(s) were deferred during the outage (the relay publishes them)`);
    assert.equal(after[0].deferred, SAVES);
    const [{ unpublished }] = await ctx.db.rows<{ unpublished: number }>(
      'select count(*)::int as unpublished from jobs where published_at is null',
    );
    assert.equal(unpublished, SAVES, "the outage's jobs wait in the outbox for the relay");
  });
});
