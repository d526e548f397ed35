// The same contract for both caches: memcached (MEMCACHED_SERVERS) and the
// in-process LRU. And what MUST hold when memcached is gone: misses, not errors.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, test } from 'node:test';
import { getJson, setJson } from '#app/cache/cache';
import { MemcachedCache } from '#app/cache/memcached';
import { CACHES, cacheAvailable, closedPort, MEMCACHED_SERVERS, testCache } from '#test/support/cache';
import { eventually } from '#test/support/queue';
import { tcpProxy } from '#test/support/tcp-proxy';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const kind of CACHES) {
  describe(`cache contract: ${kind}`, () => {
    test('a set value is read back; a missing key is null', async (t) => {
      if (!(await cacheAvailable(t, kind))) return;
      const c = testCache(kind);
      assert.equal(await c.get('nothing-here'), null);
      await c.set('greeting', 'hello', 60);
      assert.equal((await c.get('greeting'))?.toString(), 'hello');
      await c.set('greeting', 'again', 60);
      assert.equal((await c.get('greeting'))?.toString(), 'again');
      await setJson(c, 'obj', { a: 1, roles: ['x', 'ü'] }, 60);
      assert.deepEqual(await getJson(c, 'obj'), { a: 1, roles: ['x', 'ü'] });
    });

    test('an entry expires after its TTL', async (t) => {
      if (!(await cacheAvailable(t, kind))) return;
      const c = testCache(kind);
      await c.set('short', 'v', 1);
      await c.set('long', 'v', 60);
      assert.equal((await c.get('short'))?.toString(), 'v');
      // memcached counts whole seconds: 1 s may last until the next second boundary.
      await sleep(2100);
      assert.equal(await c.get('short'), null);
      assert.equal((await c.get('long'))?.toString(), 'v');
    });

    test('incr counts from 1, concurrently without losing a count, and the count expires', async (t) => {
      if (!(await cacheAvailable(t, kind))) return;
      const c = testCache(kind);
      assert.equal(await c.incr('hits', 60), 1);
      assert.equal(await c.incr('hits', 60), 2);
      const many = await Promise.all(Array.from({ length: 50 }, () => c.incr('burst', 60)));
      assert.deepEqual(
        [...many].sort((a, b) => a! - b!),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      await c.incr('brief', 1);
      await sleep(2100);
      assert.equal(await c.incr('brief', 1), 1, 'a new window after the TTL');
    });

    test('delete removes the entry and only that one', async (t) => {
      if (!(await cacheAvailable(t, kind))) return;
      const c = testCache(kind);
      await c.set('a', '1', 60);
      await c.set('b', '2', 60);
      assert.equal(await c.delete('a'), true);
      assert.equal(await c.get('a'), null);
      assert.equal((await c.get('b'))?.toString(), '2');
      assert.equal(await c.delete('never-set'), true);
    });

    test('2,000 keys written and read concurrently all come back right', async (t) => {
      if (!(await cacheAvailable(t, kind))) return;
      const c = testCache(kind);
      const keys = Array.from({ length: 2000 }, (_, i) => `k${i}`);
      for (let i = 0; i < keys.length; i += 100) await Promise.all(keys.slice(i, i + 100).map((k) => c.set(k, `value of ${k}`, 60)));
      const got = [];
      for (let i = 0; i < keys.length; i += 100) got.push(...(await Promise.all(keys.slice(i, i + 100).map((k) => c.get(k)))));
      assert.deepEqual(
        got.map((v) => v?.toString()),
        keys.map((k) => `value of ${k}`),
      );
    });

    test('binary values come back byte for byte', async (t) => {
      if (!(await cacheAvailable(t, kind))) return;
      const c = testCache(kind);
      const bytes = Buffer.from([...Array(256).keys(), 0, 13, 10, 0, 255]);
      await c.set('bin', bytes, 60);
      const back = await c.get('bin');
      assert.ok(Buffer.isBuffer(back), `a Buffer, got ${typeof back}`);
      assert.ok(bytes.equals(back as Buffer));
    });

    test('a 600 KB value round-trips; keys with spaces or 300 characters work', async (t) => {
      if (!(await cacheAvailable(t, kind))) return;
      const c = testCache(kind);
      const big = crypto.randomBytes(600 * 1024);
      await c.set('big', big, 60);
      assert.ok(big.equals((await c.get('big')) as Buffer));
      const odd = `a key with spaces ${'x'.repeat(300)}`;
      await c.set(odd, 'odd', 60);
      assert.equal((await c.get(odd))?.toString(), 'odd');
      assert.equal(await c.get(`a key with spaces ${'x'.repeat(299)}`), null);
    });

    test('two namespaces on one cache never see each other', async (t) => {
      if (!(await cacheAvailable(t, kind))) return;
      const a = testCache(kind);
      const b = testCache(kind);
      await a.set('user:1', 'of a', 60);
      assert.equal(await b.get('user:1'), null);
    });
  });
}

describe('memcached outage: misses and no-ops, quickly, never an error', () => {
  test('at a closed port every call answers within the time limit', async () => {
    const c = new MemcachedCache([await closedPort()], 'orbis-test.outage');
    try {
      const started = Date.now();
      assert.equal(await c.get('x'), null);
      await c.set('x', 'v', 60);
      assert.equal(await c.delete('x'), false);
      assert.equal(await c.incr('x', 60), null, 'a counter cannot be reached: null, not an error');
      const probe = await c.ping();
      assert.equal(probe.ok, false);
      assert.match(probe.error ?? '', /127\.0\.0\.1:\d+/);
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
      // Calls after the first failure stay fast too (no pile-up of retries).
      const again = Date.now();
      for (let i = 0; i < 20; i++) assert.equal(await c.get(`k${i}`), null);
      assert.ok(Date.now() - again < 2000, `20 gets took ${Date.now() - again} ms`);
    } finally {
      await c.close();
    }
  });
});

test('memcached cut and back (TCP proxy): misses while cut, served again once it is back, no crash', async (t) => {
  if (!(await cacheAvailable(t, 'memcached'))) return;
  const [host, port] = MEMCACHED_SERVERS[0].split(':');
  const proxy = await tcpProxy(host, Number(port));
  const c = new MemcachedCache([`127.0.0.1:${proxy.port}`], `orbis-test.cut.${crypto.randomBytes(4).toString('hex')}`);
  try {
    await c.set('k', 'before', 60);
    assert.equal((await c.get('k'))?.toString(), 'before');
    proxy.cut();
    for (let i = 0; i < 5; i++) assert.equal(await c.get('k'), null);
    assert.equal((await c.ping()).ok, false);
    proxy.restore();
    // Failed servers are retried after `retry`/`reconnect` (2 s): the entry is still there.
    const back = await eventually(async () => (await c.get('k'))?.toString(), 10_000, 'memcached answering again');
    assert.equal(back, 'before');
  } finally {
    await c.close();
  }
});
