// The settings of what Orbis sends out besides mail: SMS through a generic
// HTTP gateway (sms.*) and error reports to a Sentry-compatible collector
// (errorReport.*). Checked at start like every other setting: a mistake
// stops the start with one line naming the setting (never its secret value).
import { SettingsError, type Settings } from '#app/config/settings';
import { get, type Tree } from '#app/config/sources';
import { int, oneOf, optStr, str } from '#app/config/validators';

type Label = (key: string) => string;

/** A body or header template: strings, numbers, booleans, mappings and lists of them. */
function template(tree: Tree, key: string): Record<string, unknown> | null {
  const v = get(tree, key);
  if (v == null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw new SettingsError(`invalid setting ${key}: expected a mapping (name: value)`);
  return v as Record<string, unknown>;
}

function statusRange(tree: Tree, key: string): readonly [number, number] {
  const raw = String(get(tree, key) ?? '');
  const m = /^\s*(\d{3})\s*(?:-\s*(\d{3}))?\s*$/.exec(raw);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2] ?? m[1]) : NaN;
  if (!m || lo < 100 || hi > 599 || lo > hi) throw new SettingsError(`invalid setting ${key}: expected a status or a range, e.g. 200-299`);
  return [lo, hi];
}

export function smsSettings(tree: Tree, label: Label): Settings['sms'] {
  const common = {
    minutesBetween: int(tree, 'sms.minutesBetween', 0, 24 * 60),
    maxLength: int(tree, 'sms.maxLength', 70, 1600),
  };
  const rawUrl = optStr(tree, 'sms.gateway.url');
  if (rawUrl == null) return { ...common, gateway: null };
  let parsed: URL;
  try {
    // The placeholders are filled in later; the rest must already be a URL.
    parsed = new URL(rawUrl.replace(/\{[a-z_]+\}/g, 'x'));
  } catch {
    throw new SettingsError(`invalid setting ${label('sms.gateway.url')}: not a URL (expected https://…)`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new SettingsError(`invalid setting ${label('sms.gateway.url')}: must be http:// or https://`);
  const auth = oneOf(tree, 'sms.gateway.auth', ['none', 'basic', 'bearer', 'header'] as const);
  const user = optStr(tree, 'sms.gateway.user');
  const password = optStr(tree, 'sms.gateway.password');
  const token = optStr(tree, 'sms.gateway.token');
  const header = optStr(tree, 'sms.gateway.header');
  if (auth === 'basic' && (user == null || password == null))
    throw new SettingsError(`missing setting sms.gateway.user or ${label('sms.gateway.password')}: required with sms.gateway.auth basic`);
  if ((auth === 'bearer' || auth === 'header') && token == null)
    throw new SettingsError(`missing setting ${label('sms.gateway.token')}: required with sms.gateway.auth ${auth}`);
  if (auth === 'header' && (header == null || !/^[A-Za-z0-9-]+$/.test(header)))
    throw new SettingsError('invalid setting sms.gateway.header: the header name for sms.gateway.auth header, e.g. X-API-Key');
  const headers = template(tree, 'sms.gateway.headers') ?? {};
  for (const [k, v] of Object.entries(headers))
    if (!/^[A-Za-z0-9-]+$/.test(k) || typeof v !== 'string')
      throw new SettingsError(`invalid setting sms.gateway.headers.${k}: name: text`);
  const successBody = optStr(tree, 'sms.gateway.successBody');
  if (successBody != null) {
    try {
      new RegExp(successBody);
    } catch {
      throw new SettingsError('invalid setting sms.gateway.successBody: not a regular expression');
    }
  }
  const method = oneOf(tree, 'sms.gateway.method', ['POST', 'PUT', 'GET'] as const);
  const body = template(tree, 'sms.gateway.body');
  if (method !== 'GET' && body == null)
    throw new SettingsError('missing setting sms.gateway.body: what to send (e.g. { to: "{to}", text: "{text}" })');
  return {
    ...common,
    gateway: {
      url: rawUrl,
      method,
      auth,
      user,
      password,
      token,
      header,
      headers: headers as Record<string, string>,
      format: oneOf(tree, 'sms.gateway.format', ['json', 'form'] as const),
      body,
      successStatus: statusRange(tree, 'sms.gateway.successStatus'),
      successBody,
      allowAddresses: (optStr(tree, 'sms.gateway.allowAddresses') ?? '')
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
      timeoutSeconds: int(tree, 'sms.gateway.timeoutSeconds', 1, 120),
    },
  };
}

export function errorReportSettings(tree: Tree, label: Label): Settings['errorReport'] {
  const dsn = optStr(tree, 'errorReport.dsn');
  if (dsn != null) {
    let u: URL | null = null;
    try {
      u = new URL(dsn);
    } catch {
      // reported below
    }
    // https://KEY@HOST/PROJECT — the key is the only part a collector needs.
    const project = u?.pathname.split('/').filter(Boolean).pop();
    if (!u || !['http:', 'https:'].includes(u.protocol) || !u.username || !project)
      throw new SettingsError(`invalid setting ${label('errorReport.dsn')}: expected a DSN like https://KEY@HOST/PROJECT`);
  }
  return {
    dsn,
    installation: str(tree, 'errorReport.installation', label('errorReport.installation')),
    environment: optStr(tree, 'errorReport.environment'),
    release: optStr(tree, 'errorReport.release'),
  };
}
