// Single sign-on with OpenID Connect (openid-client): the authorization code
// flow with PKCE (S256), state and nonce, against the one provider of
// auth.oidc.
//
// What MUST hold:
// - Every start makes a new PKCE verifier, state and nonce; the caller keeps
//   them in the browser's session and hands them back once (a callback is
//   answered once: a replayed one finds no flow).
// - The callback is accepted only with that state, an ID token with that
//   nonce, from the configured issuer (the discovery document's issuer must
//   be it; the `iss` response parameter and the token's `iss` claim too),
//   signed by the provider's keys and meant for this client: openid-client
//   checks all of it. Whatever fails is refused with a reason to log.
// - Claims from the userinfo endpoint only fill what the ID token lacks
//   (providers that keep email there); the ID token's own claims win.
import * as client from 'openid-client';
import type { OidcSettings } from '#app/config';

/** Why a single sign-on was refused (logged, and the audit's reason). */
export type OidcRefusal =
  | 'provider_unreachable'
  | 'no_flow'
  | 'bad_state'
  | 'bad_nonce'
  | 'bad_issuer'
  | 'provider_refused'
  | 'token_error'
  | 'protocol_error'
  | 'no_email'
  | 'email_unverified'
  | 'disabled'
  | 'no_account';

export class OidcRefusedError extends Error {
  override name = 'OidcRefusedError';
  constructor(
    readonly reason: OidcRefusal,
    readonly detail: string = '',
  ) {
    super(`single sign-on refused: ${reason}${detail ? ` (${detail})` : ''}`);
  }
}

/** What the browser's session keeps between the start and the callback. */
export interface OidcFlow {
  state: string;
  nonce: string;
  verifier: string;
  /** When the flow started (ms): an old flow is refused. */
  at: number;
}

/** The provider's account: who (issuer, subject) and what it says about them. */
export interface OidcIdentity {
  issuer: string;
  subject: string;
  claims: Record<string, unknown>;
}

/** A flow older than this is refused at the callback. */
export const FLOW_MS = 10 * 60_000;

function detailOf(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  while (e instanceof Error && parts.length < 3) {
    parts.push(e.message);
    e = e.cause;
  }
  return parts.join(': ').slice(0, 500);
}

/** The reason a failed code exchange is refused with. */
export function refusalOf(err: unknown): OidcRefusedError {
  if (err instanceof OidcRefusedError) return err;
  if (err instanceof client.AuthorizationResponseError) {
    return new OidcRefusedError('provider_refused', `${err.error}${err.error_description ? `: ${err.error_description}` : ''}`);
  }
  if (err instanceof client.ResponseBodyError) return new OidcRefusedError('token_error', `${err.error}: ${err.error_description ?? ''}`);
  const detail = detailOf(err);
  if (/"state"/.test(detail)) return new OidcRefusedError('bad_state', detail);
  if (/"nonce"/.test(detail)) return new OidcRefusedError('bad_nonce', detail);
  if (/"iss"/.test(detail)) return new OidcRefusedError('bad_issuer', detail);
  return new OidcRefusedError('protocol_error', detail);
}

export class OidcClient {
  private config: Promise<client.Configuration> | null = null;

  constructor(private readonly settings: OidcSettings) {}

  /** The provider's metadata, discovered once per process (again after a failure). */
  private configuration(): Promise<client.Configuration> {
    const s = this.settings;
    this.config ??= client
      .discovery(
        new URL(s.issuer),
        s.clientId,
        s.clientSecret ?? undefined,
        s.clientSecret ? client.ClientSecretBasic(s.clientSecret) : client.None(),
        // Plain http only where the settings allow it: a provider on this machine.
        { execute: s.issuer.startsWith('http:') ? [client.allowInsecureRequests] : [], timeout: 10 },
      )
      .catch((err: unknown) => {
        this.config = null;
        throw new OidcRefusedError('provider_unreachable', detailOf(err));
      });
    return this.config;
  }

  /** Where to send the browser, and what its session must keep until it comes back. */
  async start(): Promise<{ url: string; flow: OidcFlow }> {
    const config = await this.configuration();
    const verifier = client.randomPKCECodeVerifier();
    const flow: OidcFlow = { state: client.randomState(), nonce: client.randomNonce(), verifier, at: Date.now() };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    });
    return { url: url.href, flow };
  }

  /**
   * The callback: `search` is its query string, `flow` what the session
   * kept. The provider's account, or OidcRefusedError with the reason.
   */
  async finish(search: string, flow: OidcFlow | undefined): Promise<OidcIdentity> {
    if (!flow || Date.now() - flow.at > FLOW_MS)
      throw new OidcRefusedError('no_flow', flow ? 'the flow expired' : 'no flow in this session');
    const config = await this.configuration();
    const current = new URL(this.settings.redirectUri);
    current.search = search;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      throw refusalOf(err);
    }
    const idToken = tokens.claims();
    if (!idToken) throw new OidcRefusedError('protocol_error', 'no ID token');
    let claims: Record<string, unknown> = { ...idToken };
    const wanted = [this.settings.emailClaim, 'email_verified', 'name', ...(this.settings.rolesClaim ? [this.settings.rolesClaim] : [])];
    if (wanted.some((c) => claims[c] === undefined) && config.serverMetadata().userinfo_endpoint) {
      try {
        const info = await client.fetchUserInfo(config, tokens.access_token, idToken.sub);
        claims = { ...info, ...idToken };
      } catch (err) {
        throw refusalOf(err);
      }
    }
    return { issuer: idToken.iss, subject: idToken.sub, claims };
  }
}
