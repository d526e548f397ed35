// Leadership of the beat: a PostgreSQL session advisory lock held on a
// dedicated connection, plus a lease in beat_status('leader') that the
// leader renews on every tick through that same connection. One beat per
// installation (schema) leads; others keep their own connection open and
// try again each tick (hot standby).
//
// How leadership passes:
// - The leader's connection dies (process killed, network gone, backend
//   terminated): PostgreSQL releases the lock; a standby takes it on its
//   next tick.
// - The leader freezes (SIGSTOP, a paused VM) with its connection open: the
//   lock stays held, but the lease goes stale. A standby that finds the lease
//   older than leaseSeconds ends the session recorded in the lease — only if
//   that session still holds this installation's lock, so never a newer
//   leader's — and takes the lock on the same tick.
// - Whoever takes the lock takes the lease with epoch + 1.
//
// What MUST hold:
// - A leader whose lock connection fails, or whose renewal finds another
//   epoch, stops calling itself leader at once and says so in the log.
// - A slot is written only under the current epoch (beat.ts checks it in the
//   slot's own transaction, with a share lock on the lease row that the
//   takeover's epoch bump waits for), so a leader that wakes after losing
//   the lease cannot fire one. beat_runs' primary key still decides doubles.
import type pg from 'pg';
import { rawClient, type Database } from '#app/db/connection';
import type { Logger } from '#app/log';

export interface LeaderLock {
  /** True while this process holds the lock (as far as it knows). */
  readonly held: boolean;
  /** The epoch of this leadership in beat_status('leader'); null while not leading. */
  readonly epoch: number | null;
  /** Takes, or confirms and renews, leadership; resolves to whether it is held now. Never rejects. */
  acquire(): Promise<boolean>;
  /** Gives leadership up at once (a fenced write found another epoch): closes the lock connection. */
  lose(reason: string): void;
  /** Gives the lock back and closes the connection (graceful stop). */
  release(): Promise<void>;
}

export interface LeaderOptions {
  /** Written to beat_status.holder (shown on /admin/system). */
  holder: string;
  /** A lease not renewed for this long is taken over by a standby. */
  leaseSeconds: number;
  /** A round trip on the lock connection slower than this counts as a lost connection. */
  timeoutMs?: number;
}

/** The lock's name: one beat leader per installation (schema), even on a shared database. */
export function lockName(schema: string): string {
  return `orbis-beat:${schema}`;
}

/**
 * pg_locks rows of this installation's beat lock in the current database
 * (advisory locks are per database, but pg_locks lists every database's).
 * $1 is the lock's name.
 */
export const LOCK_ROWS = `pg_locks l
  where l.locktype = 'advisory' and l.granted and l.objsubid = 1
    and l.database = (select oid from pg_database where datname = current_database())
    and l.objid::bigint = (hashtext($1)::bigint & 4294967295)`;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export function createLeaderLock(db: Pick<Database, 'url' | 'schema'>, log: Logger, options: LeaderOptions): LeaderLock {
  const name = lockName(db.schema);
  const { holder, leaseSeconds } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let client: pg.Client | null = null;
  let held = false;
  let epoch: number | null = null;

  const drop = (c: pg.Client, why: string): void => {
    if (client !== c) return;
    if (held) log.warn({ reason: why, epoch }, 'beat: leadership lost; standing by');
    held = false;
    epoch = null;
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

  const query = <R extends pg.QueryResultRow>(c: pg.Client, sql: string, params: unknown[], what: string) =>
    withTimeout(c.query<R>(sql, params), timeoutMs, what);

  const tryLock = async (c: pg.Client): Promise<boolean> =>
    (await query<{ ok: boolean }>(c, 'select pg_try_advisory_lock(hashtext($1)) as ok', [name], 'taking the beat lock')).rows[0].ok;

  /** Ends the lock session of a leader whose lease is stale; true if one was ended. */
  const endStaleLeader = async (c: pg.Client): Promise<boolean> => {
    // pg_terminate_backend's second argument waits for the session to be
    // gone, and with it the lock. Only the session named in the stale lease
    // and still holding the lock is ended: a standby that read the lease a
    // moment before another standby took over ends nothing.
    const { rows } = await query<{ holder: string; age: number; ended: boolean }>(
      c,
      `select s.holder, extract(epoch from now() - s.heartbeat_at)::float8 as age, pg_terminate_backend(s.pid, $3) as ended
         from beat_status s
        where s.name = 'leader' and s.heartbeat_at < now() - make_interval(secs => $2)
          and s.pid in (select l.pid from ${LOCK_ROWS})`,
      [name, leaseSeconds, Math.max(1000, Math.floor(timeoutMs / 2))],
      'ending a stale beat leader',
    );
    if (!rows.length) return false;
    const [r] = rows;
    log.warn(
      { stale: r.holder, leaseAgeSeconds: Math.round(r.age), leaseSeconds },
      `beat: the leader's lease is stale (frozen or cut off): ending its lock session and taking over`,
    );
    return r.ended;
  };

  const takeLease = async (c: pg.Client): Promise<number> => {
    const { rows } = await query<{ epoch: string }>(
      c,
      `insert into beat_status (name, holder, heartbeat_at, epoch, pid) values ('leader', $1, now(), 1, pg_backend_pid())
       on conflict (name) do update set holder = excluded.holder, heartbeat_at = excluded.heartbeat_at, epoch = beat_status.epoch + 1, pid = excluded.pid
       returning epoch`,
      [holder],
      'taking the beat lease',
    );
    return Number(rows[0].epoch);
  };

  return {
    get held() {
      return held;
    },
    get epoch() {
      return epoch;
    },
    async acquire() {
      const c = client ?? (await connect());
      if (!c) return false;
      try {
        if (held) {
          // Already ours: renew the lease. It also proves the session (and
          // so the lock) alive; taking the lock again would nest it.
          const res = await query(
            c,
            `update beat_status set heartbeat_at = now(), holder = $2 where name = 'leader' and epoch = $1 and pid = pg_backend_pid()`,
            [epoch, holder],
            'renewing the beat lease',
          );
          if (client !== c) return false;
          if (res.rowCount !== 1) drop(c, 'another beat took over the lease (this one was stalled longer than beat.leaseSeconds)');
          return held;
        }
        let ok = await tryLock(c);
        if (!ok && (await endStaleLeader(c))) ok = await tryLock(c);
        if (client !== c) return false; // dropped while waiting
        if (!ok) return false;
        try {
          epoch = await takeLease(c);
        } catch (err) {
          await query(c, 'select pg_advisory_unlock(hashtext($1))', [name], 'releasing the beat lock').catch(() => undefined);
          throw err;
        }
        held = true;
        log.info({ lock: name, epoch }, 'beat: leading');
        return true;
      } catch (err) {
        drop(c, (err as Error).message);
        return false;
      }
    },
    lose(reason) {
      if (client) drop(client, reason);
      held = false;
      epoch = null;
    },
    async release() {
      const c = client;
      if (!c) return;
      const wasHeld = held;
      held = false;
      epoch = null;
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
