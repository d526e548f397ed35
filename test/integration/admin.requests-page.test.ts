// /admin/requests: only for administrators; filters by user (email or id),
// path text, status (exact or class), time range typed in the admin's time
// zone; pages newest first; every filter in the URL; values escaped.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { RequestLogEntry } from '#app/services/request-log';
import { insertBatch } from '#app/worker/request-log-consumer';
import { makeUser, startTestApp, type TestApp, type TestClient } from '#test/support/app';

const PASSWORD = 'correct horse battery';

function paths(html: string): string[] {
  return [...html.matchAll(/data-testid="path">([^<]*)</g)].map((m) => m[1]);
}

describe('/admin/requests', () => {
  let app: TestApp;
  let admin: TestClient;
  let opId: number;
  let adminId: number;

  before(async () => {
    // No consumer runs here: the only rows are the ones inserted below.
    app = await startTestApp();
    const users = app.ctx.services.users;
    adminId = (await users.create({ email: 'admin@example.com', password: PASSWORD, isSuperuser: true, timeZone: 'Europe/Berlin' })).id;
    opId = (await makeUser(app.ctx, 'op@example.com', { roles: ['operator'] })).id;
    const e = (
      at: string,
      method: string,
      path: string,
      status: number,
      userId: number | null,
      userAgent: string | null = 'test-agent',
    ): RequestLogEntry => ({
      at,
      method,
      path,
      status,
      durationMs: 12.34,
      userId,
      ip: '10.0.0.7',
      requestId: `rid-${at.slice(11, 13)}-${status}`,
      userAgent,
    });
    await insertBatch(app.ctx, [
      e('2026-01-10T10:00:00Z', 'GET', '/cards/purchase_request', 200, opId),
      e('2026-01-10T11:00:00Z', 'POST', '/cards/purchase_request/5/edit', 303, opId),
      e('2026-01-10T12:00:00Z', 'GET', '/admin/users', 403, opId),
      e('2026-01-10T13:00:00Z', 'GET', '/<b>boom</b>', 500, null, '<script>alert(1)</script>'),
      e('2026-01-10T14:00:00Z', 'GET', '/cards/complaint', 502, adminId),
    ]);
    await insertBatch(
      app.ctx,
      Array.from({ length: 60 }, (_, i) => e(new Date(Date.UTC(2026, 0, 9, 0, i)).toISOString(), 'GET', `/bulk/${i}`, 200, null)),
    );
    admin = app.client();
    assert.equal((await admin.login('admin@example.com', PASSWORD)).status, 303);
  });

  it('is refused to a non-admin (403) and sends the anonymous to sign in', async () => {
    const op = app.client();
    await op.login('op@example.com', PASSWORD);
    const res = await op.get('/admin/requests');
    assert.equal(res.status, 403);
    assert.doesNotMatch(res.text, /\/cards\/purchase_request\/5\/edit/);
    const anon = await app.client().get('/admin/requests');
    assert.equal(anon.status, 303);
    assert.equal(anon.location, '/login');
  });

  it('lists newest first in pages of 50, the nav links to it, and paging keeps the filters', async () => {
    const first = await admin.get('/admin/requests');
    assert.equal(first.status, 200);
    assert.match(first.text, /href="\/admin\/requests">Requests</, 'the admin menu links the page');
    const p1 = paths(first.text);
    assert.equal(p1.length, 50);
    assert.deepEqual(p1.slice(0, 5), [
      '/cards/complaint',
      '/&lt;b&gt;boom&lt;/b&gt;',
      '/admin/users',
      '/cards/purchase_request/5/edit',
      '/cards/purchase_request',
    ]);
    assert.equal(p1[5], '/bulk/59');
    assert.match(first.text, /href="\/admin\/requests\?page=2" data-testid="next-page"/);
    const second = paths((await admin.get('/admin/requests?page=2')).text);
    assert.equal(second.length, 15);
    assert.equal(second.at(-1), '/bulk/0');
    const bulk = await admin.get('/admin/requests?q=bulk');
    assert.match(bulk.text, /href="\/admin\/requests\?q=bulk&amp;page=2" data-testid="next-page"/);
    assert.equal(paths((await admin.get('/admin/requests?q=bulk&page=2')).text).length, 10);
  });

  it('filters by user email or id, path text, exact status and status class', async () => {
    const byEmail = paths((await admin.get('/admin/requests?user=OP%40example.com')).text);
    assert.deepEqual(byEmail, ['/admin/users', '/cards/purchase_request/5/edit', '/cards/purchase_request']);
    assert.deepEqual(paths((await admin.get(`/admin/requests?user=${opId}`)).text), byEmail);
    assert.deepEqual(paths((await admin.get('/admin/requests?q=purchase')).text), [
      '/cards/purchase_request/5/edit',
      '/cards/purchase_request',
    ]);
    assert.deepEqual(paths((await admin.get('/admin/requests?q=%25')).text), [], '% typed by the admin matches itself');
    assert.deepEqual(paths((await admin.get('/admin/requests?status=5xx')).text), ['/cards/complaint', '/&lt;b&gt;boom&lt;/b&gt;']);
    assert.deepEqual(paths((await admin.get('/admin/requests?status=403')).text), ['/admin/users']);
    assert.deepEqual(paths((await admin.get(`/admin/requests?status=5xx&user=${adminId}`)).text), ['/cards/complaint']);
  });

  it('reads the time range in the admin’s time zone', async () => {
    // Europe/Berlin is UTC+1 in January: 12:30–14:30 there is 11:30–13:30 UTC.
    const res = await admin.get('/admin/requests?from=2026-01-10T12%3A30&to=2026-01-10T14%3A30');
    assert.equal(res.status, 200);
    assert.deepEqual(paths(res.text), ['/&lt;b&gt;boom&lt;/b&gt;', '/admin/users']);
    assert.match(res.text, /name="from" value="2026-01-10T12:30"/, 'the filter is kept in the form');
  });

  it('answers bad filters with 400 and the field named, reading no rows', async () => {
    const res = await admin.get('/admin/requests?status=abc&from=2026-02-30T10%3A00&user=nobody%40example.com');
    assert.equal(res.status, 400);
    assert.match(res.text, /data-field-error="status">Type a status like 404 or a class like 5xx\./);
    assert.match(res.text, /data-field-error="from">Not a date and time \(Europe\/Berlin\)\./);
    assert.match(res.text, /data-field-error="user">No user has this email\./);
    assert.deepEqual(paths(res.text), []);
    const word = await admin.get('/admin/requests?user=somebody');
    assert.equal(word.status, 400);
    assert.match(word.text, /data-field-error="user">Type a user id or an email\./);
  });

  it('escapes logged values and typed filters', async () => {
    const res = await admin.get('/admin/requests?status=500');
    assert.match(res.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.doesNotMatch(res.text, /<script>alert/);
    assert.doesNotMatch(res.text, /<b>boom/);
    const typed = await admin.get('/admin/requests?q=%22%3E%3Cimg%20src%3Dx%3E');
    assert.equal(typed.status, 200);
    assert.doesNotMatch(typed.text, /<img src=x>/);
    assert.match(typed.text, /value="&quot;&gt;&lt;img src=x&gt;"/);
  });
});
