// A real OpenID provider for the single sign-on tests: oidc-provider (a
// certified implementation) served on 127.0.0.1, with test accounts and one
// client, Orbis, registered with its redirect URI. Its own development
// sign-in form takes any account id as the login (and any password); consent
// is given for the client in advance, as for a first-party application.
// Also: the app under test on a port chosen first, since the provider must
// know Orbis's redirect URI and Orbis its own public address.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Provider } from 'oidc-provider';
import { onCleanup } from '#test/support/cleanup';
import { freePort } from '#test/support/deploy';
import { testContext, TestClient, type TestApp } from '#test/support/app';
import { createApp } from '#app/web/app';
import { listen } from '#app/web/server';

export interface TestAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
  groups?: string[];
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

export const CLIENT_ID = 'orbis';
export const CLIENT_SECRET = 'orbis-test-client-secret';

export async function startTestProvider(redirectUri: string, accounts: Record<string, TestAccount>): Promise<TestProvider> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    pkce: { required: () => true },
    cookies: { keys: ['oidc-test-cookie-key'] },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx: unknown, id: string) {
      const account = accounts[id];
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...account }) };
    },
    // Consent given in advance for Orbis (a first-party client): no consent page.
    async loadExistingGrant(ctx: {
      oidc: {
        client: { clientId: string };
        session: { accountId: string; grantIdFor(clientId: string): string | undefined };
        provider: { Grant: GrantClass };
      };
    }) {
      const { client, session, provider: p } = ctx.oidc;
      const existing = session.grantIdFor(client.clientId);
      if (existing) return p.Grant.find(existing);
      const grant = new p.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid email profile groups');
      await grant.save();
      return grant;
    },
  });
  server.on('request', provider.callback());
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections());
  onCleanup(close);
  return { issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, close };
}

interface Grant {
  addOIDCScope(scope: string): void;
  save(): Promise<string>;
}
interface GrantClass {
  new (init: { clientId: string; accountId: string }): Grant;
  find(id: string): Promise<Grant | undefined>;
}

/**
 * Orbis on a port chosen first, with single sign-on through a new test
 * provider holding `accounts`; `oidc` adds or overrides auth.oidc settings.
 */
export async function startSsoApp(
  accounts: Record<string, TestAccount>,
  oidc: Record<string, unknown> = {},
  overrides: Record<string, unknown> = {},
): Promise<{ app: TestApp; provider: TestProvider }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const provider = await startTestProvider(`${url}/login/oidc/callback`, accounts);
  const { ctx, db } = await testContext(
    {},
    {
      ...overrides,
      server: { publicUrl: url },
      auth: {
        ...(overrides.auth as Record<string, unknown> | undefined),
        oidc: {
          issuer: provider.issuer,
          clientId: provider.clientId,
          clientSecret: provider.clientSecret,
          scopes: 'openid email profile groups',
          label: 'Test IdP',
          ...oidc,
        },
      },
    },
  );
  const server = await listen(createApp(ctx), '127.0.0.1', port);
  let closed = false;
  const app: TestApp = {
    ctx,
    db,
    server,
    url: server.url,
    client: () => new TestClient(server.url),
    async close() {
      if (closed) return;
      closed = true;
      await server.close(1000);
      await ctx.close();
    },
  };
  onCleanup(() => app.close());
  return { app, provider };
}

/**
 * Walks a browser's way through the provider without a browser: from the
 * authorization URL Orbis redirected to, signing in as `accountId` on the
 * provider's form (or aborting there), to the URL the provider sends the
 * browser back to (Orbis's callback, with code and state).
 */
export async function throughProvider(authorizationUrl: string, accountId: string, options: { abort?: boolean } = {}): Promise<URL> {
  const origin = new URL(authorizationUrl).origin;
  const client = new TestClient(origin);
  let url = new URL(authorizationUrl);
  for (let hop = 0; hop < 12; hop++) {
    if (url.origin !== origin) return url;
    const path = url.pathname + url.search;
    const reply = await client.get(path);
    if (reply.location) {
      url = new URL(reply.location, url);
      continue;
    }
    const form = /<form[^>]*action="([^"]+)"[^>]*>[\s\S]*?name="prompt" value="login"/.exec(reply.text);
    if (reply.status !== 200 || !form) throw new Error(`the provider answered ${reply.status} at ${path}: ${reply.text.slice(0, 300)}`);
    if (options.abort) {
      url = new URL(`${url.pathname}/abort`, url);
      continue;
    }
    const posted = await client.post(
      new URL(form[1], url).pathname,
      { prompt: 'login', login: accountId, password: 'any' },
      { csrf: false },
    );
    if (!posted.location) throw new Error(`the provider's sign-in answered ${posted.status}: ${posted.text.slice(0, 300)}`);
    url = new URL(posted.location, url);
  }
  throw new Error('the provider redirected too often');
}
