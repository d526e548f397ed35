// A flash message waits for the next rendered page: a JSON poll made by a
// page's script between a POST and its redirect must not consume it. It
// travels in a signed cookie, not the session: a forged one shows nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FLASH_COOKIE } from '#app/web/flash';
import { startTestApp } from '#test/support/app';
import { purchaseInput, sessionUserFor } from '#test/support/cards';

describe('flash messages', () => {
  it('survive a JSON poll and a 404 page, and are shown once, on the next page', async () => {
    const app = await startTestApp();
    await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria Manager' });
    const c = app.client();
    await c.login('maria@example.com', 'correct horse battery');
    const created = await c.post('/cards/purchase_request', purchaseInput({ title: 'Chairs' }), { from: '/cards/purchase_request/new' });
    assert.equal(created.status, 303, created.text.slice(0, 300));
    const cardPath = created.location!;
    const poll = await c.get(`${cardPath}/attachments.json`, { accept: 'application/json' });
    assert.equal(poll.status, 200);
    // The browser's favicon request: a 404 page, rendered with the layout.
    assert.equal((await c.get('/favicon.ico')).status, 404);
    const page = await c.get(cardPath);
    assert.match(page.text, /PR-\d{6} created\./, 'the flash is on the page after the poll');
    const again = await c.get(cardPath);
    assert.doesNotMatch(again.text, /PR-\d{6} created\./, 'and only once');
    assert.equal(c.cookies.has(FLASH_COOKIE), false, 'the cookie is cleared once shown');
  });

  it('ignores a flash cookie it did not sign, and keeps the session unwritten', async () => {
    const app = await startTestApp();
    await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria Manager' });
    const c = app.client();
    await c.login('maria@example.com', 'correct horse battery');
    assert.equal((await c.get('/')).status, 200);
    const [{ data: before }] = await app.ctx.db.rows<{ data: unknown }>('select data from sessions where user_id is not null');
    const created = await c.post('/cards/purchase_request', purchaseInput({ title: 'Desks' }), { from: '/cards/purchase_request/new' });
    assert.equal(created.status, 303);
    const signed = c.cookies.get(FLASH_COOKIE)!;
    assert.match(decodeURIComponent(signed), /^s:j:\{"u":\d+,"m":\[.*created\.".*\]\}\./, 'a signed JSON list, with its user');
    const [{ data: after }] = await app.ctx.db.rows<{ data: unknown }>('select data from sessions where user_id is not null');
    assert.deepEqual(after, before, 'the flash did not touch the session');

    const me = /"u":(\d+)/.exec(decodeURIComponent(signed))![1];
    c.cookies.set(FLASH_COOKIE, encodeURIComponent(`j:{"u":${me},"m":[{"kind":"danger","text":"Your account is locked: call 555-0100"}]}`));
    assert.doesNotMatch((await c.get('/')).text, /account is locked/, 'unsigned');
    c.cookies.set(FLASH_COOKIE, signed.replace(/\.[^.]*$/, '.forgedsignature'));
    assert.doesNotMatch((await c.get('/')).text, /created\./, 'a bad signature');
  });

  it("keeps a long message small, and never shows one user's message to the next user of the browser", async () => {
    const app = await startTestApp();
    await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria Manager' });
    await sessionUserFor(app.ctx, 'olga@example.com', { roles: ['manager'], name: 'Olga' });
    const c = app.client();
    await c.login('maria@example.com', 'correct horse battery');
    const title = '検'.repeat(300); // 9 bytes a character once URL-encoded
    const created = await c.post('/tasks', { title, assignee: '', due_at: '2030-01-07T08:00' }, { from: '/tasks/new' });
    assert.equal(created.status, 400, 'the form error path: no flash');
    const me = (await app.ctx.db.rows<{ id: number }>(`select id from users where email = 'maria@example.com'`))[0].id;
    const ok = await c.post('/tasks', { title, assignee: String(me), due_at: '2030-01-07T08:00' }, { from: '/tasks/new' });
    assert.equal(ok.status, 303);
    const cookie = c.cookies.get(FLASH_COOKIE)!;
    assert.ok(cookie.length <= 1600, `the flash cookie is ${cookie.length} characters`);
    assert.match(decodeURIComponent(cookie), /Task “検+…/, 'the message, shortened');

    // Maria signs out before any page showed it; Olga signs in on the same
    // browser, which still holds Maria's cookie.
    assert.equal((await c.post('/logout', {}, { from: '/' })).status, 303);
    await c.login('olga@example.com', 'correct horse battery');
    c.cookies.set(FLASH_COOKIE, cookie);
    const olgas = await c.get('/');
    assert.equal(olgas.status, 200);
    assert.doesNotMatch(olgas.text, /検/, "not Olga's message");
    assert.equal(c.cookies.has(FLASH_COOKIE), false, 'and it is cleared');
  });
});
