// The cached session user: two web processes (two apps on one database, one
// memcached) see a role change and a disable at once; and with memcached
// gone, pages still render from the database and /healthz stays 200.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LocalCache } from '#app/cache/local';
import { SESSION_USER_TTL } from '#app/services/users';
import { makeUser, startTestApp } from '#test/support/app';
import { cacheAvailable, closedPort, MEMCACHED_SERVERS } from '#test/support/cache';

const PASSWORD = 'correct horse battery';

describe('session user cached in memcached, shared by two web processes', () => {
  test('a role change in one process is seen by the other on the next request; a disabled user is out at once', async (t) => {
    if (!(await cacheAvailable(t, 'memcached'))) return;
    const env = { MEMCACHED_SERVERS: MEMCACHED_SERVERS.join(',') };
    const a = await startTestApp(env);
    const b = await startTestApp(env, undefined, a.db);
    assert.equal(a.ctx.cache.kind, 'memcached');
    const user = await makeUser(a.ctx, 'cached@example.com', { password: PASSWORD });
    await a.ctx.services.users.ensureRole('clerk');
    const c = a.client();
    assert.equal((await c.login('cached@example.com', PASSWORD)).status, 303);
    // Warm the cache through process A, then check it is really served from the cache.
    assert.equal((await c.get('/')).status, 200);
    const first = await a.ctx.services.users.sessionUser(user.id);
    assert.deepEqual(first?.roles, []);
    await a.ctx.db.exec('update users set display_name = $2 where id = $1', [user.id, 'Changed behind the cache']);
    assert.notEqual((await a.ctx.services.users.sessionUser(user.id))?.displayName, 'Changed behind the cache', 'served from the cache');
    // Process B changes roles: A's next read has them.
    await b.ctx.services.users.setRoles(user.id, ['clerk']);
    assert.deepEqual((await a.ctx.services.users.sessionUser(user.id))?.roles, ['clerk']);
    // Process B disables: the user's next page through A is the sign-in page.
    await b.ctx.services.users.setActive(user.id, false);
    assert.equal(await a.ctx.services.users.sessionUser(user.id), null);
    const r = await c.get('/');
    assert.equal(r.status, 303);
    assert.equal(r.location, '/login');
  });
});

test('the local LRU keeps a session user only briefly (other processes cannot be told)', async () => {
  assert.ok(SESSION_USER_TTL.local <= 5);
  const app = await startTestApp({ MEMCACHED_SERVERS: '' });
  assert.ok(app.ctx.cache instanceof LocalCache);
  const user = await makeUser(app.ctx, 'local@example.com', { password: PASSWORD });
  await app.ctx.services.users.sessionUser(user.id);
  // A change in this process is seen at once (its own cache is invalidated).
  await app.ctx.services.users.setSuperuser(user.id, true);
  assert.equal((await app.ctx.services.users.sessionUser(user.id))?.isSuperuser, true);
});

test('memcached down: sign-in and pages work from the database; /healthz says cache ok false and stays 200', async () => {
  const app = await startTestApp({ MEMCACHED_SERVERS: await closedPort() });
  assert.equal(app.ctx.cache.kind, 'memcached');
  await makeUser(app.ctx, 'outage@example.com', { password: PASSWORD, superuser: true });
  const c = app.client();
  const started = Date.now();
  assert.equal((await c.login('outage@example.com', PASSWORD)).status, 303);
  for (const path of ['/', '/admin/system', '/admin/users']) {
    const r = await c.get(path);
    assert.equal(r.status, 200, `${path}: ${r.status}`);
  }
  assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
  const h = await c.get('/healthz', { accept: 'application/json' });
  assert.equal(h.status, 200);
  const body = JSON.parse(h.text) as { cache: { ok: boolean; error?: string }; warnings: string[] };
  assert.equal(body.cache.ok, false);
  assert.ok(body.warnings.includes('cache'));
});

test('/healthz reports a reachable cache as ok', async (t) => {
  if (!(await cacheAvailable(t, 'memcached'))) return;
  const app = await startTestApp({ MEMCACHED_SERVERS: MEMCACHED_SERVERS.join(',') });
  const h = await app.client().get('/healthz', { accept: 'application/json' });
  const body = JSON.parse(h.text) as { cache: { ok: boolean; kind: string } };
  assert.deepEqual([body.cache.ok, body.cache.kind], [true, 'memcached']);
});
