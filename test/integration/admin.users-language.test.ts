// Issue 19, choice of language: an administrator sets a user's language on
// the user page (or when creating the user); that user's pages are then in
// it, whatever their browser asks for. "Browser's language" (null) gives the
// choice back to Accept-Language; a language that is not shipped is refused.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { makeUser, startTestApp, type TestApp } from '#test/support/app';

const PASSWORD = 'correct horse battery';

describe("a user's language, set on the user admin page", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await makeUser(app.ctx, 'admin@example.com', { superuser: true });
  });

  it("offers the shipped languages by their own names, and the user's pages are then Russian", async () => {
    const op = await makeUser(app.ctx, 'op@example.com');
    const admin = app.client();
    await admin.login('admin@example.com', PASSWORD);
    const page = await admin.get(`/admin/users/${op.id}`);
    assert.match(page.text, /<option value="" selected>Browser’s language<\/option>/);
    assert.match(page.text, /<option value="en" lang="en">English<\/option>/);
    assert.match(page.text, /<option value="ru" lang="ru">Русский<\/option>/);

    const user = app.client();
    user.headers['accept-language'] = 'en-US,en;q=0.9';
    await user.login('op@example.com', PASSWORD);
    assert.match((await user.get('/')).text, /<html lang="en">/);

    const saved = await admin.post(`/admin/users/${op.id}/locale`, { locale: 'ru' }, { from: `/admin/users/${op.id}` });
    assert.equal(saved.status, 303);
    assert.equal((await app.ctx.db.rows<{ locale: string }>('select locale from users where id = $1', [op.id]))[0].locale, 'ru');
    // The admin's own pages stay English; the flash is in the admin's language.
    assert.match((await admin.get(`/admin/users/${op.id}`)).text, /Language saved\.[\s\S]*<option value="ru" lang="ru" selected>Русский/);

    // The user's very next page, in the same session, is Russian though the browser asks for English.
    const home = await user.get('/');
    assert.equal(home.status, 200);
    assert.match(home.text, /<html lang="ru">/);
    assert.match(home.text, />Выйти</);
    const missing = await user.get('/no-such-page');
    assert.equal(missing.status, 404);
    assert.match(missing.text, /<h1 class="h3">Не найдено<\/h1>/);

    // Back to the browser's language.
    await admin.post(`/admin/users/${op.id}/locale`, { locale: '' }, { from: `/admin/users/${op.id}` });
    assert.equal((await app.ctx.db.rows<{ locale: string | null }>('select locale from users where id = $1', [op.id]))[0].locale, null);
    assert.match((await user.get('/')).text, /<html lang="en">/);
  });

  it('an administrator who picks Russian for themselves reads the next page in Russian', async () => {
    const me = await makeUser(app.ctx, 'boss@example.com', { superuser: true });
    const admin = app.client();
    await admin.login('boss@example.com', PASSWORD);
    const res = await admin.post(`/admin/users/${me.id}/locale`, { locale: 'ru' }, { from: `/admin/users/${me.id}` });
    assert.equal(res.status, 303);
    const next = await admin.get(res.location!);
    assert.match(next.text, /<html lang="ru">/);
    assert.match(next.text, /Язык сохранён\./);
    assert.match(next.text, /<h2 class="h5">Роли<\/h2>/);
    assert.match(next.text, /Сохранить язык/);
  });

  it('creates a user with a language, and refuses one that is not shipped without changing anything', async () => {
    const admin = app.client();
    await admin.login('admin@example.com', PASSWORD);
    const created = await admin.post(
      '/admin/users',
      { email: 'new@example.com', password: PASSWORD, time_zone: 'Europe/Moscow', locale: 'ru' },
      { from: '/admin/users/new' },
    );
    assert.equal(created.status, 303);
    assert.equal((await app.ctx.services.users.findByEmail('new@example.com'))!.locale, 'ru');

    const bad = await admin.post(
      '/admin/users',
      { email: 'klingon@example.com', password: PASSWORD, locale: 'tlh' },
      { from: '/admin/users/new' },
    );
    assert.equal(bad.status, 400);
    assert.match(bad.text, /data-field-error="locale">unknown language &quot;tlh&quot;: choose one of the list/);
    assert.equal(await app.ctx.services.users.findByEmail('klingon@example.com'), null);

    const op = (await app.ctx.services.users.findByEmail('new@example.com'))!;
    const refused = await admin.post(`/admin/users/${op.id}/locale`, { locale: 'xx' }, { from: `/admin/users/${op.id}` });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /data-field-error="locale">unknown language/);
    assert.equal((await app.ctx.services.users.findByEmail('new@example.com'))!.locale, 'ru');
  });
});
