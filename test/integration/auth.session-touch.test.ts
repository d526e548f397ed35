// express-session touches every unchanged session on every request; the
// store writes the new expiry only when it moved by more than a step, so a
// page view costs no write, and a session in use still stays alive.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SESSION_COOKIE } from '#app/web/app';
import { TOUCH_STEP_MS } from '#app/web/middleware/session-store';
import { makeUser, startTestApp } from '#test/support/app';

describe('session expiry writes', () => {
  it('does not rewrite the expiry on every page view, but extends a session falling behind', async () => {
    const app = await startTestApp();
    await makeUser(app.ctx, 'ada@example.com');
    const c = app.client();
    assert.equal((await c.login('ada@example.com', 'correct horse battery')).status, 303);
    const sid = decodeURIComponent(c.cookies.get(SESSION_COOKIE)!).replace(/^s:/, '').split('.')[0];
    const expiry = async () =>
      (await app.ctx.db.rows<{ expires_at: Date }>('select expires_at from sessions where sid = $1', [sid]))[0].expires_at.getTime();

    // The first page after sign-in stores a fresh CSRF token: a real change.
    assert.equal((await c.get('/')).status, 200);
    const first = await expiry();
    for (let i = 0; i < 5; i++) assert.equal((await c.get('/')).status, 200);
    assert.equal(await expiry(), first, 'five page views wrote nothing');

    // The stored expiry falls more than a step behind (time passed): the next
    // page view writes it again.
    await app.ctx.db.exec(`update sessions set expires_at = expires_at - make_interval(secs => $2) where sid = $1`, [
      sid,
      (TOUCH_STEP_MS * 2) / 1000,
    ]);
    const behind = await expiry();
    assert.equal((await c.get('/')).status, 200);
    const after = await expiry();
    assert.ok(after - behind >= TOUCH_STEP_MS, 'the expiry moved forward again');
    assert.ok(Math.abs(after - first) < 60_000, 'to about where it was');
  });
});
