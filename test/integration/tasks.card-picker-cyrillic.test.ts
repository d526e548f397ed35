// The task form's card picker finds a card by any case of its title's
// words, Cyrillic included, on any cluster: the embedded PostgreSQL is made
// with LC_CTYPE=C, where ilike and lower() fold only ASCII letters, so
// "ноут" did not find "Ноутбуки" there. Run it without DATABASE_URL too.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { searchCards } from '#app/services/card-pick';
import { testContext } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';

describe('the card picker', () => {
  it('finds titles by any case of a Cyrillic or Latin part, and numbers in any case', async () => {
    const { ctx } = await testContext();
    const admin = await sessionUserFor(ctx, 'admin@example.com', { superuser: true });
    const laptops = await makePurchase(ctx, admin, { title: 'Ноутбуки для Отдела продаж' });
    await makePurchase(ctx, admin, { title: 'ÉCRANS Laptops' });
    await makePurchase(ctx, admin, { title: 'Стулья 100%_готовы' });
    const titles = async (q: string) => (await searchCards(ctx.db, ctx.services.cards, admin, q)).map((c) => c.title).sort();
    const [{ ctype }] = await ctx.db.rows<{ ctype: string }>(
      'select datctype as ctype from pg_database where datname = current_database()',
    );
    for (const q of ['ноут', 'Ноут', 'НОУТБУКИ', 'отдела', 'ОТДЕЛА ПРОДАЖ'])
      assert.deepEqual(await titles(q), ['Ноутбуки для Отдела продаж'], `"${q}" (LC_CTYPE ${ctype})`);
    assert.deepEqual(await titles('écrans'), ['ÉCRANS Laptops'], 'an accented capital');
    assert.deepEqual(await titles('LAPTOPS'), ['ÉCRANS Laptops']);
    assert.deepEqual(await titles('100%_г'), ['Стулья 100%_готовы'], 'like characters are text');
    assert.deepEqual(await titles('0%x'), [], 'a % in the query is not a wildcard');
    assert.deepEqual(
      (await searchCards(ctx.db, ctx.services.cards, admin, laptops.number.toLowerCase())).map((c) => c.id),
      [laptops.id],
    );
  });
});
