// Secrets Orbis must read back (a TOTP secret), sealed at rest with the
// installation's secret key: AES-256-GCM under a key derived per purpose
// (HKDF-SHA256), with a fresh 12-byte nonce per value. A row copied to
// another record does not open there: the record's name is bound to the
// value as associated data. A changed SECRET_KEY opens nothing sealed before
// it (docs/security.md says what that means for second factors).
//
// A sealed value reads `v1.NONCE.TAG.CIPHERTEXT` (base64url parts).
import crypto from 'node:crypto';

export interface SecretBox {
  seal(plain: string, boundTo: string): string;
  /** The plain value; throws when the value was sealed for another record, with another key, or changed. */
  open(sealed: string, boundTo: string): string;
}

export function secretBox(secretKey: string, purpose: string): SecretBox {
  const key = Buffer.from(crypto.hkdfSync('sha256', secretKey, 'orbis secret box', purpose, 32));
  return {
    seal(plain, boundTo) {
      const nonce = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(boundTo));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', nonce, cipher.getAuthTag(), body].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
    },
    open(sealed, boundTo) {
      const [version, nonce, tag, body] = sealed.split('.');
      if (version !== 'v1' || !nonce || !tag || body === undefined) throw new Error('not a sealed value');
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
      decipher.setAAD(Buffer.from(boundTo));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

/** A keyed hash (HMAC-SHA256 under a key derived per purpose) of a high-entropy value such as a recovery code. */
export function keyedHash(secretKey: string, purpose: string): (value: string) => string {
  const key = Buffer.from(crypto.hkdfSync('sha256', secretKey, 'orbis keyed hash', purpose, 32));
  return (value) => crypto.createHmac('sha256', key).update(value).digest('base64url');
}

/** A new bearer secret (a reset link's token, an API token): 32 random bytes, base64url. */
export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/**
 * How a bearer secret is stored and looked up: SHA-256, hex. Unkeyed on
 * purpose — the secret has 256 bits of its own, and a lookup by hash needs
 * no key that a changed SECRET_KEY would invalidate.
 */
export function tokenHash(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}
