// The benchmarks' open-loop generator (test/bench/open-loop.ts) against tiny
// local servers with a known stall: every request scheduled during a stall
// must show at least the time it had left to wait, even when the stall also
// kept the generator from sending (latency counted from the scheduled send,
// not the actual one), and a slow answer must not hold back the next sends.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { openLoop, percentile } from '#test/bench/open-loop';

const servers: http.Server[] = [];
after(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer({ keepAlive: true }, handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('open-loop generator', () => {
  it('takes nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(xs, 50), 50);
    assert.equal(percentile(xs, 90), 90);
    assert.equal(percentile(xs, 99), 99);
    assert.equal(percentile(xs, 100), 100);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([1, 2, 3], 50), 2);
  });

  it('counts a stall that also blocked the sender from each request’s scheduled time', async () => {
    // The server shares this process: when it blocks the event loop for
    // 200 ms, nothing is sent either. Measured from the actual send, the
    // requests due during the stall would look instant.
    const STALL_AT = 1200;
    const STALL_MS = 200;
    let t0 = 0;
    let stall: { from: number; to: number } | null = null;
    const url = await serve((_req, res) => {
      if (!stall && performance.now() - t0 >= STALL_AT) {
        const from = performance.now();
        while (performance.now() - from < STALL_MS); // busy: the whole process stops
        stall = { from, to: performance.now() };
      }
      res.end('ok');
    });
    t0 = performance.now();
    const result = await openLoop({ url, rate: 200, seconds: 2 });
    assert.ok(stall, 'the server stalled');
    const { from, to } = stall as { from: number; to: number };
    assert.equal(result.requests, 400);
    assert.equal(result.failed, 0);
    const during = result.samples.filter((s) => result.startedAt + s.at > from && result.startedAt + s.at < to);
    assert.ok(during.length >= 30, `${during.length} requests were due during the 200 ms stall`);
    for (const s of during) {
      const waited = to - (result.startedAt + s.at);
      assert.ok(
        s.latency >= waited,
        `request due at ${s.at.toFixed(1)} ms: latency ${s.latency.toFixed(1)} ms < the ${waited.toFixed(1)} ms it waited`,
      );
    }
    assert.ok(result.max >= STALL_MS - 10, `max ${result.max} ms`);
    // The stall began in the run's second 1 (at ≈ 1.2 s): the slow answers are counted there.
    const second1 = result.slowSeconds.find((s) => s.second === 1);
    assert.ok(second1 && second1.count >= 30, `slow seconds: ${JSON.stringify(result.slowSeconds)}`);
    assert.ok(second1.maxMs >= STALL_MS - 10);
  });

  it('keeps sending on time while answers are held, each held one counted to its answer', async () => {
    // The server (event loop free) holds every request that arrives between
    // 300 and 500 ms and answers them all at 500 ms. A generator that waits
    // for a free connection would send late; this one opens more sockets.
    let t0 = 0;
    const HOLD_FROM = 300;
    const HOLD_TO = 500;
    let held = 0;
    const url = await serve((_req, res) => {
      const t = performance.now() - t0;
      if (t >= HOLD_FROM && t < HOLD_TO) {
        held++;
        setTimeout(() => res.end('ok'), HOLD_TO - t);
      } else res.end('ok');
    });
    t0 = performance.now();
    const result = await openLoop({ url, rate: 200, seconds: 1, warmupSeconds: 0 });
    assert.equal(result.failed, 0);
    assert.ok(held >= 30, `${held} requests held`);
    assert.ok(result.sockets >= held, `${result.sockets} sockets for ${held} answers held at once`);
    assert.ok(result.sendLagMax < 100, `a send was ${result.sendLagMax.toFixed(1)} ms late`);
    const during = result.samples.filter((s) => s.at > HOLD_FROM + 20 && s.at < HOLD_TO - 20);
    for (const s of during) assert.ok(s.latency >= HOLD_TO - s.at - 20 - 5, `due at ${s.at.toFixed(1)}: ${s.latency.toFixed(1)} ms`);
  });

  it('leaves the warm-up out of the percentiles and counts wrong statuses as failed', async () => {
    let t0 = 0;
    const url = await serve((_req, res) => {
      // Slow (and 503) only during the first 500 ms, the warm-up.
      if (performance.now() - t0 < 500) setTimeout(() => res.writeHead(503).end(), 80);
      else res.end('ok');
    });
    t0 = performance.now();
    const result = await openLoop({ url, rate: 100, seconds: 1, warmupSeconds: 0.5 });
    assert.equal(result.requests, 100);
    assert.equal(result.samples.length, 150);
    assert.equal(result.failed, 0);
    assert.ok(
      result.slowSeconds.some((s) => s.second === 0 && s.count >= 40),
      JSON.stringify(result.slowSeconds),
    );
    assert.ok(result.p50 < 50, `p50 ${result.p50}`);
    const wrongStatus = await openLoop({ url, rate: 100, seconds: 0.2, expectStatus: 201 });
    assert.equal(wrongStatus.failed, 20);
    assert.deepEqual(wrongStatus.failures, { 'status 200': 20 });
  });
});
