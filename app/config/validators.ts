// Validators over the merged settings tree: each returns a typed value or
// throws a SettingsError whose one line names the setting (by its
// environment variable when that is where it came from).
import fs from 'node:fs';
import path from 'node:path';
import { SEARCH_LANGUAGES, SettingsError, type Environment, type SearchLanguage } from '#app/config/settings';
import { get, type Tree } from '#app/config/sources';

export function str(tree: Tree, key: string, label = key): string {
  const v = get(tree, key);
  if (typeof v !== 'string' || v.trim() === '') throw new SettingsError(`invalid setting ${label}: must be a non-empty string`);
  return v.trim();
}

export function optStr(tree: Tree, key: string): string | null {
  const v = get(tree, key);
  if (v == null || v === '') return null;
  if (typeof v !== 'string') throw new SettingsError(`invalid setting ${key}: must be a string`);
  return v.trim();
}

export function int(tree: Tree, key: string, min: number, max: number, label = key): number {
  const raw = get(tree, key);
  const n = typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new SettingsError(`invalid setting ${label}: ${JSON.stringify(raw)} is not a whole number from ${min} to ${max}`);
  }
  return n;
}

export function bool(tree: Tree, key: string): boolean {
  const v = get(tree, key);
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new SettingsError(`invalid setting ${key}: ${JSON.stringify(v)} is not true or false`);
}

export function url(tree: Tree, key: string, label: string, protocols: string[]): string | null {
  const v = optStr(tree, key);
  if (v == null) return null;
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new SettingsError(`invalid setting ${label}: not a URL (expected ${protocols[0]}//…)`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new SettingsError(`invalid setting ${label}: scheme ${parsed.protocol} is not one of ${protocols.join(' ')}`);
  }
  return v;
}

/**
 * server.publicUrl: an http(s) address without query, fragment or
 * credentials, kept without its trailing slash; unset: see Settings.server.
 */
export function publicUrl(
  tree: Tree,
  label: string,
  env: Environment,
  host: string,
  port: number,
  mailUrl: string | null,
  mailLabel: string,
): string | null {
  const v = url(tree, 'server.publicUrl', label, ['http:', 'https:']);
  if (v == null) {
    if (env !== 'production')
      return `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${port}`;
    if (mailUrl)
      throw new SettingsError(
        `missing setting ORBIS_PUBLIC_URL (server.publicUrl): required when NODE_ENV=production and ${mailLabel} is set, for the links in mails`,
      );
    return null;
  }
  const u = new URL(v);
  if (u.search || u.hash || u.username || u.password) {
    throw new SettingsError(
      `invalid setting ${label}: ${JSON.stringify(v)} must be scheme, host and an optional path (no query, fragment or user)`,
    );
  }
  return `${u.origin}${u.pathname}`.replace(/\/+$/, '');
}

export function timeZone(tree: Tree, key: string): string {
  const tz = str(tree, key);
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new SettingsError(`invalid setting ${key}: unknown time zone ${JSON.stringify(tz)}`);
  }
  return tz;
}

/** A language that ships a catalog folder under locales/ (e.g. en, ru). */
export function locale(tree: Tree, key: string, root: string): string {
  const v = str(tree, key);
  const dir = path.join(root, 'locales');
  if (!/^[a-z]{2,3}$/.test(v) || !fs.existsSync(path.join(dir, v))) {
    const shipped = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^[a-z]{2,3}$/.test(f)) : [];
    throw new SettingsError(`invalid setting ${key}: ${JSON.stringify(v)} is not a shipped language (${shipped.join(', ')})`);
  }
  return v;
}

/** search.language, or (null) the one of the default language: ru → russian, en → english, else simple. */
export function searchLanguage(tree: Tree, defaultLocale: string): SearchLanguage {
  const v = get(tree, 'search.language');
  if (v == null || v === '') return defaultLocale === 'ru' ? 'russian' : defaultLocale === 'en' ? 'english' : 'simple';
  return oneOf(tree, 'search.language', SEARCH_LANGUAGES);
}

/** A whole number, or null when the setting is null or empty (meaning "off"/"forever"). */
export function optInt(tree: Tree, key: string, min: number, max: number): number | null {
  const v = get(tree, key);
  return v == null || v === '' ? null : int(tree, key, min, max);
}

export function oneOf<T extends string>(tree: Tree, key: string, values: readonly T[]): T {
  const v = get(tree, key);
  if (typeof v !== 'string' || !values.includes(v as T)) {
    throw new SettingsError(`invalid setting ${key}: ${JSON.stringify(v)} is not one of ${values.join(', ')}`);
  }
  return v as T;
}

export function queuePrefix(tree: Tree, label: string): string {
  const v = str(tree, 'broker.prefix', label);
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(v))
    throw new SettingsError(`invalid setting ${label}: ${JSON.stringify(v)} may hold only letters, digits, . _ -`);
  return v;
}
