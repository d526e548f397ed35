// The in-process cache: an LRU bounded by entries and bytes. Per process: a
// delete in one web process does not reach another, so whatever must change
// everywhere at once is cached here only briefly (see app/cache/session-users.ts).
import { LRUCache } from 'lru-cache';
import type { Cache, CacheProbe, CacheValue } from '#app/cache/cache';

export interface LocalCacheOptions {
  maxEntries?: number;
  maxBytes?: number;
}

export class LocalCache implements Cache {
  readonly kind = 'local' as const;
  private readonly lru: LRUCache<string, CacheValue>;

  constructor(options: LocalCacheOptions = {}) {
    this.lru = new LRUCache<string, CacheValue>({
      max: options.maxEntries ?? 10_000,
      maxSize: options.maxBytes ?? 64 * 1024 * 1024,
      sizeCalculation: (v) => Math.max(1, typeof v === 'string' ? Buffer.byteLength(v) : v.length),
    });
  }

  async get(key: string): Promise<CacheValue | null> {
    const v = this.lru.get(key);
    // A copy of a Buffer: a caller mutating it must not change the cache.
    return v === undefined ? null : typeof v === 'string' ? v : Buffer.from(v);
  }

  async set(key: string, value: CacheValue, ttlSeconds: number): Promise<void> {
    this.lru.set(key, typeof value === 'string' ? value : Buffer.from(value), { ttl: Math.max(1, Math.round(ttlSeconds)) * 1000 });
  }

  async delete(key: string): Promise<boolean> {
    this.lru.delete(key);
    return true;
  }

  async incr(key: string, ttlSeconds: number): Promise<number | null> {
    const now = Number(this.lru.get(key)?.toString() ?? 0) + 1;
    // The counter's window does not move with each count.
    this.lru.set(key, String(now), { ttl: Math.max(1, Math.round(ttlSeconds)) * 1000, noUpdateTTL: now > 1 });
    return now;
  }

  async ping(): Promise<CacheProbe> {
    return { ok: true, kind: 'local', ms: 0 };
  }

  async close(): Promise<void> {
    this.lru.clear();
  }
}
