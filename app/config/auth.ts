// The second-factor and single sign-on settings (auth.twoFactor.*,
// auth.oidc.*), checked at start like every other: a mistake stops the start
// with one line naming the setting.
import { SettingsError, type OidcSettings, type Settings } from '#app/config/settings';
import { get, type Tree } from '#app/config/sources';
import { bool, optStr, str } from '#app/config/validators';

/** Hosts an issuer may be reached on over plain http: this machine only (tests, a provider beside Orbis). */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function twoFactorSettings(tree: Tree): Settings['auth']['twoFactor'] {
  return {
    issuer: str(tree, 'auth.twoFactor.issuer'),
    requiredForSuperusers: bool(tree, 'auth.twoFactor.requiredForSuperusers'),
  };
}

function roleMapping(tree: Tree): OidcSettings['roleMapping'] {
  const raw = get(tree, 'auth.oidc.roleMapping') ?? [];
  const bad = () => new SettingsError('invalid setting auth.oidc.roleMapping: expected a list of { value: CLAIM VALUE, role: ROLE NAME }');
  if (!Array.isArray(raw)) throw bad();
  return raw.map((entry: unknown) => {
    const e = entry as Record<string, unknown> | null;
    if (!e || typeof e.value !== 'string' || typeof e.role !== 'string' || !e.value || !e.role) throw bad();
    return { value: e.value, role: e.role };
  });
}

/**
 * auth.oidc, or null when no issuer is set (single sign-on off). The issuer
 * must be https (plain http only on this machine); the provider sends the
 * browser back to server.publicUrl, which must therefore be known.
 */
export function oidcSettings(tree: Tree, label: (key: string) => string, publicUrl: string | null): OidcSettings | null {
  const issuer = optStr(tree, 'auth.oidc.issuer');
  if (issuer == null) return null;
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new SettingsError(`invalid setting ${label('auth.oidc.issuer')}: not a URL (expected https://…)`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new SettingsError(
      `invalid setting ${label('auth.oidc.issuer')}: must be https:// (plain http:// only for 127.0.0.1 or localhost)`,
    );
  }
  if (url.search || url.hash || url.username) {
    throw new SettingsError(`invalid setting ${label('auth.oidc.issuer')}: the issuer has no query, fragment or user`);
  }
  const clientId = optStr(tree, 'auth.oidc.clientId');
  if (clientId == null) throw new SettingsError(`missing setting ${label('auth.oidc.clientId')}: required with auth.oidc.issuer`);
  if (publicUrl == null) {
    throw new SettingsError(
      'missing setting ORBIS_PUBLIC_URL (server.publicUrl): required with auth.oidc.issuer, the provider sends the browser back to it',
    );
  }
  const scopes = str(tree, 'auth.oidc.scopes')
    .split(/[\s,]+/)
    .filter(Boolean);
  if (!scopes.includes('openid')) throw new SettingsError('invalid setting auth.oidc.scopes: must include openid');
  const rolesClaim = optStr(tree, 'auth.oidc.rolesClaim');
  return {
    issuer,
    clientId,
    clientSecret: optStr(tree, 'auth.oidc.clientSecret'),
    scopes,
    label: optStr(tree, 'auth.oidc.label'),
    emailClaim: str(tree, 'auth.oidc.emailClaim'),
    createUsers: bool(tree, 'auth.oidc.createUsers'),
    rolesClaim,
    roleMapping: roleMapping(tree),
    passwordForSsoUsers: bool(tree, 'auth.oidc.passwordForSsoUsers'),
    redirectUri: `${publicUrl}/login/oidc/callback`,
  };
}
