// The request log end to end on both transports: requests through a real app
// become rows (one INSERT per batch) with every field; while the broker is
// unreachable the web still answers, batches wait in a bounded buffer, the
// overflow is counted exactly, and the waiting batches drain when the
// broker is back; close() flushes; a malformed batch is dead-lettered.
//
// Two contexts on one database, as in production: the web (its transport
// can be cut) and a worker running the `requestlog` consumer (its transport
// reaches the broker directly). For RabbitMQ the web's connection goes
// through a TCP proxy of this test, so cutting it leaves the shared broker
// alone; for the local transport a wrapper refuses publishes while "down".
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { AppContext } from '#app/context';
import { DEAD_LETTERS, TransportError, type Transport } from '#app/queue/transport';
import { AmqpTransport } from '#app/queue/transports/amqp';
import { REQUEST_LOG_QUEUE } from '#app/services/request-log';
import { createApp } from '#app/web/app';
import { listen } from '#app/web/server';
import { startRequestLogConsumer, type RequestLogConsumer } from '#app/worker/request-log-consumer';
import { makeUser, TestClient, testContext } from '#test/support/app';
import { onCleanup } from '#test/support/cleanup';
import { AMQP_URL, eventually, testTransport, transportAvailable, TRANSPORTS, uniquePrefix, type TransportKind } from '#test/support/queue';
import { tcpProxy } from '#test/support/tcp-proxy';

/** Delegates to a transport; publish() rejects while `down` (the local transport's "broker outage"). */
class CuttableTransport implements Transport {
  down = false;
  readonly kind;
  constructor(private readonly inner: Transport) {
    this.kind = inner.kind;
  }
  assertQueues(q: readonly string[]) {
    return this.inner.assertQueues(q);
  }
  async publish(queue: string, bodies: readonly Buffer[]) {
    if (this.down) throw new TransportError('the broker is down (test)');
    return this.inner.publish(queue, bodies);
  }
  consume(...args: Parameters<Transport['consume']>) {
    return this.inner.consume(...args);
  }
  depth(q: string) {
    return this.inner.depth(q);
  }
  status() {
    return this.inner.status();
  }
  onStatus(l: Parameters<Transport['onStatus']>[0]) {
    this.inner.onStatus(l);
  }
  async close() {
    // the inner transport is closed by its own cleanup
  }
}

interface Harness {
  web: AppContext;
  url: string;
  client(): TestClient;
  worker: AppContext;
  consumer: RequestLogConsumer;
  cut(): Promise<void>;
  restore(): Promise<void>;
  closeWeb(): Promise<void>;
  rows(): Promise<Array<Record<string, unknown>>>;
}

async function harness(t: TestContext, kind: TransportKind, requestLog: Record<string, unknown>): Promise<Harness> {
  let webTransport: Transport;
  let workerTransport: Transport;
  let cut: () => Promise<void>;
  let restore: () => Promise<void>;
  if (kind === 'amqp') {
    const prefix = uniquePrefix();
    const target = new URL(AMQP_URL!);
    const proxy = await tcpProxy(target.hostname, Number(target.port || 5672));
    workerTransport = await testTransport('amqp', { prefix, queues: [REQUEST_LOG_QUEUE] });
    const t = new AmqpTransport({ url: proxy.url(AMQP_URL!), prefix, queueType: 'quorum', confirmTimeoutMs: 3000 });
    onCleanup(() => t.close());
    webTransport = t;
    cut = async () => proxy.cut();
    restore = async () => proxy.restore();
  } else {
    workerTransport = await testTransport('local');
    const t = new CuttableTransport(workerTransport);
    webTransport = t;
    cut = async () => void (t.down = true);
    restore = async () => void (t.down = false);
  }
  const { ctx: worker, db } = await testContext({}, { requestLog }, undefined, { transport: workerTransport });
  const consumer = await startRequestLogConsumer(worker);
  onCleanup(() => consumer.stop());
  const { ctx: web } = await testContext({}, { requestLog }, db, { transport: webTransport });
  const server = await listen(createApp(web), '127.0.0.1', 0);
  let webClosed = false;
  const closeWeb = async () => {
    if (webClosed) return;
    webClosed = true;
    await server.close(1000);
    await web.close();
  };
  onCleanup(closeWeb);
  // Give the database connections back after each test, not at the file's end.
  t.after(async () => {
    await closeWeb();
    await consumer.stop();
    await worker.close();
  });
  return {
    web,
    url: server.url,
    client: () => new TestClient(server.url),
    worker,
    consumer,
    cut,
    restore,
    closeWeb,
    rows: () => worker.db.rows('select *, host(ip) as host from request_logs order by id'),
  };
}

for (const kind of TRANSPORTS) {
  describe(`request log on ${kind}`, () => {
    it('records each request with its fields, one INSERT per batch, skipping static files, the icon and /healthz', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const h = await harness(t, kind, { batchSize: 5, flushMs: 50 });
      const user = await makeUser(h.web, 'logged@example.com');
      const client = h.client();
      assert.equal((await client.login('logged@example.com', 'correct horse battery')).status, 303);
      const ua = 'Mozilla/5.0 ' + 'x'.repeat(300);
      const page = await client.get('/?tab=1&secret=2', { 'user-agent': ua, 'x-request-id': 'req-dashboard-0001' });
      assert.equal(page.status, 200);
      assert.equal((await client.get('/no-such-page', { 'x-request-id': 'req-missing-0001' })).status, 404);
      assert.equal((await client.get('/lib/static/css/orbis.css')).status, 200);
      assert.equal((await client.get('/healthz')).status, 200);
      assert.equal((await client.get('/favicon.ico')).status, 404);
      // 20 at once: they finish close together and share batches.
      const burst = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          h.client().get(`/login?n=${i}`, { 'x-request-id': `req-burst-${String(i).padStart(4, '0')}` }),
        ),
      );
      assert.ok(burst.every((r) => r.status === 200));

      // login page GET (csrf) + POST /login + dashboard + 404 + 20 burst
      const expected = 24;
      const rows = await eventually(
        async () => {
          const r = await h.rows();
          return r.length >= expected && r;
        },
        15_000,
        `${expected} request log rows`,
      );
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await h.rows()).length, expected, 'no extra rows (static files, the icon and /healthz are not logged)');
      assert.ok(!rows.some((r) => String(r.path).startsWith('/lib/static') || r.path === '/healthz' || r.path === '/favicon.ico'));

      const dash = rows.find((r) => r.request_id === 'req-dashboard-0001')!;
      assert.ok(dash, 'the dashboard request is logged under its request id');
      assert.equal(dash.method, 'GET');
      assert.equal(dash.path, '/', 'no query string');
      assert.equal(dash.status, 200);
      assert.equal(Number(dash.user_id), user.id);
      assert.equal(dash.host, '127.0.0.1');
      assert.equal(dash.user_agent, ua.slice(0, 256), 'user agent truncated to 256 characters');
      assert.ok(typeof dash.duration_ms === 'number' && dash.duration_ms > 0);
      assert.ok(Math.abs(Date.now() - new Date(dash.at as string).getTime()) < 60_000);
      const missing = rows.find((r) => r.request_id === 'req-missing-0001')!;
      assert.equal(missing.status, 404);
      assert.equal(missing.path, '/no-such-page');
      const login = rows.find((r) => r.method === 'POST' && r.path === '/login')!;
      assert.equal(login.status, 303);
      assert.equal(Number(login.user_id), user.id, 'the user signed in by this request');
      assert.equal(rows.filter((r) => String(r.request_id).startsWith('req-burst-')).length, 20);
      assert.ok(rows.filter((r) => String(r.request_id).startsWith('req-burst-')).every((r) => r.user_id === null));

      // Rows written by one statement share a transaction id: one per message.
      const [{ txs }] = await h.worker.db.rows<{ txs: number }>('select count(distinct xmin::text)::int as txs from request_logs');
      assert.equal(txs, h.consumer.inserted, 'one INSERT transaction per batch message');
      assert.ok(txs < expected, `${txs} inserts for ${expected} rows: batched`);
      assert.ok(txs >= Math.ceil(expected / 5), 'no batch exceeds batchSize');
      assert.equal(h.web.services.requestLog.stats().published, expected);
    });

    it('keeps answering while the broker is away, holds a bounded buffer, counts the overflow exactly, then drains', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const h = await harness(t, kind, { batchSize: 5, flushMs: 30, bufferLimit: 30 });
      const log = h.web.services.requestLog;
      await h.cut();
      const client = h.client();
      for (let i = 0; i < 42; i++) {
        const r = await client.get(`/login?i=${i}`, { 'x-request-id': `down-${String(i).padStart(6, '0')}` });
        assert.equal(r.status, 200, 'the web answers while the broker is away');
      }
      await eventually(() => log.stats().buffered + log.stats().overflowed === 42, 5000, 'every request counted');
      // Give the buffer time to (fail to) publish: nothing may leave or vanish.
      await new Promise((r) => setTimeout(r, 600));
      const down = log.stats();
      assert.equal(down.buffered, 30, 'the buffer holds bufferLimit entries');
      assert.equal(down.overflowed, 12, 'what did not fit is counted exactly');
      assert.ok(down.waitingBatches >= 6, 'batches of at most batchSize (some closed early by flushMs)');
      assert.equal(down.published, 0);
      assert.ok(down.error, 'the publish error is reported');
      assert.equal((await h.rows()).length, 0);
      const health = JSON.parse((await client.get('/healthz')).text) as { requestLog: Record<string, unknown> };
      assert.equal(health.requestLog.overflowed, 12, '/healthz reports the overflow');
      assert.equal(health.requestLog.buffered, 30);

      await h.restore();
      const rows = await eventually(
        async () => {
          const r = await h.rows();
          return r.length >= 30 && r;
        },
        25_000,
        'the waiting batches drained',
      );
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await h.rows()).length, 30);
      // The oldest entries were kept, the newest overflowed. (Sorted: the
      // consumer inserts batches concurrently, so ids do not follow arrival.)
      assert.deepEqual(
        rows.map((r) => String(r.request_id)).sort(),
        Array.from({ length: 30 }, (_, i) => `down-${String(i).padStart(6, '0')}`),
      );
      const after = log.stats();
      assert.equal(after.buffered, 0);
      assert.equal(after.published, 30);
      assert.equal(after.overflowed, 12, 'the count stays: it is a total since start');
      assert.equal(after.error, null);
      // And new requests flow again.
      await client.get('/login', { 'x-request-id': 'after-outage-01' });
      await eventually(async () => (await h.rows()).some((r) => r.request_id === 'after-outage-01'), 10_000, 'a request after the outage');
    });

    it('publishes what it holds when the context closes', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const h = await harness(t, kind, { batchSize: 500, flushMs: 60_000 });
      const client = h.client();
      for (let i = 0; i < 3; i++) await client.get('/login', { 'x-request-id': `closing-${i}-0000` });
      await eventually(() => h.web.services.requestLog.stats().buffered === 3, 5000, 'three entries held');
      assert.equal((await h.rows()).length, 0, 'nothing published before the batch closes');
      await h.closeWeb();
      await eventually(async () => (await h.rows()).length === 3, 10_000, 'the held entries inserted after close');
    });

    it('dead-letters a malformed batch and keeps inserting the next ones', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const h = await harness(t, kind, {});
      const good = [
        {
          at: new Date().toISOString(),
          method: 'GET',
          path: '/x',
          status: 200,
          durationMs: 1.5,
          userId: null,
          ip: '::1',
          requestId: 'r1',
          userAgent: null,
        },
      ];
      const bad = [{ ...good[0], status: 'oops' }];
      await h.worker.transport.publish(REQUEST_LOG_QUEUE, [
        Buffer.from('not json'),
        Buffer.from(JSON.stringify(bad)),
        Buffer.from(JSON.stringify(good)),
      ]);
      await eventually(async () => (await h.rows()).length === 1, 10_000, 'the good batch inserted');
      await eventually(async () => (await h.worker.transport.depth(DEAD_LETTERS)) === 2, 5000, 'two dead letters');
      const [row] = await h.rows();
      assert.equal(row.host, '::1');
      assert.equal(row.path, '/x');
    });
  });
}
