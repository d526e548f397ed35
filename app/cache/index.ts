// The installation's cache: memcached when cache.servers (MEMCACHED_SERVERS)
// names servers, else the in-process LRU.
import { namespace, type Cache } from '#app/cache/cache';
import { LocalCache } from '#app/cache/local';
import { MemcachedCache } from '#app/cache/memcached';
import type { Settings } from '#app/config';
import type { Logger } from '#app/log';

export function createCache(settings: Settings, log?: Logger): Cache {
  if (settings.cache.servers.length) return new MemcachedCache(settings.cache.servers, namespace(settings), log);
  return new LocalCache();
}
