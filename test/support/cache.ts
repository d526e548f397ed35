// Cache tests: the memcached of MEMCACHED_SERVERS (required in CI) and a port
// where nothing listens (an outage without touching the shared server).
import crypto from 'node:crypto';
import net from 'node:net';
import type { TestContext } from 'node:test';
import type { Cache } from '#app/cache/cache';
import { LocalCache } from '#app/cache/local';
import { MemcachedCache } from '#app/cache/memcached';
import { onCleanup } from '#test/support/cleanup';
import { needs } from '#test/support/servers';

export const MEMCACHED_SERVERS = (process.env.MEMCACHED_SERVERS ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

export type CacheKind = 'local' | 'memcached';
export const CACHES: CacheKind[] = ['local', 'memcached'];

let reachable: Promise<boolean> | null = null;
/** One TCP connect to the first server. */
export function memcachedReachable(): Promise<boolean> {
  if (!MEMCACHED_SERVERS.length) return Promise.resolve(false);
  reachable ??= new Promise((resolve) => {
    const [host, port] = MEMCACHED_SERVERS[0].split(':');
    const s = net.connect(Number(port), host);
    s.setTimeout(1000, () => (s.destroy(), resolve(false)));
    s.once('connect', () => (s.end(), resolve(true)));
    s.once('error', () => resolve(false));
  });
  return reachable;
}

export async function cacheAvailable(t: TestContext, kind: CacheKind): Promise<boolean> {
  if (kind === 'local') return true;
  return needs(t, await memcachedReachable(), `memcached (MEMCACHED_SERVERS=${MEMCACHED_SERVERS.join(',') || 'unset'})`);
}

/** A cache of the kind under its own namespace (tests never see each other's keys). */
export function testCache(kind: CacheKind): Cache {
  const ns = `orbis-test.${crypto.randomBytes(4).toString('hex')}`;
  const cache = kind === 'local' ? new LocalCache() : new MemcachedCache(MEMCACHED_SERVERS, ns);
  onCleanup(() => cache.close());
  return cache;
}

/** host:port where nothing listens (bound, then closed). */
export async function closedPort(): Promise<string> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return `127.0.0.1:${port}`;
}
