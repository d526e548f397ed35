// express-session store on the `sessions` table: sessions survive restarts
// and are shared by every web process. The user id is kept in its own column
// so disabling a user or resetting a password can end their sessions.
import session from 'express-session';
import type { Database } from '#app/db/connection';

type Callback<T = void> = (err?: unknown, value?: T) => void;

/** An unchanged session's expiry is written at most once per this step. */
export const TOUCH_STEP_MS = 5 * 60_000;

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

  /**
   * The expiry last written per session (bounded): express-session touches
   * every unchanged session on every request, and a write per page view
   * cost a list page a fifth of its time. The expiry is written again only
   * when it moved by more than TOUCH_STEP_MS, which keeps sessions alive
   * within that margin of the configured length.
   */
  private readonly written = new Map<string, number>();

  private remember(sid: string, expiresMs: number): void {
    if (this.written.size >= 50_000) this.written.clear();
    this.written.set(sid, expiresMs);
  }

  override get(sid: string, cb: Callback<session.SessionData | null>): void {
    this.db
      .rows<{ data: session.SessionData; expires_at: Date }>('select data, expires_at from sessions where sid = $1 and expires_at > now()', [sid])
      .then((rows) => {
        if (rows[0]) this.remember(sid, rows[0].expires_at.getTime());
        cb(null, rows[0]?.data ?? null);
      }, cb);
  }

  override set(sid: string, data: session.SessionData, cb?: Callback): void {
    this.remember(sid, this.expiry(data).getTime());
    this.db
      .exec(
        `insert into sessions (sid, user_id, data, expires_at) values ($1, $2, $3, $4)
         on conflict (sid) do update set user_id = excluded.user_id, data = excluded.data, expires_at = excluded.expires_at`,
        [sid, userIdOf(data), JSON.stringify(data), this.expiry(data)],
      )
      .then(() => cb?.(), (err) => cb?.(err));
  }

  override destroy(sid: string, cb?: Callback): void {
    this.written.delete(sid);
    this.db.exec('delete from sessions where sid = $1', [sid]).then(() => cb?.(), (err) => cb?.(err));
  }

  override touch(sid: string, data: session.SessionData, cb?: Callback): void {
    const expires = this.expiry(data);
    const last = this.written.get(sid);
    if (last !== undefined && expires.getTime() - last < TOUCH_STEP_MS) return void cb?.();
    this.remember(sid, expires.getTime());
    this.db
      .exec('update sessions set expires_at = $2 where sid = $1', [sid, expires])
      .then(() => cb?.(), (err) => cb?.(err));
  }

  /** Housekeeping: drop expired sessions. */
  purgeExpired(): Promise<number> {
    return this.db.exec('delete from sessions where expires_at <= now()');
  }
}
