// The session store reads the signed-in user (roles included) and the
// bell's count in the same statement as the session. That must not make
// any of them stale: a role granted, a name changed, a user disabled, a
// notice read — the next request sees it. The count stops at 100: "99+".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeUser, startTestApp } from '#test/support/app';

describe('the user read with the session', () => {
  it('is fresh on every request: roles, name, bell count, disabling', async () => {
    const app = await startTestApp();
    const ann = await makeUser(app.ctx, 'ann@example.com', { name: 'Ann Original' });
    const c = app.client();
    assert.equal((await c.login('ann@example.com', 'correct horse battery')).status, 303);

    const home = await c.get('/');
    assert.match(home.text, /data-testid="current-user">Ann Original</);
    assert.doesNotMatch(home.text, /bell-count/);
    assert.equal((await c.get('/admin/users')).status, 403, 'not an administrator yet');

    await app.ctx.db.exec(`update users set display_name = 'Ann Renamed', is_superuser = true where id = $1`, [ann.id]);
    const insert = (n: number, from: number) =>
      app.ctx.db.exec(
        `insert into notifications (user_id, kind, key, title) select $1, 'task.overdue', 'k' || g, 'notice ' || g from generate_series($2::int, $3::int) g`,
        [ann.id, from, from + n - 1],
      );
    await insert(3, 1);
    const after = await c.get('/');
    assert.match(after.text, /data-testid="current-user">Ann Renamed</);
    assert.match(after.text, /data-testid="bell-count">3</);
    assert.equal((await c.get('/admin/users')).status, 200, 'made an administrator: the next request knows');

    await insert(150, 100);
    const many = await c.get('/');
    assert.match(many.text, /data-testid="bell-count">99\+</);
    assert.match(many.text, /aria-label="Notifications, 99\+ unread"/);

    await app.ctx.db.exec('update notifications set read_at = now() where user_id = $1', [ann.id]);
    assert.doesNotMatch((await c.get('/')).text, /bell-count/);

    await app.ctx.db.exec('update users set is_active = false where id = $1', [ann.id]);
    const gone = await c.get('/');
    assert.equal(gone.status, 303, 'a disabled user is signed out at the next request');
    assert.equal(gone.location, '/login');
  });
});
