// memcached (MEMCACHED_SERVERS=host:port,host:port): the memcached package
// spreads keys over the servers by consistent hashing, so adding a server
// moves only a share of the keys. Callback API wrapped in promises.
//
// What MUST hold (app/cache/cache.ts): no call throws and none waits longer
// than CALL_TIMEOUT_MS — a down or partitioned memcached is a miss.
import { createRequire } from 'node:module';
import net from 'node:net';
import Memcached from 'memcached';
import { quietWarn, safeKey, type Cache, type CacheProbe, type CacheValue } from '#app/cache/cache';
import type { Logger } from '#app/log';

// The package decides that a failed server is back by running the `ping`
// program (ICMP) against its host: absent on slim systems, the spawn error is
// uncaught and kills the process; present, it says nothing about memcached's
// port. Replaced, once for the package, by a TCP connect to host:port; a
// closed client (see close()) stops trying.
interface Issue {
  server: string;
  reconnect: number;
  closed?: boolean;
  config: Record<string, unknown>;
  messages: string[];
  failed: boolean;
  isScheduledToReconnect: boolean;
  totalReconnectsAttempted: number;
  totalReconnectsSuccess: number;
  emit(event: string, details: unknown): void;
  details: unknown;
  attemptReconnect(): void;
}
const { IssueLog } = createRequire(import.meta.url)('memcached/lib/connection.js') as { IssueLog: { prototype: Issue } };
IssueLog.prototype.attemptReconnect = function attemptReconnect(this: Issue) {
  if (this.closed) return;
  this.totalReconnectsAttempted++;
  const [host, port] = this.server.split(':');
  const socket = net.connect(Number(port), host);
  const again = (err: Error) => {
    socket.destroy();
    this.messages.push(err.message);
    if (!this.closed) setTimeout(() => this.attemptReconnect(), this.reconnect).unref();
  };
  socket.setTimeout(1000, () => again(new Error('connect timeout')));
  socket.once('error', again);
  socket.once('connect', () => {
    socket.destroy();
    this.totalReconnectsSuccess++;
    this.messages.length = 0;
    this.failed = false;
    this.isScheduledToReconnect = false;
    Object.assign(this, JSON.parse(JSON.stringify(this.config)));
    this.emit('reconnected', this.details);
  });
};

/** A cache answer later than this is treated as a miss: the database is faster than waiting. */
export const CALL_TIMEOUT_MS = 300;

function bounded<T>(fn: (done: (err: unknown, value?: T) => void) => void, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`memcached did not answer within ${ms} ms`)), ms);
    try {
      fn((err, value) => {
        clearTimeout(timer);
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else resolve(value as T);
      });
    } catch (err) {
      clearTimeout(timer);
      reject(err as Error);
    }
  });
}

export class MemcachedCache implements Cache {
  readonly kind = 'memcached' as const;
  private readonly client: Memcached;
  private readonly warn: (err: unknown, what: string) => void;

  constructor(
    readonly servers: readonly string[],
    private readonly ns: string,
    log?: Logger,
    private readonly timeoutMs = CALL_TIMEOUT_MS,
  ) {
    // minTimeout/maxTimeout/factor are real options of the package (its pool), missing from @types/memcached.
    const poolWaits = { minTimeout: 5, maxTimeout: 50, factor: 1.5 } as Memcached.options;
    this.client = new Memcached([...servers], {
      ...poolWaits,
      timeout: timeoutMs, // connect/read timeout per socket
      retries: 10, // waits for a free socket of the pool (bounded by the call timeout anyway)
      retry: 2000, // a server that failed is tried again after 2 s
      failures: 1,
      remove: false, // keep the hash ring stable: a returning server gets its keys back
      reconnect: 2000,
      idle: 30_000,
      // A busy pool is waited for in short steps (the package's default first
      // wait is 1 s, longer than the call timeout: every burst became misses).
      poolSize: 25,
      maxValue: 1024 * 1024,
    });
    // The package emits these on outages; without listeners they are harmless, with them we log once.
    this.warn = quietWarn(log);
    this.client.on('failure', (d: { server?: string }) => this.warn(new Error(`server ${d?.server ?? '?'} failed`), 'connect'));
  }

  private k(key: string): string {
    return safeKey(this.ns, key);
  }

  async get(key: string): Promise<CacheValue | null> {
    try {
      const v = await bounded<unknown>((done) => this.client.get(this.k(key), done), this.timeoutMs);
      if (v === undefined || v === null || v === false) return null;
      return Buffer.isBuffer(v) ? v : typeof v === 'string' ? v : String(v);
    } catch (err) {
      this.warn(err, 'get');
      return null;
    }
  }

  async set(key: string, value: CacheValue, ttlSeconds: number): Promise<void> {
    try {
      await bounded<boolean>((done) => this.client.set(this.k(key), value, Math.max(1, Math.round(ttlSeconds)), done), this.timeoutMs);
    } catch (err) {
      this.warn(err, 'set');
    }
  }

  async delete(key: string): Promise<boolean> {
    try {
      await bounded<boolean>((done) => this.client.del(this.k(key), done), this.timeoutMs);
      return true;
    } catch (err) {
      this.warn(err, 'delete');
      return false;
    }
  }

  async incr(key: string, ttlSeconds: number): Promise<number | null> {
    const k = this.k(key);
    const ttl = Math.max(1, Math.round(ttlSeconds));
    try {
      // incr answers false for a missing key; add makes it unless another
      // process made it meanwhile (then its incr counts this one).
      for (let attempt = 0; attempt < 3; attempt++) {
        const n = await bounded<number | boolean>((done) => this.client.incr(k, 1, done as never), this.timeoutMs);
        if (typeof n === 'number') return n;
        const added = await bounded<boolean>((done) => this.client.add(k, '1', ttl, done), this.timeoutMs).catch(() => false);
        if (added) return 1;
      }
      return null;
    } catch (err) {
      this.warn(err, 'incr');
      return null;
    }
  }

  /** A version call to every server: ok only when all answer. */
  async ping(): Promise<CacheProbe> {
    const started = Date.now();
    try {
      const versions = await bounded<Array<Record<string, unknown>>>(
        (done) => this.client.version(done as never),
        Math.max(this.timeoutMs, 1000),
      );
      const answered = (versions ?? []).filter((v) => v && v.version).length;
      if (answered < this.servers.length)
        throw new Error(`${answered} of ${this.servers.length} memcached server(s) answered (${this.servers.join(', ')})`);
      return { ok: true, kind: 'memcached', ms: Date.now() - started };
    } catch (err) {
      return { ok: false, kind: 'memcached', error: `${(err as Error).message} (${this.servers.join(', ')})` };
    }
  }

  async close(): Promise<void> {
    this.client.end();
    // The package's outage bookkeeping (IssueLog) keeps timers — a 5-minute
    // failures reset and retry/reconnect attempts that schedule the next —
    // and end() leaves them: a command that met a down server would not exit.
    const issues =
      (this.client as unknown as { issues?: Record<string, { failuresResetId?: NodeJS.Timeout; closed?: boolean }> }).issues ?? {};
    for (const issue of Object.values(issues)) {
      clearTimeout(issue.failuresResetId);
      issue.closed = true;
    }
  }
}
