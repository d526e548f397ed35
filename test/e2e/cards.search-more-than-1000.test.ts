// A Russian-speaking operator searches a type of 1,060 matching cards in a
// real browser: the list reads "более 1 000 карточек", pages on with
// «Вперёд» (no last page number) and back with «Назад».
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { sessionUserFor } from '#test/support/cards';

describe('a search past 1,000 cards in a real browser', () => {
  it('says "более 1 000 карточек" and pages with Вперёд / Назад', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await startTestApp({ ORBIS_SEARCH_LANGUAGE: 'russian' });
    const maria = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'], name: 'Мария Морозова' });
    await app.ctx.db.exec("update users set locale = 'ru' where id = $1", [maria.id]);
    await app.ctx.db.exec(
      `insert into cards (type, number, title, stage, owner_id, data, search, updated_at)
       select 'purchase_request', 'PR-' || lpad(g::text, 6, '0'), 'Ноутбуки, партия ' || g, 'draft', $1, '{}',
              to_tsvector('russian', lower('PR-' || lpad(g::text, 6, '0') || ' Ноутбуки, партия ' || g)), now() - g * interval '1 minute'
         from generate_series(1, 1060) g`,
      [maria.id],
    );
    const page = await newPage(browser, app.url);
    await signIn(page, 'maria@example.com', 'correct horse battery');
    await page.goto('/cards/purchase_request');
    await page.fill('#q', 'ноутбук');
    await Promise.all([page.waitForURL(/q=/), page.press('#q', 'Enter')]);
    assert.equal(await page.textContent('[data-testid=total]'), 'более 1\u00a0000 карточек');
    assert.equal(await page.locator('.pagination .active').textContent(), 'Страница 1');
    await screenshot(page, 'cards-search-more-than-1000-ru');
    await Promise.all([page.waitForURL(/page=2/), page.click('.pagination >> text=Вперёд')]);
    assert.equal(await page.locator('.pagination .active').textContent(), 'Страница 2');
    assert.match((await page.locator('[data-testid=card-list] tbody tr').first().textContent()) ?? '', /партия 51\b/);
    await Promise.all([page.waitForURL(/page=1\b/), page.click('.pagination >> text=Назад')]);
    assert.equal(await page.locator('.pagination .active').textContent(), 'Страница 1');
    await app.close();
  });
});
