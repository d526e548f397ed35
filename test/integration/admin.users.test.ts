import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { makeUser, startTestApp, type TestApp } from '#test/support/app';

describe('/admin/users', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await makeUser(app.ctx, 'admin@example.com', { superuser: true });
    await makeUser(app.ctx, 'op@example.com', { roles: ['operator'] });
  });

  it('is refused to a non-admin with 403', async () => {
    const c = app.client();
    await c.login('op@example.com', 'correct horse battery');
    assert.equal((await c.get('/admin/users')).status, 403);
    const res = await c.post('/admin/users', { email: 'x@example.com', password: 'a long enough pw' }, { from: '/' });
    assert.equal(res.status, 403);
    assert.equal(await app.ctx.services.users.findByEmail('x@example.com'), null);
  });

  it('shows field errors and keeps the input on a bad form', async () => {
    const c = app.client();
    await c.login('admin@example.com', 'correct horse battery');
    const res = await c.post(
      '/admin/users',
      { email: 'OP@example.com', display_name: '<b>Op</b>', password: 'short' },
      { from: '/admin/users/new' },
    );
    assert.equal(res.status, 400);
    assert.match(res.text, /data-field-error="email">a user with the email op@example.com already exists/);
    assert.match(res.text, /data-field-error="password">the password must be at least 10 characters/);
    assert.match(res.text, /value="&lt;b&gt;Op&lt;\/b&gt;"/, 'typed HTML is kept, escaped');
  });

  it('disables a user, ending their sessions at once, and enables them again', async () => {
    const admin = app.client();
    await admin.login('admin@example.com', 'correct horse battery');
    const victim = await makeUser(app.ctx, 'temp@example.com');
    const session = app.client();
    await session.login('temp@example.com', 'correct horse battery');
    assert.equal((await session.get('/')).status, 200);

    const res = await admin.post(`/admin/users/${victim.id}/active`, { active: '0' }, { from: `/admin/users/${victim.id}` });
    assert.equal(res.status, 303);
    const rows = await app.ctx.db.rows('select 1 from sessions where user_id = $1', [victim.id]);
    assert.equal(rows.length, 0);
    assert.equal((await session.get('/')).status, 303);
    assert.equal((await app.client().login('temp@example.com', 'correct horse battery')).status, 401);

    await admin.post(`/admin/users/${victim.id}/active`, { active: '1' }, { from: `/admin/users/${victim.id}` });
    assert.equal((await app.client().login('temp@example.com', 'correct horse battery')).status, 303);
  });

  it('shows a new user in the assignee filter of a list at once, and a disabled one no more', async () => {
    // The choices are kept per process for a few seconds (CardService.userChoices); changes made here drop them.
    const admin = app.client();
    await admin.login('admin@example.com', 'correct horse battery');
    const option = /<option value="(\d+)">Newly Hired<\/option>/;
    assert.doesNotMatch((await admin.get('/cards/purchase_request')).text, option);
    const res = await admin.post(
      '/admin/users',
      { email: 'hired@example.com', display_name: 'Newly Hired', password: 'a long enough pw' },
      { from: '/admin/users/new' },
    );
    assert.equal(res.status, 303);
    const hired = (await app.ctx.services.users.findByEmail('hired@example.com'))!;
    assert.equal(option.exec((await admin.get('/cards/purchase_request')).text)?.[1], String(hired.id));
    await admin.post(`/admin/users/${hired.id}/active`, { active: '0' }, { from: `/admin/users/${hired.id}` });
    assert.doesNotMatch((await admin.get('/cards/purchase_request')).text, option);
  });

  it('refuses to let an admin disable themself', async () => {
    const admin = app.client();
    await admin.login('admin@example.com', 'correct horse battery');
    const me = (await app.ctx.services.users.findByEmail('admin@example.com'))!;
    const res = await admin.post(`/admin/users/${me.id}/active`, { active: '0' }, { from: `/admin/users/${me.id}` });
    assert.equal(res.status, 400);
    assert.equal((await app.ctx.services.users.get(me.id)).is_active, true);
  });

  it('sets roles and resets a password', async () => {
    const admin = app.client();
    await admin.login('admin@example.com', 'correct horse battery');
    await app.ctx.services.users.ensureRole('manager');
    const u = await makeUser(app.ctx, 'roles@example.com');
    await admin.post(`/admin/users/${u.id}/roles`, { roles: ['operator', 'manager'] }, { from: `/admin/users/${u.id}` });
    assert.deepEqual((await app.ctx.services.users.sessionUser(u.id))!.roles, ['manager', 'operator']);
    const bad = await admin.post(`/admin/users/${u.id}/roles`, { roles: ['nonexistent'] }, { from: `/admin/users/${u.id}` });
    assert.equal(bad.status, 400);
    assert.deepEqual((await app.ctx.services.users.sessionUser(u.id))!.roles, ['manager', 'operator'], 'nothing changed');

    await admin.post(`/admin/users/${u.id}/password`, { password: 'a brand new secret' }, { from: `/admin/users/${u.id}` });
    assert.equal((await app.client().login('roles@example.com', 'correct horse battery')).status, 401);
    assert.equal((await app.client().login('roles@example.com', 'a brand new secret')).status, 303);
  });

  it('answers /healthz with the database state', async () => {
    const res = await app.client().get('/healthz');
    assert.equal(res.status, 200);
    const body = JSON.parse(res.text);
    assert.equal(body.status, 'ok');
    assert.equal(body.database.ok, true);
  });

  it('shows 404 pages with a request id', async () => {
    const res = await app.client().get('/no/such/page');
    assert.equal(res.status, 404);
    assert.match(res.text, /data-testid="request-id">[A-Za-z0-9_-]+</);
  });
});
