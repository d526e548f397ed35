// A Russian-speaking operator in a real browser: the new-task form refused
// with Russian reasons, the task created (a Russian flash), the deadline
// sweep's notice read on the notifications page in Russian with a Russian
// date in their zone, and the task list in Russian. HTTP-level details are
// pinned in test/integration/i18n.tasks-notifications-pages.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { formatDateTime } from '#app/services/date-format';
import { utcToZonedInput } from '#app/services/time';
import { startTestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { sessionUserFor } from '#test/support/cards';

const ZONE = 'Europe/Moscow';
const MINUTE = 60_000;

async function submit(page: Page): Promise<number> {
  const [response] = await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  return response!.status();
}

describe('a Russian operator’s tasks in a real browser', () => {
  it('reads the task form, its errors, the flash, the notice and the task list in Russian', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await startTestApp();
    const ivan = await sessionUserFor(app.ctx, 'ivan@example.com', { roles: ['operator'], name: 'Иван' });
    await app.ctx.db.exec(`update users set locale = 'ru', time_zone = $2 where id = $1`, [ivan.id, ZONE]);
    const page = await newPage(browser, app.url);
    await signIn(page, 'ivan@example.com', 'correct horse battery');

    await page.goto('/tasks/new');
    assert.equal(await page.locator('main h1').innerText(), 'Новая задача');
    assert.equal(await page.locator('label[for=t-due]').innerText(), `Срок (${ZONE}) *`);
    assert.equal(await submit(page), 400);
    assert.equal(await page.locator('main .alert-danger').innerText(), 'Проверьте отмеченные поля.');
    assert.equal(await page.locator('#t-title + .invalid-feedback').innerText(), 'введите название');
    assert.equal(await page.locator('#t-due + .invalid-feedback').innerText(), 'укажите дату и время срока');
    await screenshot(page, 'tasks-form-russian-errors');

    const due = new Date(Math.floor((Date.now() - 20 * MINUTE) / MINUTE) * MINUTE);
    await page.fill('input[name=title]', 'Позвонить поставщику');
    await page.fill('input[name=due_at]', utcToZonedInput(due, ZONE));
    assert.equal(await submit(page), 200);
    assert.equal(await page.locator('body .alert').first().innerText(), 'Задача «Позвонить поставщику» создана.');

    await app.ctx.services.tasks.sweep(new Date());
    await page.goto('/notifications');
    const notice = page.locator('[data-testid=notifications] button').first();
    const text = await notice.innerText();
    assert.match(text, /^новое\s*Просрочено: Позвонить поставщику\nСрок был /);
    assert.ok(text.includes(`Срок был ${formatDateTime(due, ZONE, 'ru')} (${ZONE})`), text);
    assert.match(formatDateTime(due, ZONE, 'ru'), /^\d{1,2} [а-я]+\.? \d{4} г\., \d{2}:\d{2}$/);
    assert.match(await page.locator('[data-testid=notification-age]').first().innerText(), /^(сейчас|\d+ (минуту|минуты|минут) назад)$/);
    await screenshot(page, 'notifications-russian');

    await page.goto('/tasks');
    assert.equal(await page.locator('main h1').innerText(), 'Мои задачи');
    assert.match(await page.locator('[data-testid=tasks-overdue]').innerText(), /Позвонить поставщику\s+просрочено/);
    assert.equal(await page.locator('[data-testid=count-overdue]').getAttribute('title'), '1 просроченная задача');
  });
});
