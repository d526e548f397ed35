// A user's own sessions on /account: where they signed in (device from the
// user agent, address), when, and when they were last seen; "sign out this
// one" and "sign out all others".
//
// A session is named on the page by a digest of its id, never by the id (a
// page must not carry what would let a script or a proxy log take the
// session over). Last seen comes from the stored expiry: the session store
// moves it on with every use, at most TOUCH_STEP_MS late
// (app/web/middleware/session-store.ts), so it costs no write.
import type { Settings } from '#app/config';
import type { Database } from '#app/db/connection';
import { tokenHash } from '#app/services/secret-box';
import type { AuthEvents, Origin } from '#app/services/auth-events';
import { deviceOf, type Device } from '#app/services/user-agent';

/** What a session keeps of the browser that signed in (app/web/controllers/auth.ts writes it at sign-in). */
export interface SessionClient {
  ip: string | null;
  userAgent: string | null;
  /** ISO time of the sign-in. */
  signedInAt: string;
}

export interface MySession {
  /** The digest that names it on the page. */
  id: string;
  current: boolean;
  ip: string | null;
  device: Device;
  signedInAt: Date | null;
  lastSeenAt: Date;
}

export function sessionDigest(sid: string): string {
  return tokenHash(sid).slice(0, 24);
}

export class AccountSessions {
  constructor(
    private readonly db: Database,
    private readonly events: AuthEvents,
    private readonly settings: Pick<Settings, 'auth'>,
  ) {}

  /** The user's live sessions, the current one first, then by last use. */
  async list(userId: number, currentSid: string): Promise<MySession[]> {
    const rows = await this.db.rows<{ sid: string; client: Partial<SessionClient> | null; expires_at: Date }>(
      `select sid, data->'client' as client, expires_at from sessions where user_id = $1 and expires_at > now() order by expires_at desc`,
      [userId],
    );
    const lengthMs = this.settings.auth.sessionHours * 3600_000;
    const sessions = rows.map((r) => ({
      id: sessionDigest(r.sid),
      current: r.sid === currentSid,
      ip: r.client?.ip ?? null,
      device: deviceOf(r.client?.userAgent),
      signedInAt: r.client?.signedInAt ? new Date(r.client.signedInAt) : null,
      lastSeenAt: r.sid === currentSid ? new Date() : new Date(Math.min(Date.now(), r.expires_at.getTime() - lengthMs)),
    }));
    return [...sessions.filter((s) => s.current), ...sessions.filter((s) => !s.current)];
  }

  /** Ends one other session of the user; false when there is none by that name (gone already, or another user's). */
  async end(userId: number, id: string, currentSid: string, origin: Origin): Promise<boolean> {
    const rows = await this.db.rows<{ sid: string }>('select sid from sessions where user_id = $1', [userId]);
    const target = rows.find((r) => sessionDigest(r.sid) === id && r.sid !== currentSid);
    if (!target) return false;
    return this.db.transaction(async (t) => {
      const n = await this.db.exec('delete from sessions where sid = $1 and user_id = $2', [target.sid, userId], t);
      if (n) await this.events.record({ kind: 'session.ended', userId, origin, detail: { count: n } }, t);
      return n > 0;
    });
  }

  /** An administrator ends every session of a user (ASVS 5.0 7.4.5); returns how many ended. */
  async endAll(userId: number, by: { userId: number; origin: Origin }): Promise<number> {
    return this.db.transaction(async (t) => {
      const n = await this.db.exec('delete from sessions where user_id = $1', [userId], t);
      const detail = { count: n, by: by.userId };
      await this.events.record({ kind: 'session.ended', userId, origin: by.origin, detail }, t);
      return n;
    });
  }

  /** Ends every session of the user but this one; returns how many ended. */
  async endOthers(userId: number, currentSid: string, origin: Origin): Promise<number> {
    return this.db.transaction(async (t) => {
      const n = await this.db.exec('delete from sessions where user_id = $1 and sid <> $2', [userId, currentSid], t);
      if (n) await this.events.record({ kind: 'session.ended', userId, origin, detail: { count: n } }, t);
      return n;
    });
  }
}
