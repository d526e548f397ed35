// Single sign-on (issue 16 item 7) against a real OpenID provider on
// 127.0.0.1 (oidc-provider): the authorization code flow with PKCE, state and
// nonce. A user is matched by a verified email only and linked to the
// provider's account; an unverified email, a disabled user, a wrong state,
// nonce or issuer, a replayed callback and the provider's own refusal are
// refused with one clear page and their reason in the sign-in audit; users
// are created with mapped roles when the setting says so; local passwords can
// be switched off for users who signed in through the provider.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { generate } from 'otplib';
import { loadSettings } from '#app/config';
import { makeUser, type TestApp, type TestClient } from '#test/support/app';
import { startSsoApp, throughProvider, type TestAccount, type TestProvider } from '#test/support/oidc-provider';

const ACCOUNTS: Record<string, TestAccount> = {
  'alice-sub': { email: 'Alice@Example.com', email_verified: true, name: 'Alice at the provider' },
  'eve-sub': { email: 'eve@example.com', email_verified: false, name: 'Eve' },
  'dora-sub': { email: 'dora@example.com', email_verified: true, name: 'Dora' },
  'newbie-sub': { email: 'newbie@example.com', email_verified: true, name: 'New Person', groups: ['orbis-operators', 'other'] },
};

interface FailedRow {
  email: string | null;
  detail: { reason: string; method?: string };
}

/** Starts a sign-in at Orbis; returns the provider's authorization URL. */
async function start(c: TestClient): Promise<URL> {
  const r = await c.get('/login/oidc');
  assert.equal(r.status, 303);
  return new URL(r.location!);
}

/** The callback Orbis is sent back to, as a path. */
const pathOf = (u: URL) => u.pathname + u.search;

describe('single sign-on through a real OpenID provider', () => {
  let app: TestApp;
  let provider: TestProvider;
  let aliceId: number;
  const failures = async () =>
    app.ctx.db.rows<FailedRow>(`select email, detail from auth_events where kind = 'sign_in.failed' order by id desc limit 1`);

  before(async () => {
    ({ app, provider } = await startSsoApp(ACCOUNTS));
    aliceId = (await makeUser(app.ctx, 'alice@example.com', { name: 'Alice' })).id;
    await makeUser(app.ctx, 'eve@example.com');
    const dora = await makeUser(app.ctx, 'dora@example.com');
    await app.ctx.services.users.setActive(dora.id, false);
  });

  it('shows the button, sends the browser with PKCE, state and nonce, and signs a verified email in, linking the account', async () => {
    const c = app.client();
    assert.match((await c.get('/login')).text, /<a[^>]*href="\/login\/oidc"[^>]*>Sign in with Test IdP<\/a>/);
    const auth = await start(c);
    assert.equal(auth.origin, provider.issuer);
    const q = auth.searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('client_id'), 'orbis');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.ok((q.get('code_challenge') ?? '').length >= 43, 'a PKCE challenge');
    assert.ok(q.get('state') && q.get('nonce'), 'a state and a nonce');
    assert.equal(q.get('redirect_uri'), `${app.url}/login/oidc/callback`);

    const back = await throughProvider(auth.href, 'alice-sub');
    assert.equal(back.origin + back.pathname, `${app.url}/login/oidc/callback`);
    const signedIn = await c.get(pathOf(back));
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.location, '/');
    const home = await c.get('/');
    assert.equal(home.status, 200);
    assert.match(home.text, /data-testid="current-user">Alice</);
    const [link] = await app.ctx.db.rows<{ user_id: number; issuer: string; subject: string }>(
      'select user_id, issuer, subject from user_identities',
    );
    assert.deepEqual(link, { user_id: aliceId, issuer: provider.issuer, subject: 'alice-sub' });
    const [ok] = await app.ctx.db.rows<{ user_id: number; detail: { method: string } }>(
      `select user_id, detail from auth_events where kind = 'sign_in.ok' order by id desc limit 1`,
    );
    assert.deepEqual(ok, { user_id: aliceId, detail: { method: 'oidc' } });

    // The callback is answered once.
    const again = await c.get(pathOf(back));
    assert.equal(again.status, 403);
    assert.equal((await failures())[0].detail.reason, 'no_flow');
  });

  it('refuses an email the provider has not verified, even when a user has it', async () => {
    const c = app.client();
    const back = await throughProvider((await start(c)).href, 'eve-sub');
    const r = await c.get(pathOf(back));
    assert.equal(r.status, 403);
    assert.match(r.text, /data-reason="email_unverified"/);
    assert.match(r.text, /Test IdP has not confirmed your email address/);
    assert.equal((await c.get('/')).status, 303, 'not signed in');
    assert.deepEqual((await failures())[0], { email: 'eve@example.com', detail: { reason: 'email_unverified', method: 'oidc' } });
  });

  it('refuses a disabled user', async () => {
    const c = app.client();
    const r = await c.get(pathOf(await throughProvider((await start(c)).href, 'dora-sub')));
    assert.equal(r.status, 403);
    assert.match(r.text, /Your account here is disabled/);
    assert.equal((await c.get('/')).status, 303);
    assert.equal((await failures())[0].detail.reason, 'disabled');
  });

  it('refuses a callback with a wrong state, a wrong nonce or another issuer, and the provider’s own refusal', async () => {
    const tamper = async (change: (u: URL, c: TestClient) => Promise<void> | void, reason: string) => {
      const c = app.client();
      const back = await throughProvider((await start(c)).href, 'alice-sub');
      await change(back, c);
      const r = await c.get(pathOf(back));
      assert.equal(r.status, 403, reason);
      assert.match(r.text, /data-reason="failed"/);
      assert.match(r.text, /Request id: /);
      assert.equal((await c.get('/')).status, 303, `not signed in after ${reason}`);
      assert.equal((await failures())[0].detail.reason, reason);
    };
    await tamper((u) => u.searchParams.set('state', 'forged-state'), 'bad_state');
    await tamper((u) => u.searchParams.set('iss', 'http://127.0.0.1:9/elsewhere'), 'bad_issuer');
    // The ID token must carry the nonce this session sent: another session's
    // nonce (a code injected from elsewhere) is refused.
    await tamper(async (u) => {
      const n = await app.ctx.db.exec(
        `update sessions set data = jsonb_set(data, '{oidc,nonce}', '"another-sessions-nonce"') where data->'oidc'->>'state' = $1`,
        [u.searchParams.get('state')],
      );
      assert.equal(n, 1);
    }, 'bad_nonce');

    const c = app.client();
    const aborted = await throughProvider((await start(c)).href, 'alice-sub', { abort: true });
    assert.equal(aborted.searchParams.get('error'), 'access_denied');
    assert.equal((await c.get(pathOf(aborted))).status, 403);
    assert.equal((await failures())[0].detail.reason, 'provider_refused');
  });

  it('asks a user with a second factor for it after the provider', async () => {
    const { secret } = (await app.ctx.services.twoFactor.enrolment(aliceId, 'alice@example.com'))!;
    const step = Math.floor(Date.now() / 30_000);
    await app.ctx.services.twoFactor.confirm({ id: aliceId, email: 'alice@example.com' }, await generate({ secret }), { ip: '127.0.0.1' });
    const c = app.client();
    const r = await c.get(pathOf(await throughProvider((await start(c)).href, 'alice-sub')));
    assert.equal(r.location, '/login/two-factor');
    assert.equal((await c.get('/')).status, 303, 'not signed in before the second factor');
    const next = await generate({ secret, epoch: (step + 1) * 30 });
    assert.equal((await c.post('/login/two-factor', { code: next }, { from: '/login/two-factor' })).location, '/');
    assert.equal((await c.get('/')).status, 200);
    const [ok] = await app.ctx.db.rows<{ detail: { method: string } }>(
      `select detail from auth_events where kind = 'sign_in.ok' order by id desc limit 1`,
    );
    assert.equal(ok.detail.method, 'oidc+totp');
  });

  it('refuses an unknown email while creation is off', async () => {
    const c = app.client();
    const r = await c.get(pathOf(await throughProvider((await start(c)).href, 'newbie-sub')));
    assert.equal(r.status, 403);
    assert.match(r.text, /data-reason="no_account"/);
    assert.equal(await app.ctx.services.users.findByEmail('newbie@example.com'), null);
  });
});

describe('single sign-on that creates users and switches passwords off', () => {
  it('creates a user with the roles mapped from the groups claim, then refuses that user a password', async () => {
    const { app } = await startSsoApp(ACCOUNTS, {
      createUsers: true,
      rolesClaim: 'groups',
      roleMapping: [{ value: 'orbis-operators', role: 'operator' }],
      passwordForSsoUsers: false,
    });
    await app.ctx.services.users.ensureRole('operator');
    await app.ctx.services.users.ensureRole('other');
    const c = app.client();
    const r = await c.get(pathOf(await throughProvider((await start(c)).href, 'newbie-sub')));
    assert.equal(r.status, 303);
    const user = await app.ctx.services.users.findByEmail('newbie@example.com');
    assert.ok(user);
    assert.equal(user.display_name, 'New Person');
    const session = await app.ctx.services.users.sessionUser(user.id);
    assert.deepEqual(session?.roles, ['operator'], 'mapped roles only ("other" is not in the mapping)');

    // A password set for them later does not sign them in: they use the provider.
    await app.ctx.services.users.resetPassword(user.id, 'a password set later');
    const other = app.client();
    const refused = await other.login('newbie@example.com', 'a password set later');
    assert.equal(refused.status, 401);
    assert.match(refused.text, /This account signs in with Test IdP/);
    assert.equal((await other.get('/')).status, 303);
    // Users who never used the provider keep their password.
    await makeUser(app.ctx, 'local@example.com');
    assert.equal((await app.client().login('local@example.com', 'correct horse battery')).status, 303);
  });
});

describe('single sign-on settings', () => {
  const load =
    (oidc: Record<string, unknown>, server: Record<string, unknown> = {}) =>
    () =>
      loadSettings({ env: { NODE_ENV: 'test' }, overrides: { server, auth: { oidc } } });

  it('are off without an issuer, and refuse a plain-http issuer elsewhere than this machine, a missing client id, scopes without openid', () => {
    assert.equal(loadSettings({ env: { NODE_ENV: 'test' } }).auth.oidc, null);
    assert.throws(load({ issuer: 'http://sso.example.com/realms/orbis', clientId: 'orbis' }), /auth\.oidc\.issuer: must be https/);
    assert.throws(load({ issuer: 'https://sso.example.com/realms/orbis' }), /missing setting auth\.oidc\.clientId/);
    assert.throws(
      load({ issuer: 'https://sso.example.com/realms/orbis', clientId: 'orbis', scopes: 'email profile' }),
      /must include openid/,
    );
    assert.throws(load({ issuer: 'https://sso.example.com', clientId: 'o', roleMapping: [{ value: 'x' }] }), /roleMapping/);
    const s = loadSettings({
      env: { NODE_ENV: 'test', ORBIS_OIDC_ISSUER: 'https://sso.example.com/realms/orbis', ORBIS_OIDC_CLIENT_ID: 'orbis' },
      overrides: { server: { publicUrl: 'https://orbis.example.com/' } },
    });
    assert.equal(s.auth.oidc?.redirectUri, 'https://orbis.example.com/login/oidc/callback');
    assert.deepEqual(s.auth.oidc?.scopes, ['openid', 'email', 'profile']);
  });
});
