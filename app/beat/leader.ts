// Leadership of the beat: a PostgreSQL session advisory lock held on a
// dedicated connection. One beat per installation (schema) leads; others
// keep their own connection open and retry the lock each tick (hot standby).
// When the leader's connection dies — process killed, network gone, backend
// terminated — PostgreSQL releases the lock and a standby takes it on its
// next tick.
//
// What MUST hold: a leader whose lock connection fails stops calling itself
// leader at once (the 'error'/'end' events, and a checked round trip on
// every tick, which also catches a silently dead connection). The lock is an
// efficiency, not the guard against doubles: two beats that both believe
// they lead for a moment still fire each slot once (beat_runs' primary key).
import type pg from 'pg';
import { rawClient, type Database } from '#app/db/connection';
import type { Logger } from '#app/log';

export interface LeaderLock {
  /** True while this process holds the lock (as far as it knows). */
  readonly held: boolean;
  /** Takes (or confirms) leadership; resolves to whether it is held now. Never rejects. */
  acquire(): Promise<boolean>;
  /** Gives the lock back and closes the connection (graceful stop). */
  release(): Promise<void>;
}

export interface LeaderOptions {
  /** A round trip on the lock connection slower than this counts as a lost connection. */
  timeoutMs?: number;
}

/** The lock's name: one beat leader per installation (schema), even on a shared database. */
export function lockName(schema: string): string {
  return `orbis-beat:${schema}`;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export function createLeaderLock(db: Pick<Database, 'url' | 'schema'>, log: Logger, options: LeaderOptions = {}): LeaderLock {
  const name = lockName(db.schema);
  const timeoutMs = options.timeoutMs ?? 10_000;
  let client: pg.Client | null = null;
  let held = false;

  const drop = (c: pg.Client, why: string): void => {
    if (client !== c) return;
    if (held) log.warn({ reason: why }, 'beat: leadership lost');
    held = false;
    client = null;
    c.end().catch(() => undefined);
  };

  const connect = async (): Promise<pg.Client | null> => {
    const c = rawClient(db);
    // An 'error' without a listener would kill the process; with one, a lost
    // connection just ends this beat's leadership.
    c.on('error', (err) => drop(c, `lock connection error: ${err.message}`));
    c.on('end', () => drop(c, 'lock connection closed'));
    try {
      await withTimeout(c.connect(), timeoutMs, 'connecting for the beat lock');
    } catch (err) {
      log.warn({ error: (err as Error).message }, 'beat: cannot open the lock connection; retrying next tick');
      c.end().catch(() => undefined);
      return null;
    }
    client = c;
    return c;
  };

  return {
    get held() {
      return held;
    },
    async acquire() {
      const c = client ?? (await connect());
      if (!c) return false;
      try {
        if (held) {
          // Already ours: confirm the session (and so the lock) is alive.
          // Taking the lock again would nest it (advisory locks count).
          await withTimeout(c.query('select 1'), timeoutMs, 'checking the beat lock connection');
          return held;
        }
        const res = await withTimeout(c.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtext($1)) as ok', [name]), timeoutMs, 'taking the beat lock');
        if (client !== c) return false; // dropped while waiting
        held = res.rows[0].ok;
        if (held) log.info({ lock: name }, 'beat: leading');
        return held;
      } catch (err) {
        drop(c, (err as Error).message);
        return false;
      }
    },
    async release() {
      const c = client;
      if (!c) return;
      const wasHeld = held;
      held = false;
      client = null;
      try {
        if (wasHeld) await withTimeout(c.query('select pg_advisory_unlock(hashtext($1))', [name]), timeoutMs, 'releasing the beat lock');
      } catch {
        // Closing the connection below releases it anyway.
      }
      await c.end().catch(() => undefined);
    },
  };
}
