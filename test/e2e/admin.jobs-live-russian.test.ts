// Issue 19: a Russian-speaking administrator watches a job run on
// /admin/jobs: the words admin-jobs.js writes into the page as the job moves
// (the state badge) come from the page's catalog, in Russian, and the times
// the poll brings are Russian dates; nothing English is left on the live part.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serveContext, signedIn, PASSWORD } from '#test/support/admin';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { jobsHarness } from '#test/support/jobs';
import { eventually } from '#test/support/queue';

describe('/admin/jobs in Russian, in a real browser', () => {
  it('the live badge, counts and times are Russian', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const h = await jobsHarness('local');
    const { ctx } = h;
    const site = await serveContext(ctx);
    await signedIn(ctx, site.url, 'root@example.com');
    await ctx.db.exec(`update users set locale = 'ru' where email = 'root@example.com'`);
    const id = (await ctx.services.jobs.enqueue('test.progress', { steps: 6, stepMs: 700 })).id;

    const page = await newPage(browser, site.url);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await signIn(page, 'root@example.com', PASSWORD);
    await page.goto('/admin/jobs');
    assert.equal(await page.locator('html').getAttribute('lang'), 'ru');
    assert.equal(await page.locator('h1').innerText(), 'Задания');
    const row = page.locator(`tr[data-job-id="${id}"]`);
    const badge = row.locator('[data-job-state]');
    assert.equal(await badge.innerText(), 'в очереди');
    assert.equal(await page.locator('[data-testid=total]').innerText(), '1 задание');

    await h.start();
    // Written by the script: the page was rendered while the job was queued.
    await eventually(async () => (await badge.getAttribute('data-job-state')) === 'running', 15_000, 'the job running');
    assert.equal(await badge.innerText(), 'выполняется');
    await screenshot(page, 'admin-jobs-live-ru-running');
    await eventually(async () => (await badge.getAttribute('data-job-state')) === 'done', 15_000, 'the job done');
    assert.equal(await badge.innerText(), 'выполнено');
    // Russian dates from the poll: "5 дек. 2026 г., 21:45" style, month in Russian.
    assert.match(await row.locator('[data-job-finished]').innerText(), /^\d{1,2} [а-я]+\.? \d{4} г\., \d{2}:\d{2}$/);
    assert.equal(await page.locator('[data-state-count="done"]').innerText(), 'выполнено 1');
    const live = await row.innerText();
    for (const english of ['queued', 'running', 'done', 'Retry', 'Cancel'])
      assert.ok(!live.includes(english), `no "${english}" in ${JSON.stringify(live)}`);
    // The script's own strings block is this page's language.
    const strings = JSON.parse((await page.locator('#orbis-i18n').textContent()) ?? '{}') as { jobs: { states: Record<string, string> } };
    assert.equal(strings.jobs.states.failed, 'сбой');
    await screenshot(page, 'admin-jobs-live-ru-done');
    assert.deepEqual(problems, []);
  });
});
