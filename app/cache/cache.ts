// The cache behind one interface: memcached (shared by every process of an
// installation) or an in-process LRU (one per process).
//
// What MUST hold:
// - A cache is never the truth: every caller can compute the value from the
//   database, so every method degrades instead of failing — get answers null
//   (a miss), set and delete do nothing — and each call is bounded in time.
//   A cache outage makes pages slower, never an error page.
// - Keys are namespaced per installation (two installations on one memcached
//   never read each other's entries: docs/install.md, side by side).
import crypto from 'node:crypto';
import type { Settings } from '#app/config';
import type { Logger } from '#app/log';

export type CacheValue = string | Buffer;

export interface CacheProbe {
  ok: boolean;
  kind: 'memcached' | 'local';
  ms?: number;
  error?: string;
}

export interface Cache {
  readonly kind: 'memcached' | 'local';
  /** The value, or null when missing, expired or the cache is unreachable. */
  get(key: string): Promise<CacheValue | null>;
  /** Stores for ttlSeconds (whole seconds, at least 1). Never throws. */
  set(key: string, value: CacheValue, ttlSeconds: number): Promise<void>;
  /** Never throws; resolves false when the cache could not be reached. */
  delete(key: string): Promise<boolean>;
  /**
   * Adds 1 to the counter at `key` — made at 1, living ttlSeconds, when
   * missing — and answers its new value; null when the cache could not be
   * reached (a counter is a limit's helper, never the truth). Never throws.
   */
  incr(key: string, ttlSeconds: number): Promise<number | null>;
  /** One round trip that says whether the cache answers (for /healthz and check). */
  ping(): Promise<CacheProbe>;
  close(): Promise<void>;
}

/**
 * Cache keys of this installation: the broker prefix, the database and the
 * schema. Two installations (or two test databases) sharing a memcached must
 * never read each other's `user:1`.
 */
export function namespace(settings: Pick<Settings, 'broker' | 'database'>): string {
  let where = 'embedded';
  if (settings.database.url) {
    const u = new URL(settings.database.url);
    where = `${u.hostname}:${u.port || 5432}${u.pathname}`;
  }
  const id = crypto.createHash('sha256').update(`${where}|${settings.database.schema}`).digest('hex').slice(0, 12);
  return `${settings.broker.prefix}.${id}`;
}

/** memcached keys: at most 250 bytes, no spaces or control characters. Longer or odd keys are hashed. */
export function safeKey(ns: string, key: string): string {
  const full = `${ns}:${key}`;
  if (full.length <= 200 && /^[\x21-\x7e]+$/.test(full)) return full;
  return `${ns}:h:${crypto.createHash('sha256').update(key).digest('hex')}`;
}

/** JSON helpers over a cache: a value that does not parse is a miss. */
export async function getJson<T>(cache: Cache, key: string): Promise<T | null> {
  const raw = await cache.get(key);
  if (raw == null) return null;
  try {
    return JSON.parse(raw.toString()) as T;
  } catch {
    return null;
  }
}

export function setJson(cache: Cache, key: string, value: unknown, ttlSeconds: number): Promise<void> {
  return cache.set(key, JSON.stringify(value), ttlSeconds);
}

/** Logs a cache failure at most once per interval, so an outage does not flood the log. */
export function quietWarn(log: Logger | undefined, intervalMs = 30_000): (err: unknown, what: string) => void {
  let last = 0;
  return (err, what) => {
    const now = Date.now();
    if (!log || now - last < intervalMs) return;
    last = now;
    log.warn({ err: (err as Error)?.message ?? String(err) }, `cache: ${what} failed; reading from the database instead`);
  };
}
