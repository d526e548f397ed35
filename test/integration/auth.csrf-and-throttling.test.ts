import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { makeUser, startTestApp, type TestApp } from '#test/support/app';

describe('CSRF protection', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await makeUser(app.ctx, 'admin@example.com', { superuser: true });
  });

  it('refuses a login POST without a token', async () => {
    const res = await app.client().post('/login', { email: 'admin@example.com', password: 'correct horse battery' }, { csrf: false });
    assert.equal(res.status, 403);
    assert.match(res.text, /CSRF/);
  });

  it('refuses a state-changing POST with a wrong token and changes nothing', async () => {
    const c = app.client();
    await c.login('admin@example.com', 'correct horse battery');
    const res = await c.post('/admin/users', { email: 'mallory@example.com', password: 'a long enough pw', _csrf: 'forged' });
    assert.equal(res.status, 403);
    assert.equal(await app.ctx.services.users.findByEmail('mallory@example.com'), null);
  });

  it('accepts the token in the X-CSRF-Token header', async () => {
    const c = app.client();
    await c.login('admin@example.com', 'correct horse battery');
    const token = await c.csrf('/admin/users/new');
    const form = new URLSearchParams({ email: 'header@example.com', password: 'a long enough pw' });
    const res = await c.request('POST', '/admin/users', form, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-csrf-token': token,
    });
    assert.equal(res.status, 303);
    assert.ok(await app.ctx.services.users.findByEmail('header@example.com'));
  });
});

describe('login throttling', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await makeUser(app.ctx, 'victim@example.com');
  });

  it('throttles 1,000 wrong passwords for one account, and the real user still signs in', async () => {
    const attacker = app.client();
    attacker.headers['x-forwarded-for'] = '203.0.113.7';
    const token = await attacker.csrf();
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      const res = await attacker.post('/login', { email: 'victim@example.com', password: `guess-${i}`, _csrf: token });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    const limit = app.ctx.settings.auth.throttle.perAccountAndIp;
    assert.equal(statuses.get(401), limit, `only ${limit} guesses were even checked`);
    assert.equal(statuses.get(429), 1000 - limit);
    const [{ n }] = await app.ctx.db.rows<{ n: number }>(`select count as n from login_counters where scope = 'account+ip'`);
    assert.equal(n, limit, 'the refused attempts gave their places back');

    // Even the right password from the attacker's address waits.
    const blocked = await attacker.post('/login', { email: 'victim@example.com', password: 'correct horse battery', _csrf: token });
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);

    // The real user, from their own address, gets in.
    const user = app.client();
    user.headers['x-forwarded-for'] = '198.51.100.20';
    const ok = await user.login('victim@example.com', 'correct horse battery');
    assert.equal(ok.status, 303);
    assert.equal((await user.get('/')).status, 200);
  });

  it('lets a trusted device in during a distributed guess at the account', async () => {
    await makeUser(app.ctx, 'target@example.com');
    const device = app.client();
    device.headers['x-forwarded-for'] = '198.51.100.30';
    assert.equal((await device.login('target@example.com', 'correct horse battery')).status, 303);
    assert.ok(device.cookies.get('orbis_device'), 'a device cookie is issued at sign-in');
    await device.post('/logout', {}, { from: '/' });

    const untrusted = app.ctx.settings.auth.throttle.perAccountUntrusted;
    for (let i = 0; i < untrusted; i++) {
      const bot = app.client();
      bot.headers['x-forwarded-for'] = `192.0.2.${i + 1}`;
      assert.equal((await bot.login('target@example.com', `nope-${i}`)).status, 401);
    }
    const fresh = app.client();
    fresh.headers['x-forwarded-for'] = '192.0.2.250';
    assert.equal((await fresh.login('target@example.com', 'correct horse battery')).status, 429, 'an unknown device waits');
    assert.equal((await device.login('target@example.com', 'correct horse battery')).status, 303, 'the trusted device gets in');
  });
});
