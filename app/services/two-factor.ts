// Second factors: TOTP (RFC 6238, otplib) with ten single-use recovery codes.
//
// What MUST hold:
// - The secret is sealed with the secret key (services/secret-box) and bound
//   to its user; it is shown only while enrolling, until the first code
//   confirms it.
// - A code is accepted once: the time step it matched is written with a
//   conditional UPDATE (`last_step < step`), so a replay within its window,
//   even sent in parallel, finds nothing to update. A recovery code is spent
//   the same way (`used_at is null`).
// - Codes at sign-in go through the login throttle like passwords (a wrong
//   code is a failure), on counters of their own (services/throttle,
//   `secret: 'code'`).
// - Recovery codes are kept as keyed hashes only; their plain text exists
//   once, in the answer that shows them.
import crypto from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import type { Settings } from '#app/config';
import type { Database, Transaction } from '#app/db/connection';
import { msg } from '#app/i18n/message';
import type { Logger } from '#app/log';
import type { Models } from '#app/models/registry';
import type { AuthEvents, Origin } from '#app/services/auth-events';
import { ThrottledError, ValidationError } from '#app/services/errors';
import { keyedHash, secretBox, type SecretBox } from '#app/services/secret-box';
import type { LoginThrottle } from '#app/services/throttle';

export const RECOVERY_CODES = 10;
/** No 0/O, 1/I/L: a code read off paper is typed right. */
const RECOVERY_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const RECOVERY_LENGTH = 10;
/** An enrolment not confirmed within this long starts again with a new secret. */
const ENROLMENT_MS = 60 * 60_000;
/** One time step either side: a phone's clock a little off still works. */
const TOLERANCE_SECONDS = 30;

export type SecondFactorUsed = 'totp' | 'recovery';

export interface TwoFactorStatus {
  enrolled: boolean;
  since: Date | null;
  recoveryLeft: number;
}

export interface Enrolment {
  /** Base32, for typing into an app that cannot scan. */
  secret: string;
  /** otpauth://totp/… for the QR code. */
  uri: string;
}

interface TotpRow {
  user_id: number;
  secret: string;
  confirmed_at: Date | null;
  last_step: number | null;
  created_at: Date;
}

/** Where a code comes from: the throttle's address and device, the audit's origin. */
export interface CodeSource {
  ip: string;
  deviceCookie?: string | null;
  userAgent?: string | null;
}

/** The user a code is checked for. */
export interface CodeOwner {
  id: number;
  email: string;
}

const originOf = (from: CodeSource): Origin => ({ ip: from.ip, userAgent: from.userAgent ?? null });

function newRecoveryCode(): string {
  let code = '';
  for (let i = 0; i < RECOVERY_LENGTH; i++) code += RECOVERY_ALPHABET[crypto.randomInt(RECOVERY_ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

const wrongCode = () => new ValidationError(msg('twofactor.wrongCode'), { code: msg('twofactor.wrongCode') });

export class TwoFactorService {
  private readonly box: SecretBox;
  private readonly hash: (value: string) => string;

  constructor(
    private readonly db: Database,
    private readonly models: Models,
    private readonly settings: Pick<Settings, 'secretKey' | 'auth'>,
    private readonly throttle: LoginThrottle,
    private readonly events: AuthEvents,
    private readonly log: Logger,
  ) {
    this.box = secretBox(settings.secretKey, 'totp secret');
    this.hash = keyedHash(settings.secretKey, 'recovery code');
  }

  private async row(userId: number): Promise<TotpRow | null> {
    const rows = await this.db.rows<TotpRow>(
      'select user_id, secret, confirmed_at, last_step, created_at from user_totp where user_id = $1',
      [userId],
    );
    return rows[0] ?? null;
  }

  async status(userId: number): Promise<TwoFactorStatus> {
    const row = await this.row(userId);
    if (!row?.confirmed_at) return { enrolled: false, since: null, recoveryLeft: 0 };
    const [left] = await this.db.rows<{ n: number }>(
      'select count(*)::int as n from user_recovery_codes where user_id = $1 and used_at is null',
      [userId],
    );
    return { enrolled: true, since: row.confirmed_at, recoveryLeft: left.n };
  }

  async isEnrolled(userId: number): Promise<boolean> {
    return Boolean((await this.row(userId))?.confirmed_at);
  }

  /**
   * The secret waiting for its first code: the one made for this user within
   * the last hour (a reload shows the same QR code), else a new one (not
   * with `create` false). Null when the user is enrolled already.
   */
  async enrolment(userId: number, email: string, create = true): Promise<Enrolment | null> {
    const row = await this.row(userId);
    if (row?.confirmed_at) return null;
    let secret = row && Date.now() - row.created_at.getTime() < ENROLMENT_MS ? this.openSecret(row) : null;
    if (!secret && !create) return null;
    if (!secret) {
      secret = generateSecret();
      await this.db.exec(
        `insert into user_totp (user_id, secret) values ($1, $2)
         on conflict (user_id) do update set secret = excluded.secret, created_at = now(), last_step = null
          where user_totp.confirmed_at is null`,
        [userId, this.box.seal(secret, `user:${userId}`)],
      );
    }
    return { secret, uri: generateURI({ issuer: this.settings.auth.twoFactor.issuer, label: email, secret }) };
  }

  /** Confirms the enrolment with a first code; returns the recovery codes, the only time they are readable. */
  async confirm(user: CodeOwner, code: string, origin: Origin): Promise<string[]> {
    const userId = user.id;
    const row = await this.row(userId);
    if (!row || row.confirmed_at) throw wrongCode();
    const step = await this.matchingStep(row, code);
    if (step === null) throw wrongCode();
    const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
    const confirmed = await this.db.transaction(async (t) => {
      const n = await this.db.exec(
        'update user_totp set confirmed_at = now(), last_step = $2 where user_id = $1 and confirmed_at is null',
        [userId, step],
        t,
      );
      if (n !== 1) return false;
      await this.replaceRecoveryCodes(userId, codes, t);
      await this.events.record({ kind: 'factor.enrolled', userId, email: user.email, origin, detail: { factor: 'totp' } }, t);
      return true;
    });
    if (!confirmed) throw wrongCode();
    return codes;
  }

  private async replaceRecoveryCodes(userId: number, codes: string[], transaction: Transaction): Promise<void> {
    await this.db.exec('delete from user_recovery_codes where user_id = $1', [userId], transaction);
    await this.db.exec(
      'insert into user_recovery_codes (user_id, code_hash) select $1, unnest($2::text[])',
      [userId, codes.map((c) => this.hash(c.replace('-', '')))],
      transaction,
    );
  }

  /**
   * The second step of a sign-in: a code from the app or a recovery code.
   * Throttled like a password; a wrong code keeps its place in the counters.
   */
  async verifySignIn(user: CodeOwner, code: string, from: CodeSource): Promise<SecondFactorUsed> {
    const used = await this.check(user, code, from);
    await this.events.record({ kind: 'factor.used', userId: user.id, email: user.email, origin: originOf(from), detail: { factor: used } });
    return used;
  }

  /** A code checked through the throttle; a failure is recorded with its reason. */
  private async check(user: CodeOwner, code: string, from: CodeSource): Promise<SecondFactorUsed> {
    const failed = (reason: 'wrong_code') =>
      this.events.record({ kind: 'sign_in.failed', userId: user.id, email: user.email, origin: originOf(from), detail: { reason } });
    const reservation = await this.throttle
      .reserve({ email: user.email, ip: from.ip, deviceCookie: from.deviceCookie, secret: 'code' })
      .catch(async (err: unknown) => {
        // Once per address while the throttle holds it, as for passwords: refusing stays a read.
        if (err instanceof ThrottledError) await this.events.recordThrottled(user.email, originOf(from), err.retryAfterSeconds);
        throw err;
      });
    const used = await this.use(user.id, code);
    if (!used) {
      await failed('wrong_code');
      throw wrongCode();
    }
    await this.throttle.succeeded(reservation);
    return used;
  }

  /** The user turns their second factor off, proving it with a code (throttled). */
  async disable(user: CodeOwner, code: string, from: CodeSource): Promise<void> {
    await this.check(user, code, from);
    await this.db.transaction(async (t) => {
      await this.remove(user.id, t);
      await this.events.record(
        { kind: 'factor.reset', userId: user.id, email: user.email, origin: originOf(from), detail: { factor: 'totp' } },
        t,
      );
    });
  }

  /**
   * An administrator removes a user's second factor (a lost phone): the
   * user enrols again. Their sessions end (unless it is the administrator's
   * own factor). False when there was nothing to remove.
   */
  async reset(userId: number, by: { userId: number; origin: Origin }): Promise<boolean> {
    return this.db.transaction(async (t) => {
      const removed = await this.remove(userId, t);
      if (!removed) return false;
      if (userId !== by.userId) await this.models.Session.destroy({ where: { user_id: userId }, transaction: t });
      await this.events.record({ kind: 'factor.reset', userId, origin: by.origin, detail: { by: by.userId, factor: 'totp' } }, t);
      return true;
    });
  }

  private async remove(userId: number, transaction?: Transaction): Promise<boolean> {
    await this.db.exec('delete from user_recovery_codes where user_id = $1', [userId], transaction);
    return (await this.db.exec('delete from user_totp where user_id = $1', [userId], transaction)) > 0;
  }

  /** Spends a code of an enrolled user: which kind matched, or null. */
  private async use(userId: number, raw: string): Promise<SecondFactorUsed | null> {
    const code = String(raw ?? '')
      .slice(0, 64)
      .replace(/\s+/g, '');
    const row = await this.row(userId);
    if (!row?.confirmed_at) return null;
    if (/^\d{6}$/.test(code)) {
      const step = await this.matchingStep(row, code);
      if (step === null) return null;
      const n = await this.db.exec(
        'update user_totp set last_step = $2 where user_id = $1 and confirmed_at is not null and (last_step is null or last_step < $2)',
        [userId, step],
      );
      return n === 1 ? 'totp' : null;
    }
    const plain = code.toUpperCase().replace(/[^A-Z0-9]/g, '');
    if (plain.length !== RECOVERY_LENGTH) return null;
    const n = await this.db.exec(
      'update user_recovery_codes set used_at = now() where user_id = $1 and code_hash = $2 and used_at is null',
      [userId, this.hash(plain)],
    );
    return n === 1 ? 'recovery' : null;
  }

  /** The time step a 6-digit code matches (later than the last one used), or null. */
  private async matchingStep(row: TotpRow, code: string): Promise<number | null> {
    const token = String(code ?? '').replace(/\s+/g, '');
    if (!/^\d{6}$/.test(token)) return null;
    const secret = this.openSecret(row);
    if (!secret) return null;
    try {
      const result = await verify({
        secret,
        token,
        epochTolerance: TOLERANCE_SECONDS,
        ...(row.last_step != null ? { afterTimeStep: Number(row.last_step) } : {}),
      });
      return result.valid && 'timeStep' in result ? result.timeStep : null;
    } catch {
      return null;
    }
  }

  private openSecret(row: TotpRow): string | null {
    try {
      return this.box.open(row.secret, `user:${row.user_id}`);
    } catch {
      this.log.error(
        { userId: row.user_id },
        "a second factor's secret does not open with this SECRET_KEY (was the key changed?): reset the user's second factor at /admin/users",
      );
      return null;
    }
  }
}
