// A Russian-speaking operator's day in a real browser, page after page:
// dashboard, card list and a search, a card, the new-card form refused and
// then accepted, a stage change through its confirmation page (refused, then
// done), the task list, a task, the new-task form and the notifications. On
// every page the text a person sees (and the titles, placeholders and labels
// read aloud) holds no English text of the catalogs nor of the card types'
// YAML — only what differs from its Russian — and dates read the Russian way
// ("5 дек. 2026 г., 21:45"), never an English month.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { projectRoot } from '#app/config';
import { readCatalogs } from '#app/i18n/i18n';
import { flatten } from '#app/i18n/check';
import type { AppContext } from '#app/context';
import { labelOf } from '#app/services/card-type-labels';
import { startTestApp } from '#test/support/app';
import { launchBrowser, screenshot, signIn } from '#test/support/browser';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { insertTask } from '#test/support/tasks';

const ZONE = 'Europe/Moscow';
const HOUR = 3_600_000;
const RUSSIAN_DATE = /\d{1,2} (янв|февр|мар|апр|мая|июн|июл|авг|сент|окт|нояб|дек)\.? \d{4} г\., \d{2}:\d{2}/;
const ENGLISH_DATE = /\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2}\b|\b\d{1,2}:\d{2}\s?[AP]M\b/;

/**
 * English a Russian page must not show: every catalog text that differs from
 * its Russian (the fixed parts around its placeholders), and every label of
 * the card types given in Russian too. Parts shorter than four characters
 * or without a word of three letters ("(", "ago)") say nothing and are left out.
 */
function englishTexts(ctx: AppContext): string[] {
  const catalogs = readCatalogs(path.join(projectRoot, 'locales'));
  const en = flatten(catalogs.en);
  const ru = flatten(catalogs.ru);
  const texts = new Set<string>();
  /** The parts of an English text its Russian does not share ("Orbis" in "{{title}} · Orbis" stays). */
  const add = (text: string, russian = '') => {
    for (const part of text.split(/\{\{[^}]*\}\}/)) {
      const p = part.trim().replace(/^[,.:;()«»“”"·—–-]+\s*|\s*[,.:;()«»“”"·—–-]+$/g, '');
      if (p.length >= 4 && /[A-Za-z]{3}/.test(p) && !russian.includes(p)) texts.add(p);
    }
  };
  for (const [key, text] of en) if (ru.get(key) !== text) add(text, ru.get(key));
  for (const type of ctx.services.cards.types.all) {
    const things = [type, ...type.fields, ...type.fields.flatMap((f) => f.options ?? []), ...type.stages, ...type.transitions];
    for (const thing of things) {
      for (const k of ['label', 'plural', 'help'] as const) {
        const english = (thing as unknown as Record<string, unknown>)[k];
        const russian = labelOf(thing as Parameters<typeof labelOf>[0], 'ru', k);
        if (typeof english === 'string' && russian !== english) add(english, russian);
      }
    }
  }
  return [...texts].sort((a, b) => b.length - a.length);
}

/** What a person reads on the page: the text shown, the title, and the attributes shown or read aloud. */
async function readable(page: Page): Promise<string> {
  return page.evaluate(() => {
    const parts = [document.title, document.body.innerText];
    for (const el of document.querySelectorAll<HTMLElement>('[title], [placeholder], [aria-label], [alt], option, [data-confirm]')) {
      for (const a of ['title', 'placeholder', 'aria-label', 'alt', 'data-confirm'])
        if (el.getAttribute(a)) parts.push(el.getAttribute(a)!);
      if (el.tagName === 'OPTION') parts.push(el.textContent ?? '');
    }
    for (const el of document.querySelectorAll<HTMLInputElement>('input[type=submit], input[type=button]')) parts.push(el.value);
    return parts.join('\n');
  });
}

describe('a Russian-speaking operator walks Orbis in a real browser', () => {
  it('reads every page in Russian, dates included', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await startTestApp();
    const ctx = app.ctx;
    const ivan = await sessionUserFor(ctx, 'ivan@example.com', { roles: ['operator'], name: 'Иван Петров' });
    const anton = await sessionUserFor(ctx, 'anton@example.com', { roles: ['approver'], name: 'Антон Антонов' });
    // A Russian team: the approver reads Russian too (the stage's task, his, is titled in his language).
    await ctx.db.exec(`update users set locale = 'ru', time_zone = $2 where id = any($1)`, [[ivan.id, anton.id], ZONE]);
    const laptops = await makePurchase(ctx, ivan, { title: 'Ноутбуки для отдела продаж', supplier: 'ООО «Ромашка»', amount: '154300.5' });
    await makePurchase(ctx, ivan, { title: 'Кресла в переговорную', supplier: 'Мебельная фабрика «Север»', category: 'office' });
    await insertTask(ctx, {
      title: 'Позвонить поставщику',
      assigneeId: ivan.id,
      dueAt: new Date(Date.now() - 2 * HOUR),
      cardId: laptops.id,
    });
    await insertTask(ctx, { title: 'Проверить счёт', assigneeId: ivan.id, dueAt: new Date(Date.now() + 26 * HOUR) });
    await ctx.services.tasks.sweep(new Date());

    const english = englishTexts(ctx);
    assert.ok(
      english.includes('Purchase requests') && english.includes('Submit for approval') && english.includes('Some fields need attention'),
      'the list is made',
    );
    // A Russian operator's browser: it asks for Russian (Accept-Language, navigator.language).
    const page = await (await browser.newContext({ baseURL: app.url, locale: 'ru-RU', viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(15_000);
    await signIn(page, 'ivan@example.com', 'correct horse battery');
    const seen: string[] = [];
    const check = async (name: string, options: { dates?: boolean } = {}) => {
      const text = await readable(page);
      const where = (e: string) => new RegExp(`(^|[^A-Za-z])${e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z])`).exec(text);
      const shown = english
        .filter((e) => where(e))
        .map((e) => `${e} in “${text.slice(Math.max(0, where(e)!.index - 30), where(e)!.index + e.length + 30).replace(/\s+/g, ' ')}”`);
      assert.deepEqual(shown, [], `${name} (${new URL(page.url()).pathname}) shows English`);
      assert.doesNotMatch(text, ENGLISH_DATE, `${name}: an English date`);
      if (options.dates) assert.match(text, RUSSIAN_DATE, `${name}: a date in Russian`);
      assert.equal(await page.locator('html').getAttribute('lang'), 'ru');
      await screenshot(page, `ru-walk-${name}`);
      seen.push(name);
    };
    const submit = async (selector: string) => {
      const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
      return response!.status();
    };

    await page.goto('/');
    await check('dashboard');

    await page.goto('/cards/purchase_request');
    assert.equal(await page.locator('main h1').innerText(), 'Заявки на закупку');
    await check('list', { dates: true });
    await page.fill('#q', 'ноутбук');
    await submit('form[role=search] button[type=submit]');
    assert.equal(await page.locator('[data-testid=total]').innerText(), '1 карточка');
    await check('list-search', { dates: true });

    await page.goto(`/cards/purchase_request/${laptops.id}`);
    assert.equal(await page.locator('[data-field=amount]').innerText(), '154\u00a0300,50');
    await check('card', { dates: true });

    await page.goto('/cards/purchase_request/new');
    await page.fill('#f-title', 'Мониторы для бухгалтерии');
    await page.fill('#f-amount', 'двенадцать');
    assert.equal(await submit('main button[type=submit]'), 400);
    assert.equal(await page.locator('[data-testid=form-message]').innerText(), 'Проверьте отмеченные поля.');
    await check('new-card-error');
    await page.fill('#f-amount', '12500,75');
    await page.fill('#f-supplier', 'Ситилинк');
    await page.selectOption('#f-category', 'it');
    assert.equal(await submit('main button[type=submit]'), 200);
    assert.match(await page.locator('.alert-success').innerText(), /^Карточка PR-\d{6} создана\.$|PR-\d{6}/);
    await check('new-card-created', { dates: true });

    await Promise.all([page.waitForURL(/\/transition\?name=submit$/), page.click('[data-testid=transition-submit]')]);
    await check('transition');
    assert.equal(await submit('[data-testid=confirm-transition]'), 400);
    await check('transition-error');
    await page.selectOption('#t-approver', { label: 'Антон Антонов' });
    assert.equal(await submit('[data-testid=confirm-transition]'), 200);
    assert.equal(await page.locator('[data-testid=stage]').innerText(), 'На согласовании');
    await check('transitioned', { dates: true });

    await page.goto('/tasks');
    assert.equal(await page.locator('main h1').innerText(), 'Мои задачи');
    await check('tasks', { dates: true });
    await page.click('text=Позвонить поставщику');
    await page.waitForURL(/\/tasks\/\d+$/);
    await check('task', { dates: true });
    await page.goto('/tasks/new');
    assert.equal(await submit('main button[type=submit]'), 400);
    await check('task-form-error');

    await page.goto('/notifications');
    await check('notifications', { dates: true });
    assert.equal(seen.length, 13, seen.join(', '));
  });
});
