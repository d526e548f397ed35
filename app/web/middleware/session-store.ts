// express-session store on the `sessions` table: sessions survive restarts
// and are shared by every web process. The user id is kept in its own column
// so disabling a user or resetting a password can end their sessions.
// A session also ends `maxLifetimeMs` after its sign-in (the time it keeps
// in `client.signedInAt`), however much it is used (ASVS 5.0 7.3.2).
import session from 'express-session';
import { prepared, type Database } from '#app/db/connection';
import { unreadCountSql } from '#app/services/notifications';
import { sessionUserSql, toSessionUser, type SessionUser, type SessionUserRow } from '#app/services/users';

type Callback<T = void> = (err?: unknown, value?: T) => void;

/** An unchanged session's expiry is written at most once per this step. */
export const TOUCH_STEP_MS = 5 * 60_000;

function userIdOf(data: session.SessionData): number | null {
  const id = (data as unknown as { passport?: { user?: unknown } }).passport?.user;
  return typeof id === 'number' ? id : null;
}

/** A session's user as read with the session, for the same request's passport. */
export interface PreloadedUser {
  user: SessionUser;
  /** Unread notices, counted up to UNREAD_COUNT_CAP. */
  unread: number;
}

// Taken in the same tick as the read; an entry older than this was never taken.
const PRELOAD_MAX_AGE_MS = 1_000;

const GET = prepared(
  `select s.data, s.expires_at, su.id, su.email, su.display_name, su.is_superuser, su.time_zone, su.locale, su.roles,
          ${unreadCountSql('su.id')} as unread
     from sessions s
     left join lateral (${sessionUserSql('s.user_id')}) su on true
    where s.sid = $1 and s.expires_at > now()`,
);
const SET = prepared(
  `insert into sessions (sid, user_id, data, expires_at) values ($1, $2, $3, $4)
   on conflict (sid) do update set user_id = excluded.user_id, data = excluded.data, expires_at = excluded.expires_at`,
);

export class PostgresSessionStore extends session.Store {
  constructor(
    private readonly db: Database,
    private readonly defaultMaxAgeMs: number,
    private readonly maxLifetimeMs = Infinity,
  ) {
    super();
  }

  /** Signed in longer ago than the absolute lifetime allows. */
  private outlived(data: session.SessionData): boolean {
    const at = Date.parse((data as { client?: { signedInAt?: string } }).client?.signedInAt ?? '');
    return Date.now() - at > this.maxLifetimeMs;
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

  /**
   * Users read together with their sessions (one statement instead of three:
   * the session, its user with roles, the bell's count), waiting for the same
   * request's passport to take them; see takeUser.
   */
  private readonly preloaded = new Map<string, PreloadedUser & { at: number }>();

  override get(sid: string, cb: Callback<session.SessionData | null>): void {
    this.db
      .rows<{ data: session.SessionData; expires_at: Date; unread: number | null } & Partial<SessionUserRow>>(GET, [sid])
      .then((rows) => {
        const row = rows[0];
        if (row && this.outlived(row.data)) return this.destroy(sid, (err) => cb(err, null));
        if (row) {
          this.remember(sid, row.expires_at.getTime());
          if (row.id != null) {
            if (this.preloaded.size >= 10_000) this.preloaded.clear();
            this.preloaded.set(sid, { user: toSessionUser(row as SessionUserRow), unread: row.unread ?? 0, at: Date.now() });
          } else {
            this.preloaded.delete(sid);
          }
        }
        cb(null, row?.data ?? null);
      }, cb);
  }

  /**
   * The user read with session `sid` by this request's `get`, when it is user
   * `userId` and fresh; taken once. Undefined means: read the user yourself
   * (another request of the same session took it, or the session has none).
   */
  takeUser(sid: string, userId: number): PreloadedUser | undefined {
    const hit = this.preloaded.get(sid);
    if (!hit) return undefined;
    this.preloaded.delete(sid);
    if (hit.user.id !== userId || Date.now() - hit.at > PRELOAD_MAX_AGE_MS) return undefined;
    return { user: hit.user, unread: hit.unread };
  }

  override set(sid: string, data: session.SessionData, cb?: Callback): void {
    this.remember(sid, this.expiry(data).getTime());
    this.db.exec(SET, [sid, userIdOf(data), JSON.stringify(data), this.expiry(data)]).then(
      () => cb?.(),
      (err) => cb?.(err),
    );
  }

  override destroy(sid: string, cb?: Callback): void {
    this.written.delete(sid);
    this.preloaded.delete(sid);
    this.db.exec('delete from sessions where sid = $1', [sid]).then(
      () => cb?.(),
      (err) => cb?.(err),
    );
  }

  override touch(sid: string, data: session.SessionData, cb?: Callback): void {
    const expires = this.expiry(data);
    const last = this.written.get(sid);
    if (last !== undefined && expires.getTime() - last < TOUCH_STEP_MS) return void cb?.();
    this.remember(sid, expires.getTime());
    this.db.exec('update sessions set expires_at = $2 where sid = $1', [sid, expires]).then(
      () => cb?.(),
      (err) => cb?.(err),
    );
  }

  /** Housekeeping: drop expired sessions. */
  purgeExpired(): Promise<number> {
    return this.db.exec('delete from sessions where expires_at <= now()');
  }
}
