// Login throttling that slows guessing without locking the real user out.
//
// Attempts are counted in windows of auth.throttle.windowMinutes, three ways:
// - per account from one address (or, for a trusted device, from that device);
// - per address, over all accounts;
// - per account from untrusted devices (a distributed guess).
// A device becomes trusted when it signs in successfully: it gets a signed
// cookie for that account (OWASP's "device cookie"). A trusted device is
// counted on its own, so an attacker's failures elsewhere never lock it out.
//
// What MUST hold: an attempt RESERVES its place before the password is
// checked, with one statement that adds 1 to each of its counters and returns
// the new counts (an upsert locks the counter's row, so parallel attempts are
// counted one after the other). Only an attempt whose counts are all within
// the limits is checked; one over a limit gives its places back and is
// refused. A failure keeps its places (it is the failure's record); a success
// clears the account's counter from this address or device and gives back
// its places in the others. Checking first and recording after let parallel
// guesses all through (issue 16).
//
// Password reset requests (/password/forgot) are counted the same way, in
// counters of their own: per address and per account (the email typed,
// whether or not an account has it, so the count tells nothing), and a
// request keeps its place — asking is not a failure, but it sends mail.
//
// A window starts with the first attempt after the last window ended (a fixed
// window per counter, not a sliding one): at most `limit` checked guesses per
// window and counter.
import crypto from 'node:crypto';
import type { Settings } from '#app/config';
import type { Database } from '#app/db/connection';
import { msg } from '#app/i18n/message';
import { ThrottledError } from '#app/services/errors';

export interface Attempt {
  email: string;
  ip: string;
  /** The device cookie sent with the attempt, if any. */
  deviceCookie?: string | null;
  /**
   * What is guessed: the password (default) or a second-factor code. Codes
   * count against the same limits on counters of their own (the address's
   * counter is shared), so a right password, which clears the password's
   * failures, never clears the failures of the codes that follow it.
   */
  secret?: 'password' | 'code';
}

interface Counter {
  scope: 'account+ip' | 'account+device' | 'ip' | 'account' | 'reset+ip' | 'reset+account';
  key: string;
  limit: number;
}

interface Held extends Counter {
  count: number;
  /** The window's start as the database wrote it (a JS Date would drop the microseconds). */
  windowStart: string;
  /** Seconds until this counter's window ends. */
  retryAfter: number;
}

/** The places an attempt holds while its password is checked. */
export interface Reservation {
  held: Held[];
}

// A counter whose window ended starts again at 1. The SET expressions read
// the row as it was, so count and window_start reset together.
const RESERVE = `
  insert into login_counters as c (scope, key, count, window_start)
  select t.scope, t.key, 1, now() from unnest($1::text[], $2::text[]) with ordinality as t(scope, key, n) order by t.n
  on conflict (scope, key) do update set
    count = case when c.window_start <= now() - make_interval(mins => $3) then 1 else c.count + 1 end,
    window_start = case when c.window_start <= now() - make_interval(mins => $3) then now() else c.window_start end
  returning c.scope, c.key, c.count, c.window_start::text as window_start,
    ceil(extract(epoch from c.window_start + make_interval(mins => $3) - now()))::int as retry_after`;

// Locks its rows in the order given (the same order RESERVE used), so it
// cannot deadlock with a reservation; a window that ended since is left alone.
const GIVE_BACK = `
  with mine as (
    select c.scope, c.key from login_counters c
      join unnest($1::text[], $2::text[], $3::timestamptz[]) with ordinality as t(scope, key, window_start, n)
        on c.scope = t.scope and c.key = t.key and c.window_start = t.window_start
     where c.count > 0
     order by t.n
       for update of c
  )
  update login_counters c set count = c.count - 1 from mine where c.scope = mine.scope and c.key = mine.key`;

const FULL = `
  select c.scope, c.key, c.count, ceil(extract(epoch from c.window_start + make_interval(mins => $3) - now()))::int as retry_after
    from login_counters c join unnest($1::text[], $2::text[]) as t(scope, key) on c.scope = t.scope and c.key = t.key
   where c.window_start > now() - make_interval(mins => $3)`;

function throttled(over: Array<{ retryAfter: number }>, key = 'accounts.throttled'): ThrottledError {
  const seconds = Math.max(1, ...over.map((c) => c.retryAfter));
  const minutes = Math.ceil(seconds / 60);
  return new ThrottledError(msg(key, { count: minutes }), seconds);
}

export class LoginThrottle {
  constructor(
    private readonly db: Database,
    private readonly settings: Settings,
  ) {}

  private sign(email: string, nonce: string): string {
    return crypto.createHmac('sha256', this.settings.secretKey).update(`device:${email.toLowerCase()}:${nonce}`).digest('base64url');
  }

  /** A new device cookie value for an account. */
  issueDevice(email: string): string {
    const nonce = crypto.randomBytes(12).toString('base64url');
    return `${nonce}.${this.sign(email, nonce)}`;
  }

  /** The device id when the cookie is valid for this account, else null. */
  trustedDevice(email: string, cookie: string | null | undefined): string | null {
    if (!cookie) return null;
    // The cookie may hold several accounts' tokens separated by '|'.
    for (const token of cookie.split('|')) {
      const [nonce, mac] = token.split('.');
      if (!nonce || !mac) continue;
      const expected = this.sign(email, nonce);
      if (mac.length === expected.length && crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) return nonce;
    }
    return null;
  }

  private countersFor(a: Attempt): Counter[] {
    const t = this.settings.auth.throttle;
    // Bounded: a key is indexed, and an "email" may be a megabyte of anything.
    const email = a.email.toLowerCase().slice(0, 320);
    const ip = a.ip.slice(0, 100);
    const device = this.trustedDevice(email, a.deviceCookie);
    const account = a.secret === 'code' ? `code:${email}` : email;
    // Always in this order (account+…, ip, account): parallel attempts lock
    // their rows in the same order and cannot deadlock.
    if (device) return [{ scope: 'account+device', key: `${device} ${account}`, limit: t.perAccountAndIp }];
    return [
      { scope: 'account+ip', key: `${ip} ${account}`, limit: t.perAccountAndIp },
      { scope: 'ip', key: ip, limit: t.perIp },
      { scope: 'account', key: account, limit: t.perAccountUntrusted },
    ];
  }

  /**
   * Reserves this attempt's place in each of its counters; throws
   * ThrottledError (places given back) when one is over its limit, so the
   * password must not even be checked.
   */
  reserve(a: Attempt): Promise<Reservation> {
    return this.reserveIn(this.countersFor(a));
  }

  /** A password reset asked for: its places, kept; ThrottledError (with a reset's words) over a limit. */
  async reserveReset(email: string, ip: string): Promise<void> {
    const r = this.settings.auth.passwordReset;
    // Always in this order: parallel requests lock their rows alike.
    const counters: Counter[] = [
      { scope: 'reset+ip', key: ip.slice(0, 100), limit: r.perIp },
      { scope: 'reset+account', key: email.toLowerCase().slice(0, 320), limit: r.perAccount },
    ];
    await this.reserveIn(counters, 'accounts.resetThrottled');
  }

  private async reserveIn(counters: Counter[], words?: string): Promise<Reservation> {
    await this.refuseIfFull(counters, words);
    const rows = await this.db.rows<{ scope: string; key: string; count: number; window_start: string; retry_after: number }>(RESERVE, [
      counters.map((c) => c.scope),
      counters.map((c) => c.key),
      this.settings.auth.throttle.windowMinutes,
    ]);
    const held = counters.map((c) => {
      const row = rows.find((r) => r.scope === c.scope && r.key === c.key)!;
      return { ...c, count: Number(row.count), windowStart: row.window_start, retryAfter: Number(row.retry_after) };
    });
    const over = held.filter((c) => c.count > c.limit);
    if (over.length) {
      await this.giveBack(held);
      throw throttled(over, words);
    }
    return { held };
  }

  /**
   * The cheap way to refuse during a sustained attack: a read, no write.
   * Only a shortcut; the reservation alone decides whether a password is checked.
   */
  private async refuseIfFull(counters: Counter[], words?: string): Promise<void> {
    const rows = await this.db.rows<{ scope: string; key: string; count: number; retry_after: number }>(FULL, [
      counters.map((c) => c.scope),
      counters.map((c) => c.key),
      this.settings.auth.throttle.windowMinutes,
    ]);
    const full = counters.flatMap((c) => {
      const row = rows.find((r) => r.scope === c.scope && r.key === c.key);
      return row && Number(row.count) >= c.limit ? [{ retryAfter: Number(row.retry_after) }] : [];
    });
    if (full.length) throw throttled(full, words);
  }

  /** After a success: forget the account's failures from here, give back the other places. */
  async succeeded(r: Reservation): Promise<void> {
    const [own, ...others] = r.held;
    await this.db.exec('delete from login_counters where scope = $1 and key = $2', [own.scope, own.key]);
    await this.giveBack(others);
  }

  private async giveBack(held: Held[]): Promise<void> {
    if (!held.length) return;
    await this.db.exec(GIVE_BACK, [held.map((c) => c.scope), held.map((c) => c.key), held.map((c) => c.windowStart)]);
  }

  /** Housekeeping: drop counters whose window ended. */
  async purge(): Promise<number> {
    return this.db.exec(`delete from login_counters where window_start < now() - make_interval(mins => $1)`, [
      this.settings.auth.throttle.windowMinutes,
    ]);
  }
}
