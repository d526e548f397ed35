// Personal access tokens from birth to end: made on /account/tokens (shown
// once; ./manage.ts token: api.token-command.test.ts), stored
// as a hash, used as `Authorization: Bearer`, read-only or read-write, last
// use recorded, rate-limited (429 + Retry-After), and refused at once when
// revoked (by their user or an admin), expired, or their user disabled. The
// API reads no cookie and wants no CSRF token.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import { tokenHash } from '#app/services/secret-box';
import type { SessionUser } from '#app/services/users';
import { startTestApp, type TestApp } from '#test/support/app';
import { ApiClient, contractProblems, servedDocument, tokenFor, type Recorded } from '#test/support/api';
import { sessionUserFor } from '#test/support/cards';

describe('REST API: personal access tokens', () => {
  let app: TestApp;
  let ctx: AppContext;
  let op: SessionUser;
  let admin: SessionUser;
  const recorded: Recorded[] = [];
  const client = (token: string | null) => new ApiClient(app.url, token, recorded);

  before(async () => {
    app = await startTestApp({}, { api: { requestsPerMinute: 1000 } });
    ctx = app.ctx;
    op = await sessionUserFor(ctx, 'op@example.com', { roles: ['operator'] });
    admin = await sessionUserFor(ctx, 'root@example.com', { superuser: true });
  });

  it('is made on /account/tokens, shown once, kept only as a hash, and revoked there', async () => {
    const browser = app.client();
    assert.equal((await browser.login('op@example.com', 'correct horse battery')).status, 303);
    const made = await browser.post('/account/tokens', { name: 'shop sync', scope: 'write', expires: '30' }, { from: '/account/tokens' });
    assert.equal(made.status, 201);
    const token =
      /data-testid="token-value" value="([^"]+)"/.exec(made.text.replace(/\s+/g, ' '))?.[1] ?? /value="(orbis_[^"]+)"/.exec(made.text)?.[1];
    assert.ok(token?.startsWith('orbis_'), 'the token is on the answer');
    const [row] = await ctx.db.rows<{ id: number; token_hash: string; prefix: string; scope: string; expires_at: Date }>(
      "select id, token_hash, prefix, scope, expires_at from api_tokens where name = 'shop sync'",
    );
    assert.equal(row.token_hash, tokenHash(token!));
    assert.ok(token!.startsWith(row.prefix) && row.prefix.length < 20);
    assert.equal(row.scope, 'write');
    assert.ok(Math.abs(new Date(row.expires_at).getTime() - Date.now() - 30 * 86_400_000) < 60_000);
    const again = await browser.get('/account/tokens');
    assert.ok(!again.text.includes(token!), 'never shown again');
    assert.ok(again.text.includes(`${row.prefix}…`), 'its prefix is, for recognition');

    assert.equal((await client(token!).get('/api/v1/users/me')).status, 200);
    // Written beside the request (never in its way): wait for it briefly.
    let used: Date | null = null;
    for (let i = 0; i < 40 && !used; i++) {
      used = (await ctx.db.rows<{ last_used_at: Date | null }>('select last_used_at from api_tokens where id = $1', [row.id]))[0]
        .last_used_at;
      if (!used) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(used, 'last use recorded');

    const bad = await browser.post('/account/tokens', { name: '', scope: 'admin', expires: '-3' }, { from: '/account/tokens' });
    assert.equal(bad.status, 400);
    for (const f of ['name', 'scope', 'expires']) assert.match(bad.text, new RegExp(`data-field-error="${f}"`));

    const revoked = await browser.post(`/account/tokens/${row.id}/revoke`, {}, { from: '/account/tokens' });
    assert.equal(revoked.status, 303);
    const r = await client(token!).get('/api/v1/users/me');
    assert.equal(r.status, 401, 'refused at the very next request');
    assert.match(r.headers.get('www-authenticate') ?? '', /invalid_token/);
  });

  it('is refused once expired, or when its user is disabled; a read token only reads', async () => {
    const expiring = await tokenFor(ctx, op.id, 'write', 1);
    assert.equal((await client(expiring).get('/api/v1/users/me')).status, 200);
    await ctx.db.exec("update api_tokens set expires_at = now() - interval '1 second' where token_hash = $1", [tokenHash(expiring)]);
    assert.equal((await client(expiring).get('/api/v1/users/me')).status, 401);

    const someone = await sessionUserFor(ctx, 'leaver@example.com', { roles: ['operator'] });
    const theirs = await tokenFor(ctx, someone.id);
    assert.equal((await client(theirs).get('/api/v1/users/me')).status, 200);
    await ctx.services.users.setActive(someone.id, false);
    assert.equal((await client(theirs).get('/api/v1/users/me')).status, 401, 'a disabled user’s token, at once');

    const reading = await tokenFor(ctx, op.id, 'read');
    assert.equal((await client(reading).get('/api/v1/card-types')).status, 200);
    const write = await client(reading).post('/api/v1/cards/purchase_request', { title: 'x' });
    assert.equal(write.status, 403);
    assert.match(write.headers.get('www-authenticate') ?? '', /insufficient_scope/);
  });

  it('needs the bearer header: no token, a wrong one, a session cookie alone are 401; no CSRF token is asked', async () => {
    assert.equal((await client(null).get('/api/v1/card-types')).status, 401);
    assert.equal((await client('orbis_nonsense').get('/api/v1/card-types')).status, 401);
    const browser = app.client();
    await browser.login('op@example.com', 'correct horse battery');
    const withCookie = await browser.get('/api/v1/card-types', { accept: 'application/json' });
    assert.equal(withCookie.status, 401, 'a signed-in browser session is not an API credential');
    const token = await tokenFor(ctx, op.id);
    const made = await client(token).post('/api/v1/tasks', { title: 'No CSRF', assignee: op.id, due_at: '2027-01-01T10:00:00Z' });
    assert.equal(made.status, 201, made.text);
  });

  it('is rate-limited per token: 429 with Retry-After, other tokens unaffected', async () => {
    const limited = await startTestApp({}, { api: { requestsPerMinute: 3 } }, app.db);
    const user = (await ctx.services.users.sessionUser(op.id))!;
    const a = new ApiClient(limited.url, await tokenFor(ctx, user.id), recorded);
    const b = new ApiClient(limited.url, await tokenFor(ctx, user.id), recorded);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await a.get('/api/v1/users/me')).status);
    // A minute's window may turn between two requests: then the count starts again.
    if (statuses[3] !== 429) for (let i = 0; i < 4; i++) statuses.push((await a.get('/api/v1/users/me')).status);
    assert.ok(statuses.includes(429), statuses.join(' '));
    const last = await a.get('/api/v1/users/me');
    assert.equal(last.status, 429);
    const retry = Number(last.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    assert.equal((await b.get('/api/v1/users/me')).status, 200, 'another token has its own count');
  });

  it('is listed and revoked by an admin on /admin/tokens, and only there', async () => {
    const token = await tokenFor(ctx, op.id);
    const [{ id }] = await ctx.db.rows<{ id: number }>('select id from api_tokens where token_hash = $1', [tokenHash(token)]);
    const other = app.client();
    await other.login('op@example.com', 'correct horse battery');
    assert.equal((await other.get('/admin/tokens')).status, 403);
    await sessionUserFor(ctx, 'mallory@example.com', { roles: ['operator'] });
    const m = app.client();
    await m.login('mallory@example.com', 'correct horse battery');
    assert.equal((await m.post(`/account/tokens/${id}/revoke`, {}, { from: '/account/tokens' })).status, 404, 'not another user’s token');
    assert.equal((await client(token).get('/api/v1/users/me')).status, 200);
    const root = app.client();
    await root.login('root@example.com', 'correct horse battery');
    const list = await root.get('/admin/tokens');
    assert.equal(list.status, 200);
    assert.match(list.text, /op@example\.com/);
    assert.equal((await root.post(`/admin/tokens/${id}/revoke`, {}, { from: '/admin/tokens' })).status, 303);
    assert.equal((await client(token).get('/api/v1/users/me')).status, 401);
    assert.ok(admin);
  });

  it('every API answer above matches the OpenAPI document', async () => {
    const doc = await servedDocument(app.url, await tokenFor(ctx, admin.id, 'read'));
    assert.deepEqual(contractProblems(doc, recorded), []);
  });
});
