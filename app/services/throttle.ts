// Login throttling that slows guessing without locking the real user out.
//
// Failures are counted in a sliding window, three ways:
// - per account from one address (or, for a trusted device, from that device);
// - per address, over all accounts;
// - per account from untrusted devices (a distributed guess).
// A device becomes trusted when it signs in successfully: it gets a signed
// cookie for that account (OWASP's "device cookie"). A trusted device is
// counted on its own, so an attacker's failures elsewhere never lock it out.
import crypto from 'node:crypto';
import type { Settings } from '#app/config';
import type { Database } from '#app/db/connection';
import { ThrottledError } from '#app/services/errors';

export interface Attempt {
  email: string;
  ip: string;
  /** The device cookie sent with the attempt, if any. */
  deviceCookie?: string | null;
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

  /** Throws ThrottledError when this attempt must not even be checked. */
  async check(a: Attempt): Promise<void> {
    const t = this.settings.auth.throttle;
    const email = a.email.toLowerCase();
    const device = this.trustedDevice(email, a.deviceCookie);
    const since = `now() - make_interval(mins => ${t.windowMinutes})`;
    const [row] = await this.db.rows<{ mine: number; ip_all: number; untrusted: number; oldest: Date | null }>(
      `select
         count(*) filter (where email = $1 and (case when $3::text is null then ip = $2 and device is null else device = $3 end)) as mine,
         count(*) filter (where ip = $2 and device is null) as ip_all,
         count(*) filter (where email = $1 and device is null) as untrusted,
         min(at) as oldest
       from login_failures where at > ${since} and (email = $1 or ip = $2)`,
      [email, a.ip, device],
    );
    const over =
      Number(row.mine) >= t.perAccountAndIp ||
      (!device && (Number(row.ip_all) >= t.perIp || Number(row.untrusted) >= t.perAccountUntrusted));
    if (over) {
      const minutes = t.windowMinutes;
      throw new ThrottledError(`Too many failed sign-ins. Try again in ${minutes} minutes.`, minutes * 60);
    }
  }

  async recordFailure(a: Attempt): Promise<void> {
    const email = a.email.toLowerCase();
    await this.db.exec('insert into login_failures (email, ip, device) values ($1, $2, $3)', [
      email,
      a.ip,
      this.trustedDevice(email, a.deviceCookie),
    ]);
  }

  /** After a success: forget this account's failures from this address or device. */
  async recordSuccess(a: Attempt): Promise<void> {
    const email = a.email.toLowerCase();
    await this.db.exec('delete from login_failures where email = $1 and (ip = $2 or device = $3)', [
      email,
      a.ip,
      this.trustedDevice(email, a.deviceCookie),
    ]);
  }

  /** Housekeeping: drop failures older than the window. */
  async purge(): Promise<number> {
    return this.db.exec(`delete from login_failures where at < now() - make_interval(mins => $1)`, [
      this.settings.auth.throttle.windowMinutes,
    ]);
  }
}
