// The sign-in audit (issue 16 item 8): who signed in or failed to, signed
// out, and what changed on an account — its password, email, second factor,
// roles, state — with the address and user agent it came from.
//
// Recorded by the service that makes the change, in the change's own
// transaction when it has one (a role granted and its event commit together).
// Read by /admin/security (every event, filtered) and /account (a user's
// own). Purged by age by the housekeeping.retention job
// (retention.authEventDays).
//
// What MUST hold: a failed sign-in's reason is recorded here and nowhere
// else; the person is only ever told "invalid email or password".
import type { Database, Transaction } from '#app/db/connection';
import { msg, type Text } from '#app/i18n/message';
import { zonedToUtc, parseDate } from '#app/services/time';
import { deviceOf, type Device } from '#app/services/user-agent';
import type { OidcRefusal } from '#app/services/oidc';
import { pageNumber, paramReader, queryString } from '#app/services/query-params';

/**
 * Why a sign-in failed (kept for admins; extend the union for new ways to
 * fail): the password's, the second step's (a wrong or throttled code, the
 * step expired, a password for an account that must use single sign-on), and
 * single sign-on's refusals (services/oidc). Each has its words under
 * admin.security.reasons (i18n-keys: admin.security.reasons.*).
 */
export type SignInFailure =
  'unknown_email' | 'bad_password' | 'disabled' | 'throttled' | 'wrong_code' | 'step_expired' | 'password_off' | OidcRefusal;

/** Done by an administrator (their user id), not by the user themself. */
interface By {
  by?: number;
}

/**
 * Every kind of event and what its `detail` holds. Adding a kind: a line
 * here, the kind in AUTH_EVENT_KINDS below (the compiler asks for it), and
 * its words under `security.kinds` in locales/{en,ru}/admin.json, nested at
 * the dot (`kinds.sign_in.ok`; test/integration/auth.events-recorded.test.ts
 * asks for them).
 */
export interface AuthEventDetails {
  'sign_in.ok': { method?: string };
  'sign_in.failed': { reason: SignInFailure; method?: string };
  sign_out: Record<string, never>;
  /** Sessions of the user ended from /account ("sign out this one / all others"), or by an administrator. */
  'session.ended': By & { count: number };
  'password.changed': By;
  /** Asked on /password/forgot (no `by`), or sent by an administrator from the user's page. */
  'password.reset_requested': By;
  /** A new password through a mailed link (no `by`), or set by an administrator. */
  'password.reset': By;
  'email.change_requested': { to: string };
  /** Through the mailed link (no `by`), or set by an administrator. */
  'email.changed': By & { from: string; to: string };
  'factor.enrolled': By & { factor: string };
  'factor.used': { factor: string };
  'factor.reset': By & { factor: string };
  'role.granted': By & { role: string };
  'role.revoked': By & { role: string };
  'user.disabled': By;
  'user.enabled': By;
}

export type AuthEventKind = keyof AuthEventDetails;
// i18n-keys: admin.security.kinds.* admin.security.reasons.*

/** Every kind, in the order the filter lists them. */
export const AUTH_EVENT_KINDS = [
  'sign_in.ok',
  'sign_in.failed',
  'sign_out',
  'session.ended',
  'password.changed',
  'password.reset_requested',
  'password.reset',
  'email.change_requested',
  'email.changed',
  'factor.enrolled',
  'factor.used',
  'factor.reset',
  'role.granted',
  'role.revoked',
  'user.disabled',
  'user.enabled',
] as const satisfies readonly AuthEventKind[];

// A kind missing from the list above fails to compile here.
type Unlisted = Exclude<AuthEventKind, (typeof AUTH_EVENT_KINDS)[number]>;
const everyKindListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyKindListed;

/** Where a request came from. */
export interface Origin {
  ip?: string | null;
  userAgent?: string | null;
}

/** One event to record; `detail` may be left out when its kind has nothing required. */
export type AuthEventInput = {
  [K in AuthEventKind]: {
    kind: K;
    userId?: number | null;
    /** The account's email, or the one typed at a failed sign-in. */
    email?: string | null;
    origin?: Origin | null;
  } & (Record<never, never> extends AuthEventDetails[K] ? { detail?: AuthEventDetails[K] } : { detail: AuthEventDetails[K] });
}[AuthEventKind];

export interface AuthEventRow {
  id: number;
  at: Date;
  kind: string;
  user_id: number | null;
  /** The user's email now (null when the event names no user, or the user is gone). */
  user_email: string | null;
  /** The email the event was recorded with. */
  email: string | null;
  ip: string | null;
  user_agent: string | null;
  device: Device;
  detail: Record<string, unknown>;
  /** The administrator's email, when one did it. */
  by_email: string | null;
}

export const PAGE_SIZE = 50;
const MAX_PAGE = 10_000;

export interface AuthEventQuery {
  kind: string;
  /** A user id or an email (the account's or the one typed). */
  user: string;
  /** Dates (YYYY-MM-DD) in the viewer's time zone, both days included. */
  from: string;
  to: string;
  page: number;
}

export interface AuthEventPage {
  rows: AuthEventRow[];
  page: number;
  hasNext: boolean;
}

const INSERT = `insert into auth_events (kind, user_id, email, ip, user_agent, detail) values ($1, $2, $3, $4, $5, $6)`;

const SELECT = `select e.id, e.at, e.kind, e.user_id, u.email as user_email, e.email, e.ip, e.user_agent, e.detail, b.email as by_email
    from auth_events e
    left join users u on u.id = e.user_id
    left join users b on b.id = case when jsonb_typeof(e.detail->'by') = 'number' then (e.detail->>'by')::bigint end`;

type Row = Omit<AuthEventRow, 'device'>;
const withDevice = (r: Row): AuthEventRow => ({ ...r, device: deviceOf(r.user_agent) });

export function parseAuthEventQuery(params: Record<string, unknown>): AuthEventQuery {
  const one = paramReader(params);
  return {
    kind: one('kind').slice(0, 60),
    user: one('user').slice(0, 320),
    from: one('from').slice(0, 10),
    to: one('to').slice(0, 10),
    page: pageNumber(one('page'), MAX_PAGE),
  };
}

/** The query as URL parameters, with `changes` applied (pagination links). */
export const authEventParams = (q: AuthEventQuery, changes: Partial<Record<keyof AuthEventQuery, string | number>> = {}): string =>
  queryString(q, changes);

/** The next day of a YYYY-MM-DD date. */
function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export class AuthEvents {
  constructor(private readonly db: Database) {}

  /** Address → when its throttle lets go (this process's memory of throttled sign-ins it recorded). */
  private readonly throttledUntil = new Map<string, number>();

  /**
   * A sign-in the throttle refused: recorded once per address while the
   * throttle holds it (per process). An attack then writes one row, not one
   * per refused guess: refusing stays a read, as the throttle means it to be.
   */
  async recordThrottled(email: string, origin: Origin, retryAfterSeconds: number): Promise<void> {
    const now = Date.now();
    const key = origin.ip ?? '';
    if ((this.throttledUntil.get(key) ?? 0) > now) return;
    if (this.throttledUntil.size >= 10_000) this.throttledUntil.clear();
    this.throttledUntil.set(key, now + retryAfterSeconds * 1000);
    await this.record({ kind: 'sign_in.failed', email, origin, detail: { reason: 'throttled' } });
  }

  /** Records one event (in `t` when given: it commits or rolls back with the change). */
  async record(event: AuthEventInput, t?: Transaction): Promise<void> {
    const cut = (v: string | null | undefined, n: number) => (v ? v.slice(0, n) : null);
    await this.db.exec(
      INSERT,
      [
        event.kind,
        event.userId ?? null,
        cut(event.email, 320),
        cut(event.origin?.ip, 100),
        cut(event.origin?.userAgent, 500),
        JSON.stringify(event.detail ?? {}),
      ],
      t,
    );
  }

  /** A user's own latest events, newest first. */
  async recent(userId: number, limit = 20): Promise<AuthEventRow[]> {
    const rows = await this.db.rows<Row>(`${SELECT} where e.user_id = $1 order by e.at desc, e.id desc limit $2`, [userId, limit]);
    return rows.map(withDevice);
  }

  /**
   * One page of events, newest first. A filter that cannot be applied (an
   * unknown kind, a bad date) is a field error keyed by its parameter, and
   * no rows are read: it must not look like "nothing happened".
   */
  async search(q: AuthEventQuery, timeZone: string): Promise<{ page: AuthEventPage; errors: Record<string, Text> }> {
    const errors: Record<string, Text> = {};
    const where: string[] = [];
    const bind: unknown[] = [];
    const param = (v: unknown) => {
      bind.push(v);
      return `$${bind.length}`;
    };
    if (q.kind) {
      if ((AUTH_EVENT_KINDS as readonly string[]).includes(q.kind)) where.push(`e.kind = ${param(q.kind)}`);
      else errors.kind = msg('admin.security.errors.kind');
    }
    if (q.user) {
      if (/^\d{1,15}$/.test(q.user)) where.push(`e.user_id = ${param(Number(q.user))}`);
      else if (q.user.includes('@')) {
        // The account with that email, or what was typed at a sign-in.
        const email = param(q.user.toLowerCase());
        where.push(`(lower(e.email) = ${email} or e.user_id = (select id from users where lower(email) = ${email}))`);
      } else errors.user = msg('admin.security.errors.user');
    }
    for (const k of ['from', 'to'] as const) {
      if (!q[k]) continue;
      const day = parseDate(q[k]);
      // The first instant of the day, or of the day after `to`: both days are included.
      const at = day && zonedToUtc(`${k === 'from' ? day : nextDay(day)}T00:00`, timeZone);
      if (!at) errors[k] = msg('admin.security.errors.date');
      else where.push(k === 'from' ? `e.at >= ${param(at)}` : `e.at < ${param(at)}`);
    }
    if (Object.keys(errors).length) return { page: { rows: [], page: q.page, hasNext: false }, errors };

    const limit = param(PAGE_SIZE + 1);
    const offset = param((q.page - 1) * PAGE_SIZE);
    const rows = await this.db.rows<Row>(
      `${SELECT} ${where.length ? `where ${where.join(' and ')}` : ''} order by e.at desc, e.id desc limit ${limit} offset ${offset}`,
      bind,
    );
    return { page: { rows: rows.slice(0, PAGE_SIZE).map(withDevice), page: q.page, hasNext: rows.length > PAGE_SIZE }, errors };
  }
}
