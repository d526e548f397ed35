// My account (issue 16 item 4) and ASVS 5.0 7.3.2 / 7.4.5: a session ends
// auth.sessionMaxHours after its sign-in however much it is used, and an
// administrator can sign every session of a user out (recorded).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { makeUser, startTestApp, type TestApp, type TestClient } from '#test/support/app';

const PASSWORD = 'correct horse battery';

describe('session lifetime and an administrator ending sessions', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });

  async function signedIn(email: string, password = PASSWORD): Promise<TestClient> {
    const c = app.client();
    assert.equal((await c.login(email, password)).status, 303, `${email} signs in`);
    return c;
  }

  it('lets an administrator sign every session of a user out, recorded with who did it', async () => {
    const user = await makeUser(app.ctx, 'karl@example.com');
    const one = await signedIn('karl@example.com');
    const two = await signedIn('karl@example.com');
    const admin = await makeUser(app.ctx, 'boss@example.com', { superuser: true });
    const boss = await signedIn('boss@example.com');
    assert.equal((await one.post(`/admin/users/${user.id}/sessions/end`, {}, { from: '/account' })).status, 403);
    const res = await boss.post(`/admin/users/${user.id}/sessions/end`, {}, { from: `/admin/users/${user.id}` });
    assert.equal(res.status, 303);
    assert.match((await boss.get(`/admin/users/${user.id}`)).text, /2 sessions ended\./);
    assert.deepEqual([(await one.get('/')).status, (await two.get('/')).status], [303, 303]);
    const [event] = await app.ctx.db.rows<{ detail: unknown }>(
      `select detail from auth_events where user_id = $1 and kind = 'session.ended'`,
      [user.id],
    );
    assert.deepEqual(event.detail, { count: 2, by: admin.id });
  });

  it('ends a session auth.sessionMaxHours after its sign-in, however much it is used', async () => {
    await makeUser(app.ctx, 'long@example.com');
    const c = await signedIn('long@example.com');
    assert.equal((await c.get('/')).status, 200);
    const sid = decodeURIComponent(c.cookies.get('orbis_sid')!).slice(2).split('.')[0];
    const [row] = await app.ctx.db.rows<{ at: string }>(`select data->'client'->>'signedInAt' as at from sessions where sid = $1`, [sid]);
    assert.ok(Math.abs(Date.parse(row.at) - Date.now()) < 60_000, 'the sign-in time is kept with the session');
    const hours = app.ctx.settings.auth.sessionMaxHours;
    assert.equal(hours, 720);
    const setSignedIn = (ms: number) =>
      app.ctx.db.exec(`update sessions set data = jsonb_set(data, '{client,signedInAt}', to_jsonb($2::text)) where sid = $1`, [
        sid,
        new Date(Date.now() - ms).toISOString(),
      ]);
    await setSignedIn((hours - 1) * 3600_000);
    assert.equal((await c.get('/')).status, 200, 'an hour before the end');
    await setSignedIn((hours + 1) * 3600_000);
    assert.equal((await c.get('/')).status, 303, 'over');
    assert.equal((await app.ctx.db.rows('select 1 from sessions where sid = $1', [sid])).length, 0);
  });
});
