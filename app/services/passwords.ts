// Password hashing with scrypt at an OWASP-recommended strength
// (N=2^15, r=8, p=3: 32 MiB, ≈ 250 ms here). The parameters are stored with
// each hash, so they can be raised later without breaking old hashes.
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { msg, type Message } from '#app/i18n/message';

const scrypt = promisify(crypto.scrypt) as (pw: string, salt: Buffer, len: number, o: crypto.ScryptOptions) => Promise<Buffer>;
const PARAMS = { N: 2 ** 15, r: 8, p: 3 };
const KEYLEN = 32;

export const MIN_PASSWORD_LENGTH = 10;

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const key = await scrypt(password.normalize('NFKC'), salt, KEYLEN, { ...PARAMS, maxmem: 256 * 1024 * 1024 });
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], 'base64');
  const expected = Buffer.from(parts[5], 'base64');
  const key = await scrypt(password.normalize('NFKC'), salt, expected.length, { N, r, p, maxmem: 256 * 1024 * 1024 });
  return crypto.timingSafeEqual(key, expected);
}

/**
 * Hashing as a dependency of the services that check passwords: the
 * composition root (app/context.ts) hands it in, so a test can count the
 * checks a throttle let through.
 */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, stored: string): Promise<boolean>;
}

export const scryptPasswords: PasswordHasher = { hash: hashPassword, verify: verifyPassword };

/** A hash of a random password: verified against when the email is unknown,
 *  so a wrong email costs the same time as a wrong password. */
let decoy: Promise<string> | null = null;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(crypto.randomBytes(16).toString('hex'));
  return decoy;
}

const COMMON = new Set([
  'password',
  'password1',
  'password123',
  '1234567890',
  '12345678910',
  'qwertyuiop',
  'iloveyou12',
  'letmein123',
  'welcome123',
  'admin12345',
  'administrator',
  'changeme123',
  'orbisorbis',
  'passw0rd123',
]);

/** Why the password is too weak, or null when it is acceptable. */
export function passwordWeakness(password: string, email?: string): Message | null {
  if (password.length < MIN_PASSWORD_LENGTH) return msg('accounts.password.short', { count: MIN_PASSWORD_LENGTH });
  if (password.length > 1024) return msg('accounts.password.long', { count: 1024 });
  if (COMMON.has(password.toLowerCase())) return msg('accounts.password.common');
  if (new Set(password).size < 4) return msg('accounts.password.repetitive');
  if (email && password.toLowerCase().includes(email.split('@')[0].toLowerCase()) && email.split('@')[0].length >= 4) {
    return msg('accounts.password.containsEmail');
  }
  return null;
}
