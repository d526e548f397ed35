// Issue 19: the error pages speak the reader's language. One template
// serves every status; its title comes from the catalog, and the messages
// of the input guard and the CSRF check are catalog messages too.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createContext } from '#app/context';
import { msg } from '#app/i18n/message';
import { createLogger } from '#app/log';
import { ConflictError } from '#app/services/errors';
import { createApp } from '#app/web/app';
import { listen } from '#app/web/server';
import { testSettings } from '#test/support/app';
import { onCleanup } from '#test/support/cleanup';
import { testDatabase } from '#test/support/db';
import { literalsIn } from '#test/support/literals';
import fs from 'node:fs';
import path from 'node:path';

async function serve() {
  const db = await testDatabase();
  const settings = testSettings({ DATABASE_URL: db.url, NODE_ENV: 'production', SECRET_KEY: 'k'.repeat(40) });
  const ctx = await createContext(settings, { log: createLogger(settings) });
  onCleanup(() => ctx.close());
  const app = createApp(ctx, {
    extend: (a) => {
      a.get('/__boom', () => {
        throw new Error('secret internals');
      });
      a.get('/__conflict', () => {
        throw new ConflictError(msg('errors.notFound'));
      });
    },
  });
  const server = await listen(app, '127.0.0.1', 0);
  onCleanup(() => server.close(500));
  return server.url;
}

const RU = { accept: 'text/html', 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.5' };

function heading(html: string): string {
  return /<h1 class="h3">([^<]*)<\/h1>/.exec(html)?.[1] ?? '';
}

describe('error pages for a Russian reader', () => {
  it('400, 403, 404, 409, 415 and 500 are Russian, with the request id', async () => {
    const url = await serve();

    const bad = await fetch(`${url}/login?x=a%00b`, { headers: RU });
    const badHtml = await bad.text();
    assert.equal(bad.status, 400);
    assert.match(badHtml, /<html lang="ru">/);
    assert.equal(heading(badHtml), 'Запрос не может быть принят');
    assert.match(badHtml, /Ошибка 400/);
    assert.match(badHtml, /Некоторые значения этого запроса не могут быть приняты; ничего не изменено\./);
    assert.match(badHtml, /<strong>x<\/strong>: содержит управляющий символ \(U\+0000, NUL\)/);
    assert.match(badHtml, /Идентификатор запроса: <code data-testid="request-id">/);

    const forbidden = await fetch(`${url}/login`, {
      method: 'POST',
      headers: { ...RU, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=a%40b.c&password=x',
    });
    const forbiddenHtml = await forbidden.text();
    assert.equal(forbidden.status, 403);
    assert.equal(heading(forbiddenHtml), 'Доступ запрещён');
    assert.match(forbiddenHtml, /Срок действия формы истёк/);

    const missing = await fetch(`${url}/no-such-page`, { headers: RU });
    const missingHtml = await missing.text();
    assert.equal(missing.status, 404);
    assert.equal(heading(missingHtml), 'Не найдено');
    assert.match(missingHtml, /По этому адресу страницы нет\./);
    assert.match(missingHtml, /Вернуться на главную/);

    const conflict = await fetch(`${url}/__conflict`, { headers: RU });
    assert.equal(conflict.status, 409);
    assert.equal(heading(await conflict.text()), 'Изменено другим пользователем');

    // OPTIONS: a safe method, so the CSRF check lets it reach the input guard.
    const json = await fetch(`${url}/login`, { method: 'OPTIONS', headers: { ...RU, 'content-type': 'application/json' }, body: '{}' });
    const jsonHtml = await json.text();
    assert.equal(json.status, 415);
    assert.equal(heading(jsonHtml), 'Запрос не может быть принят');
    assert.match(jsonHtml, /Страницы Orbis принимают только формы .*этот запрос прислал «application\/json»\./);

    const boom = await fetch(`${url}/__boom`, { headers: RU });
    const boomHtml = await boom.text();
    assert.equal(boom.status, 500);
    assert.equal(heading(boomHtml), 'Что-то пошло не так');
    assert.match(boomHtml, /<title>Что-то пошло не так · Orbis<\/title>/);
    assert.doesNotMatch(boomHtml, /secret internals/);

    // The same requests in English read as before.
    const en = await fetch(`${url}/no-such-page`, { headers: { accept: 'text/html', 'accept-language': 'en' } });
    assert.equal(heading(await en.text()), 'Not found');
  });

  it('the admin and error templates hold no word that bypasses the catalogs', () => {
    const dirs = ['admin', 'errors'].map((d) => path.join('app', 'web', 'templates', d));
    const files = dirs.flatMap((d) =>
      fs
        .readdirSync(d)
        .filter((f) => f.endsWith('.njk'))
        .map((f) => path.join(d, f)),
    );
    assert.ok(files.length >= 9, `${files.length} templates`);
    const found = files.flatMap((f) => literalsIn(fs.readFileSync(f, 'utf8')).map((l) => `${f}:${l.line}: ${l.text}`));
    assert.deepEqual(found, []);
  });
});
