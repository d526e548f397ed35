import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { makeUser, startTestApp, type TestApp } from '#test/support/app';

describe('the language of a page', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await makeUser(app.ctx, 'ivan@example.com', { name: 'Иван' });
    await makeUser(app.ctx, 'ann@example.com', { name: 'Ann' });
    await app.ctx.db.exec(`update users set locale = 'ru' where email = 'ivan@example.com'`);
    await app.ctx.db.exec(`update users set locale = 'xx' where email = 'ann@example.com'`);
  });

  it("answers the sign-in page in the browser's language, English by default", async () => {
    const ru = await app.client().get('/login', { 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.5' });
    assert.equal(ru.status, 200);
    assert.match(ru.text, /<html lang="ru">/);
    assert.match(ru.text, /<h1[^>]*>Вход<\/h1>/);
    assert.match(ru.headers.get('vary') ?? '', /Accept-Language/i);
    const other = await app.client().get('/login', { 'accept-language': 'de-DE,de' });
    assert.match(other.text, /<html lang="en">/);
    assert.match(other.text, /<h1[^>]*>Sign in<\/h1>/);
  });

  it("renders a service's message in the reader's language: the 404 page", async () => {
    const ru = await app.client().get('/no/such/page', { 'accept-language': 'ru' });
    assert.equal(ru.status, 404);
    assert.match(ru.text, /По этому адресу страницы нет\./);
    const en = await app.client().get('/no/such/page', { 'accept-language': 'en' });
    assert.match(en.text, /There is no page at this address\./);
    const json = await app.client().get('/no/such/page', { 'accept-language': 'ru', accept: 'application/json' });
    assert.equal(JSON.parse(json.text).error, 'По этому адресу страницы нет.');
  });

  it("uses the signed-in user's language over the browser's", async () => {
    const c = app.client();
    c.headers['accept-language'] = 'en';
    assert.equal((await c.login('ivan@example.com', 'correct horse battery')).status, 303);
    const home = await c.get('/');
    assert.match(home.text, /<html lang="ru">/);
    assert.match(home.text, />Главная<\/a>/);
    assert.match(home.text, />Выйти<\/button>/);
  });

  it("falls back to the browser, then the default, when the user's language is no longer shipped", async () => {
    const c = app.client();
    c.headers['accept-language'] = 'ru';
    await c.login('ann@example.com', 'correct horse battery');
    const home = await c.get('/');
    assert.match(home.text, /<html lang="ru">/);
  });
});
