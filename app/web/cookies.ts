// Which cookies Orbis sets, and how they are named and flagged.
import type { Settings } from '#app/config';

/** What the cookies' flags and names depend on. */
export type CookieSettings = Pick<Settings, 'server' | 'env'>;

/** The session id (signed). */
export const SESSION_COOKIE = 'orbis_sid';

/**
 * Whether the public reaches Orbis over HTTPS, as the settings say:
 * server.publicUrl's scheme when set; otherwise production is (behind a TLS
 * proxy) and development is not. It decides, for the whole installation,
 * Secure cookies, their `__Host-` names, HSTS and upgrade-insecure-requests.
 * One answer per installation, not per request: a cookie's name must not
 * change with the header a request happened to carry.
 */
export function secureCookies(settings: CookieSettings): boolean {
  const url = settings.server.publicUrl;
  if (url) return url.startsWith('https://');
  return settings.env === 'production';
}

/**
 * A cookie's name: `__Host-` prefixed over HTTPS, so that the browser only
 * accepts it Secure, for path=/ and without a Domain (no sibling or
 * subdomain site can plant or shadow it; ASVS 3.4.4). Plain in development.
 */
export function cookieName(settings: CookieSettings, base: string): string {
  return secureCookies(settings) ? `__Host-${base}` : base;
}
