// Bulk assign of 250 cards in a real browser: "all matching" on the filtered
// list, assign, and the work runs as the cards.bulk job — its result page
// shows the progress bar moving without a reload (lib/static/js/bulk.js
// polling the run's progress.json) and then the outcome per card. Driven by
// the keyboard: the checkbox, the select and the button.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { startTestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { startWorkers } from '#app/worker/start';

describe('bulk work in a real browser', () => {
  it('assigns 250 matching cards as a job, with live progress and a result page', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await startTestApp();
    const maria = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria Manager' });
    const anna = await sessionUserFor(app.ctx, 'anna@example.com', { roles: ['approver'], name: 'Anna Approver' });
    for (let i = 0; i < 250; i++) await makePurchase(app.ctx, maria, { title: `Trip ${i}`, category: 'travel' });
    await makePurchase(app.ctx, maria, { title: 'Not a trip', category: 'office' });

    const page = await newPage(browser, app.url);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && problems.push(`${r.status()} ${r.url()}`));
    await signIn(page, 'maria@example.com', 'correct horse battery');
    await page.goto('/cards/purchase_request?category=travel');
    assert.equal(await page.getByTestId('bulk-all-label').innerText(), 'All 250 matching cards');
    // Select all on this page: the count follows.
    await page.locator('#bulk-page').focus();
    await page.keyboard.press('Space');
    assert.equal(await page.locator('[data-bulk-count]').innerText(), '50 selected');
    await page.locator('#bulk-all').focus();
    await page.keyboard.press('Space');
    assert.equal(await page.locator('[data-bulk-count]').innerText(), 'All matching cards selected');
    await page.locator('#bulk-assignee').selectOption({ label: 'Anna Approver' });
    await screenshot(page, 'cards-bulk-form');
    await page.getByTestId('bulk-assign').focus();
    await Promise.all([page.waitForURL(/\/cards\/purchase_request\/bulk\/\d+$/), page.keyboard.press('Enter')]);
    assert.match(await page.locator('body').innerText(), /250 cards are being changed in the background/);
    assert.equal(await page.getByTestId('bulk-progress').innerText(), '0 of 250 cards');

    // The worker starts now, slowed a little after each progress report so the page can be seen following it.
    const runner = await startWorkers(app.ctx, {
      handlers: {
        'cards.bulk': async (payload: { runId: number }, job) =>
          app.ctx.services.bulkWork.run(payload.runId, async (done, total) => {
            await job.progress(done, total);
            await sleep(200);
          }),
      },
    });
    onCleanup(() => runner.stop(2000));
    const seen = new Set<string>();
    const doneSeen = new Set<string>();
    let shot = false;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const done = await page
        .getByTestId('bulk-done')
        .innerText()
        .catch(() => '');
      if (/^250 done$/.test(done) && !(await page.getByTestId('bulk-progress').count())) break;
      if (done) doneSeen.add(done);
      const text = await page
        .getByTestId('bulk-progress')
        .innerText()
        .catch(() => '');
      if (text) seen.add(text);
      const value = await page
        .locator('[data-bulk-bar]')
        .evaluate((el: HTMLProgressElement) => el.value)
        .catch(() => 0);
      if (!shot && value > 0 && value < 100) {
        await screenshot(page, 'cards-bulk-progress');
        shot = true;
      }
      await sleep(100);
    }
    const middle = [...seen].filter((s) => /^(\d+) of 250 cards$/.test(s) && !/^(0|250) of/.test(s));
    assert.ok(middle.length > 0, `the bar moved without a reload: ${[...seen].join(' | ')}`);
    assert.ok(
      [...doneSeen].some((d) => /^\d+ done$/.test(d) && d !== '0 done' && d !== '250 done'),
      `the counts moved too: ${[...doneSeen].join(' | ')}`,
    );
    assert.equal(await page.getByTestId('bulk-done').innerText(), '250 done');
    assert.equal(await page.getByTestId('bulk-refused-count').innerText(), '0 refused');
    assert.equal(await page.getByTestId('bulk-row-done').count(), 100); // the first page of outcomes
    await screenshot(page, 'cards-bulk-result');
    const [{ n }] = await app.ctx.db.rows<{ n: number }>(
      `select count(*)::int as n from cards where type = 'purchase_request' and assignee_id = $1`,
      [anna.id],
    );
    assert.equal(n, 250);
    assert.deepEqual(problems, []);
  });
});
