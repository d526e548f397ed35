// The installation's cache where it pays: the total of a large card list
// (a count(*) over every match) is counted once and shared by every web
// process through memcached; a small list is always counted exactly. With
// memcached gone, pages still render from the database and /healthz stays 200.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LocalCache } from '#app/cache/local';
import type { AppContext } from '#app/context';
import { makeUser, startTestApp } from '#test/support/app';
import { cacheAvailable, closedPort, MEMCACHED_SERVERS } from '#test/support/cache';

const PASSWORD = 'correct horse battery';

/** `n` purchase requests in the given stage, written directly (a bulk load). */
async function bulkCards(ctx: AppContext, ownerId: number, stage: string, n: number, from = 1): Promise<void> {
  await ctx.db.exec(
    `insert into cards (type, number, title, stage, owner_id, data)
     select 'purchase_request', 'PR-' || lpad(g::text, 6, '0'), 'Bulk ' || g, $2, $1, '{}' from generate_series($3::int, $3::int + $4::int - 1) g`,
    [ownerId, stage, from, n],
  );
}

const total = async (ctx: AppContext, user: Awaited<ReturnType<AppContext['services']['users']['sessionUser']>>, stage: string) =>
  (
    await ctx.services.cards.list(user!, 'purchase_request', {
      q: '',
      stage,
      assignee: '',
      sort: '-updated_at',
      page: 1,
      filters: {},
      deleted: false,
    })
  ).total;

describe('large list totals in memcached, shared by two web processes', () => {
  test('a large total counted by one process is served to the other; a small list stays exact', async (t) => {
    if (!(await cacheAvailable(t, 'memcached'))) return;
    const env = { MEMCACHED_SERVERS: MEMCACHED_SERVERS.join(',') };
    const a = await startTestApp(env);
    const b = await startTestApp(env, undefined, a.db);
    assert.equal(b.ctx.cache.kind, 'memcached');
    const admin = await a.ctx.services.users.sessionUser((await makeUser(a.ctx, 'root@example.com', { superuser: true })).id);
    await bulkCards(a.ctx, admin!.id, 'approval', 1500);
    await bulkCards(a.ctx, admin!.id, 'draft', 10, 2001);
    assert.equal(await total(a.ctx, admin, 'approval'), 1500, 'counted in full by process A');
    await bulkCards(a.ctx, admin!.id, 'approval', 7, 3001);
    assert.equal(await total(b.ctx, admin, 'approval'), 1500, 'process B is served the total A counted (it lags, by design)');
    assert.equal(await total(b.ctx, admin, 'draft'), 10);
    await bulkCards(a.ctx, admin!.id, 'draft', 3, 4001);
    assert.equal(await total(b.ctx, admin, 'draft'), 13, 'a small list is always exact');
  });
});

test('the local LRU serves a large total within one process', async () => {
  const app = await startTestApp({ MEMCACHED_SERVERS: '' });
  assert.ok(app.ctx.cache instanceof LocalCache);
  const admin = await app.ctx.services.users.sessionUser((await makeUser(app.ctx, 'root@example.com', { superuser: true })).id);
  await bulkCards(app.ctx, admin!.id, 'approval', 1200);
  assert.equal(await total(app.ctx, admin, 'approval'), 1200);
  await bulkCards(app.ctx, admin!.id, 'approval', 5, 2001);
  assert.equal(await total(app.ctx, admin, 'approval'), 1200, 'from the cache');
});

test('memcached down: sign-in and pages work from the database; /healthz says cache ok false and stays 200', async () => {
  const app = await startTestApp({ MEMCACHED_SERVERS: await closedPort() });
  assert.equal(app.ctx.cache.kind, 'memcached');
  await makeUser(app.ctx, 'outage@example.com', { password: PASSWORD, superuser: true });
  const c = app.client();
  const started = Date.now();
  assert.equal((await c.login('outage@example.com', PASSWORD)).status, 303);
  for (const path of ['/', '/cards/purchase_request', '/admin/system', '/admin/users']) {
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
