// `./manage.ts import-demo --lang ru`: the demo data in Russian — card
// titles, texts, suppliers, customers and the demo users' names — and the
// demo users read the product in Russian. An unknown language is refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestApp } from '#test/support/app';
import { manage } from '#test/support/cli';
import { testDatabase } from '#test/support/db';

describe('import-demo --lang ru', () => {
  it('loads Russian demo cards and users who read Russian', async () => {
    const db = await testDatabase();
    const wrong = await manage(['import-demo', '--lang', 'xx'], { DATABASE_URL: db.url });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /--lang "xx": demo data exists in en, ru/);

    const res = await manage(['import-demo', '--lang', 'ru'], { DATABASE_URL: db.url });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /Loaded 3 demo user\(s\), 11 demo card\(s\)\./);
    const app = await startTestApp({}, undefined, db);
    try {
      const titles = (await app.ctx.db.rows<{ title: string }>('select title from cards order by id')).map((r) => r.title);
      assert.equal(titles.length, 11);
      assert.ok(
        titles.includes('Ноутбуки для новой группы поддержки') && titles.includes('Посылка пришла повреждённой'),
        titles.join('; '),
      );
      assert.ok(
        titles.every((t) => /[а-яё]/i.test(t)),
        'every title is Russian',
      );
      const [laptops] = await app.ctx.db.rows<{ data: Record<string, unknown> }>(
        "select data from cards where title = 'Ноутбуки для новой группы поддержки'",
      );
      assert.equal(laptops.data.supplier, 'ООО «Норд-Офис»');
      assert.equal(laptops.data.amount, 8400);
      const users = await app.ctx.db.rows<{ display_name: string; locale: string | null }>(
        "select display_name, locale from users where email like '%@orbis.local' order by email",
      );
      assert.deepEqual(users, [
        { display_name: 'Мария Морозова', locale: 'ru' },
        { display_name: 'Ольга Соколова', locale: 'ru' },
        { display_name: 'Олег Орлов', locale: 'ru' },
      ]);
      const [resolved] = await app.ctx.db.rows<{ data: Record<string, unknown> }>(
        "select data from cards where title = 'Посылка пришла повреждённой'",
      );
      assert.equal(resolved.data.resolution, 'Отправлена замена экспресс-доставкой.');
    } finally {
      await app.close();
    }
  });
});
