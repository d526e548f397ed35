import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { INVALID_LOGIN } from '#app/services/users';
import { makeUser, startTestApp, TestClient, type TestApp } from '#test/support/app';

describe('signing in and out', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await makeUser(app.ctx, 'ada@example.com', { name: 'Ada' });
  });

  it('signs in with the right password and shows the dashboard', async () => {
    const c = app.client();
    const res = await c.login('ADA@example.com', 'correct horse battery');
    assert.equal(res.status, 303);
    assert.equal(res.location, '/');
    const home = await c.get('/');
    assert.equal(home.status, 200);
    assert.match(home.text, /Welcome, Ada/);
  });

  it('gives unknown email and wrong password the same answer', async () => {
    const wrong = await app.client().login('ada@example.com', 'not the password');
    const unknown = await app.client().login('nobody@example.com', 'not the password');
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.ok(wrong.text.includes(INVALID_LOGIN) && unknown.text.includes(INVALID_LOGIN));
    assert.match(wrong.text, /value="ada@example.com"/, 'the typed email is kept');
  });

  it('regenerates the session id at sign-in', async () => {
    const c = app.client();
    await c.get('/login');
    const before = c.cookies.get('orbis_sid');
    assert.ok(before, 'an anonymous session carries the CSRF token');
    await c.login('ada@example.com', 'correct horse battery');
    const after = c.cookies.get('orbis_sid');
    assert.ok(after);
    assert.notEqual(after, before);
    const [{ n }] = await app.ctx.db.rows<{ n: number }>('select count(*)::int as n from sessions where sid = $1', [
      decodeURIComponent(before!).slice(2).split('.')[0],
    ]);
    assert.equal(n, 0, 'the pre-login session is gone');
  });

  it('destroys the session at sign-out', async () => {
    const c = app.client();
    await c.login('ada@example.com', 'correct horse battery');
    const sid = decodeURIComponent(c.cookies.get('orbis_sid')!).slice(2).split('.')[0];
    const out = await c.post('/logout', {}, { from: '/' });
    assert.equal(out.status, 303);
    assert.equal(out.location, '/login');
    const rows = await app.ctx.db.rows('select 1 from sessions where sid = $1', [sid]);
    assert.equal(rows.length, 0);
    const home = await c.get('/');
    assert.equal(home.status, 303, 'signed out: the dashboard redirects to the login page');
  });

  it('keeps sessions in PostgreSQL, shared by every web process and kept across restarts', async () => {
    const c = app.client();
    await c.login('ada@example.com', 'correct horse battery');
    // A second app on the same database: another web process, or this one restarted.
    const other = await startTestApp({}, undefined, app.db);
    const again = new TestClient(other.url);
    for (const [k, v] of c.cookies) again.cookies.set(k, v);
    const home = await again.get('/');
    assert.equal(home.status, 200);
    assert.match(home.text, /Welcome, Ada/);
  });

  it('locks a disabled user out at once, session included', async () => {
    const user = await makeUser(app.ctx, 'bob@example.com', { name: 'Bob' });
    const c = app.client();
    await c.login('bob@example.com', 'correct horse battery');
    assert.equal((await c.get('/')).status, 200);
    await app.ctx.db.exec('update users set is_active = false where id = $1', [user.id]); // even without the admin page
    assert.equal((await c.get('/')).status, 303);
    const again = await app.client().login('bob@example.com', 'correct horse battery');
    assert.equal(again.status, 401);
    assert.ok(again.text.includes(INVALID_LOGIN));
  });

  it('sets HttpOnly SameSite=Lax cookies and security headers', async () => {
    const res = await app.client().get('/login');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('orbis_sid='))!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  });

  it('does not redirect off-site after sign-in', async () => {
    const c = app.client();
    await c.get('//evil.example.com/');
    const res = await c.login('ada@example.com', 'correct horse battery');
    assert.equal(res.location, '/');
  });
});
