// express-session store on the `sessions` table: sessions survive restarts
// and are shared by every web process. The user id is kept in its own column
// so disabling a user or resetting a password can end their sessions.
import session from 'express-session';
import type { Database } from '#app/db/connection';

type Callback<T = void> = (err?: unknown, value?: T) => void;

function userIdOf(data: session.SessionData): number | null {
  const id = (data as unknown as { passport?: { user?: unknown } }).passport?.user;
  return typeof id === 'number' ? id : null;
}

export class PostgresSessionStore extends session.Store {
  constructor(
    private readonly db: Database,
    private readonly defaultMaxAgeMs: number,
  ) {
    super();
  }

  private expiry(data: session.SessionData): Date {
    const expires = data.cookie?.expires;
    return expires ? new Date(expires) : new Date(Date.now() + this.defaultMaxAgeMs);
  }

  override get(sid: string, cb: Callback<session.SessionData | null>): void {
    this.db
      .rows<{ data: session.SessionData }>('select data from sessions where sid = $1 and expires_at > now()', [sid])
      .then((rows) => cb(null, rows[0]?.data ?? null), cb);
  }

  override set(sid: string, data: session.SessionData, cb?: Callback): void {
    this.db
      .exec(
        `insert into sessions (sid, user_id, data, expires_at) values ($1, $2, $3, $4)
         on conflict (sid) do update set user_id = excluded.user_id, data = excluded.data, expires_at = excluded.expires_at`,
        [sid, userIdOf(data), JSON.stringify(data), this.expiry(data)],
      )
      .then(() => cb?.(), (err) => cb?.(err));
  }

  override destroy(sid: string, cb?: Callback): void {
    this.db.exec('delete from sessions where sid = $1', [sid]).then(() => cb?.(), (err) => cb?.(err));
  }

  override touch(sid: string, data: session.SessionData, cb?: Callback): void {
    this.db
      .exec('update sessions set expires_at = $2 where sid = $1', [sid, this.expiry(data)])
      .then(() => cb?.(), (err) => cb?.(err));
  }

  /** Housekeeping: drop expired sessions. */
  purgeExpired(): Promise<number> {
    return this.db.exec('delete from sessions where expires_at <= now()');
  }
}
