// The sign-in audit (issue 16 item 8): sign-ins (with the reason of a
// failure, which the person is never told), sign-outs, and an
// administrator's changes to roles, state and password are recorded with
// address and user agent; /admin/security lists them to superusers only,
// filtered by kind, user and days, in pages; the retention job purges them
// after retention.authEventDays.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import path from 'node:path';
import { readCatalogs, type Catalog } from '#app/i18n/i18n';
import { projectRoot } from '#app/config';
import { purgeOldRows } from '#app/jobs/housekeeping.retention';
import { AUTH_EVENT_KINDS } from '#app/services/auth-events';
import { makeUser, startTestApp, testContext, testSettings, type TestApp } from '#test/support/app';

const PASSWORD = 'correct horse battery';
const AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';

interface EventRow {
  kind: string;
  user_id: number | null;
  email: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: Record<string, unknown>;
}

describe('the sign-in audit', () => {
  let app: TestApp;
  let adminId: number;
  let opId: number;
  const events = (where = 'true', bind: unknown[] = []) =>
    app.ctx.db.rows<EventRow>(`select kind, user_id, email, ip, user_agent, detail from auth_events where ${where} order by id`, bind);
  /** The last event's id: what a test records comes after it. */
  const mark = async () => (await app.ctx.db.rows<{ id: number }>('select coalesce(max(id), 0)::int as id from auth_events'))[0].id;

  before(async () => {
    app = await startTestApp({}, { auth: { throttle: { windowMinutes: 15, perAccountAndIp: 3, perIp: 100, perAccountUntrusted: 50 } } });
    adminId = (await makeUser(app.ctx, 'admin@example.com', { superuser: true })).id;
    await app.ctx.services.users.ensureRole('buyer');
    await app.ctx.services.users.ensureRole('approver');
    opId = (await makeUser(app.ctx, 'op@example.com', { roles: ['buyer'] })).id;
  });

  it('records sign-ins, each failure with its reason, and sign-outs, with address and user agent', async () => {
    const c = app.client();
    c.headers['user-agent'] = AGENT;
    const since = await mark();
    assert.equal((await c.login('nobody@example.com', 'whatever it is')).status, 401);
    assert.equal((await c.login('OP@example.com', 'not the password')).status, 401);
    assert.equal((await c.login('op@example.com', PASSWORD)).status, 303);
    assert.equal((await c.post('/logout', {}, { from: '/' })).status, 303);
    const rows = await events('id > $1', [since]);
    assert.deepEqual(
      rows.map((r) => [r.kind, r.user_id, r.email, r.detail.reason ?? null]),
      [
        ['sign_in.failed', null, 'nobody@example.com', 'unknown_email'],
        ['sign_in.failed', opId, 'op@example.com', 'bad_password'],
        ['sign_in.ok', opId, 'op@example.com', null],
        ['sign_out', opId, 'op@example.com', null],
      ],
    );
    for (const r of rows) {
      assert.equal(r.user_agent, AGENT);
      assert.match(r.ip ?? '', /127\.0\.0\.1/);
    }
    // The answer never says which: the reason is for the audit alone.
    for (const res of [await app.client().login('nobody@example.com', 'whatever it is'), await app.client().login('op@example.com', 'wrong')]) {
      assert.equal(res.status, 401);
      assert.match(res.text, /Invalid email or password\./);
      assert.doesNotMatch(res.text, /no account|wrong password|unknown_email|bad_password/);
    }
  });

  it('records a disabled account and a throttled attempt as failures with their reason', async () => {
    const gone = await makeUser(app.ctx, 'gone@example.com');
    await app.ctx.services.users.setActive(gone.id, false);
    assert.equal((await app.client().login('gone@example.com', PASSWORD)).status, 401);
    const c = app.client();
    for (let i = 0; i < 3; i++) await c.login('victim@example.com', 'guess number ' + i);
    assert.equal((await c.login('victim@example.com', 'one guess too many')).status, 429);
    const reasons = await events(`kind = 'sign_in.failed' and email in ('gone@example.com', 'victim@example.com')`);
    assert.deepEqual(
      reasons.map((r) => `${r.email} ${String(r.detail.reason)}`),
      ['gone@example.com disabled', ...Array(3).fill('victim@example.com unknown_email'), 'victim@example.com throttled'],
    );
  });

  it("records an administrator's role, state and password changes, naming the administrator", async () => {
    const admin = app.client();
    admin.headers['user-agent'] = AGENT;
    await admin.login('admin@example.com', PASSWORD);
    const from = `/admin/users/${opId}`;
    const since = await mark();
    assert.equal((await admin.post(`/admin/users/${opId}/roles`, { roles: ['approver'], is_superuser: 'on' }, { from })).status, 303);
    assert.equal((await admin.post(`/admin/users/${opId}/roles`, { roles: ['approver'], is_superuser: 'on' }, { from })).status, 303);
    assert.equal((await admin.post(`/admin/users/${opId}/active`, { active: '0' }, { from })).status, 303);
    assert.equal((await admin.post(`/admin/users/${opId}/active`, { active: '1' }, { from })).status, 303);
    assert.equal((await admin.post(`/admin/users/${opId}/password`, { password: 'a brand new secret' }, { from })).status, 303);
    const rows = await events('id > $1', [since]);
    assert.deepEqual(
      rows.map((r) => [r.kind, r.user_id, r.detail.role ?? null, r.detail.by]),
      [
        ['role.granted', opId, 'approver', adminId],
        ['role.revoked', opId, 'buyer', adminId],
        ['role.granted', opId, 'superuser', adminId],
        // Saving the same roles again changes nothing and records nothing.
        ['user.disabled', opId, null, adminId],
        ['user.enabled', opId, null, adminId],
        ['password.reset', opId, null, adminId],
      ],
    );
    assert.ok(rows.every((r) => r.user_agent === AGENT && r.email === 'op@example.com'));
  });

  it('lists the events to superusers only, filtered by kind, user and days, in pages', async () => {
    const op = app.client();
    await op.login('op@example.com', 'a brand new secret');
    assert.equal((await op.get('/admin/security')).status, 403);

    const admin = app.client();
    await admin.login('admin@example.com', PASSWORD);
    const page = await admin.get('/admin/security');
    assert.equal(page.status, 200);
    assert.match(page.text, /data-kind="password\.reset"/);
    assert.match(page.text, /Firefox 128 on Windows/);
    assert.match(page.text, /by admin@example\.com/);

    const failed = await admin.get('/admin/security?kind=sign_in.failed');
    const kinds = [...failed.text.matchAll(/data-kind="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(kinds.length >= 5 && kinds.every((k) => k === 'sign_in.failed'), kinds.join());
    assert.match(failed.text, /wrong password/);

    // By the email typed at a failed sign-in (no account has it), and by a user's id.
    const tried = await admin.get('/admin/security?user=nobody%40example.com');
    assert.equal([...tried.text.matchAll(/data-kind="sign_in\.failed"/g)].length, 2);
    assert.match(tried.text, /no account with this email/);
    const byId = await admin.get(`/admin/security?user=${opId}&kind=role.granted`);
    assert.equal([...byId.text.matchAll(/data-testid="auth-event"/g)].length, 2);

    // Days, in the viewer's zone, both included; 60 old events make two pages.
    await app.ctx.db.exec(
      `insert into auth_events (at, kind, user_id, email) select timestamptz '2026-03-10 12:00Z' + make_interval(mins => g), 'sign_in.ok', $1, 'op@example.com' from generate_series(1, 60) g`,
      [opId],
    );
    const first = await admin.get('/admin/security?from=2026-03-10&to=2026-03-10');
    assert.equal([...first.text.matchAll(/data-testid="auth-event"/g)].length, 50);
    assert.match(first.text, /href="\/admin\/security\?from=2026-03-10&amp;to=2026-03-10&amp;page=2" data-testid="next-page"/);
    const second = await admin.get('/admin/security?from=2026-03-10&to=2026-03-10&page=2');
    assert.equal([...second.text.matchAll(/data-testid="auth-event"/g)].length, 10);
    assert.equal([...(await admin.get('/admin/security?from=2026-03-11&to=2026-03-11')).text.matchAll(/data-testid="auth-event"/g)].length, 0);

    // A filter that cannot be applied says so, keeps the input and shows no rows.
    const bad = await admin.get('/admin/security?kind=nonsense&from=2026-02-30');
    assert.equal(bad.status, 400);
    assert.match(bad.text, /data-field-error="kind">Choose an event of the list\./);
    assert.match(bad.text, /data-field-error="from">Not a date\./);
    assert.match(bad.text, /value="2026-02-30"/);
    assert.doesNotMatch(bad.text, /data-testid="auth-event"/);
  });

  it('names every kind in every language', () => {
    const catalogs = readCatalogs(path.join(projectRoot, 'locales'));
    for (const [locale, catalog] of Object.entries(catalogs)) {
      for (const kind of AUTH_EVENT_KINDS) {
        const words = `admin.security.kinds.${kind}`.split('.').reduce<Catalog | string | undefined>((c, k) => (typeof c === 'object' ? c[k] : undefined), catalog);
        assert.equal(typeof words, 'string', `${locale}: no words for ${kind}`);
      }
    }
  });
});

describe('the retention job and the sign-in audit', () => {
  it('purges events older than retention.authEventDays (365 by default) and keeps the others', async () => {
    const { ctx } = await testContext({}, { retention: { authEventDays: 30 } });
    assert.equal(testSettings().retention.authEventDays, 365);
    await ctx.db.exec(
      `insert into auth_events (at, kind, email) select now() - make_interval(days => d), 'sign_in.failed', 'x' || d || '@example.com' from unnest(array[10, 29, 31, 400]) d`,
    );
    const result = await purgeOldRows({ db: ctx.db, settings: ctx.settings, throttle: ctx.services.throttle }, null, { batchSize: 1, pauseMs: 1 });
    assert.equal(result.authEvents, 2);
    assert.deepEqual(await ctx.db.rows(`select email from auth_events order by at desc`), [
      { email: 'x10@example.com' },
      { email: 'x29@example.com' },
    ]);
  });
});
