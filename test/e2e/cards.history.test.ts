// The card's history in a real browser: an operator edits a card, and once
// the audit worker has caught up (reloading, within a bounded wait) the
// timeline shows the change as a person reads it — labels, names, the time
// in the viewer's zone. The field diffs themselves are pinned in
// test/integration/audit.card-history.test.ts.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { startWorkers } from '#app/worker/start';
import type { SessionUser } from '#app/services/users';
import { formatDateTime } from '#app/web/render';
import { startTestApp, type TestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';

const PASSWORD = 'correct horse battery';

/** Reloads the page until `check` holds, or fails after `ms`. */
async function reloadUntil(page: Page, check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms reloading for ${what}`);
    await page.waitForTimeout(200);
    await page.reload();
  }
}

describe('card history in a real browser', () => {
  let app: TestApp;
  let operator: SessionUser;
  let approver: SessionUser;

  before(async () => {
    app = await startTestApp();
    operator = await sessionUserFor(app.ctx, 'olga@example.com', { roles: ['operator'], name: 'Olga Operator' });
    approver = await sessionUserFor(app.ctx, 'anton@example.com', { roles: ['approver'], name: 'Anton Approver' });
    await app.ctx.db.exec(`update users set time_zone = 'Asia/Tokyo' where id = $1`, [operator.id]);
    const runner = await startWorkers(app.ctx, { queues: ['audit', 'default'] });
    onCleanup(() => runner.stop(2000));
  });

  it('shows an edit on the timeline once the audit worker has recorded it', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const card = await makePurchase(app.ctx, operator, { title: 'Standing desks', supplier: 'Ergonomica Oy', amount: '1200.50' });
    const page = await newPage(browser, app.url);
    await signIn(page, 'olga@example.com', PASSWORD);

    await page.goto(`/cards/purchase_request/${card.id}/edit`);
    await page.fill('#f-amount', '1300');
    await page.selectOption('#f-category', 'office');
    await page.selectOption('#f-approver', String(approver.id));
    await page.fill('#f-supplier', 'Ergonomica <Oy>');
    const [response] = await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
    assert.equal(response?.status(), 200);

    const newest = page.locator('[data-testid=history] > li').first();
    await reloadUntil(page, async () => (await newest.getAttribute('data-version')) === '2', 10_000, 'the edit on the timeline');
    const lines = (await newest.locator('[data-testid=history-line]').allInnerTexts()).map((s) => s.replace(/\s+/g, ' ').trim());
    assert.deepEqual(lines, [
      'Supplier: Ergonomica Oy → Ergonomica <Oy>',
      'Amount (EUR): 1,200.50 → 1,300.00',
      'Category: IT equipment → Office supplies',
      'Approver: — → Anton Approver',
    ]);
    const [row] = await app.ctx.db.rows<{ at: Date }>('select at from card_history where card_id = $1 and version = 2', [card.id]);
    assert.equal((await newest.locator('div').first().innerText()).trim(), `${formatDateTime(row.at, 'Asia/Tokyo')} · Olga Operator`);
    assert.equal(await newest.locator('.fw-semibold').innerText(), 'Edited');
    // The creation below it, and no "pending" note once caught up.
    assert.equal(await page.locator('[data-testid=history] > li[data-kind=created]').count(), 1);
    assert.equal(await page.locator('[data-testid=history-pending]').count(), 0);
    assert.ok(await page.locator('#history').isVisible());
    await page.locator('#history').scrollIntoViewIfNeeded();
    await screenshot(page, 'cards-history');
  });
});
