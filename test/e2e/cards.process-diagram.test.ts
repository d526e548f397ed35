// The process diagram in a real browser (issue 17 item 6): from the list to
// the process, a stage clicked opens the list filtered to it; the card page
// shows where the card is.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { makePurchase, sessionUserFor } from '#test/support/cards';

describe('the process diagram in a real browser', () => {
  it('opens from the list, links stages to the filtered list, and shows on the card', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await startTestApp();
    const mia = await sessionUserFor(app.ctx, 'mia@example.com', { name: 'Mia', roles: ['manager'] });
    const alex = await sessionUserFor(app.ctx, 'alex@example.com', { name: 'Alex', roles: ['approver'] });
    await makePurchase(app.ctx, mia, { title: 'Still a draft' });
    const card = await makePurchase(app.ctx, mia, { title: 'Laptops for Anna' });
    await app.ctx.services.cards.transition(mia, 'purchase_request', card.id, 'submit', {
      version: String(card.version),
      approver: String(alex.id),
    });
    const page = await newPage(browser, app.url);
    await signIn(page, 'mia@example.com', 'correct horse battery');

    await page.goto('/cards/purchase_request');
    await Promise.all([page.waitForURL((u) => u.pathname === '/cards/purchase_request/process'), page.click('[data-testid=to-process]')]);
    assert.equal(await page.locator('[data-stage=approval] [data-count]').getAttribute('data-count'), '1');
    await screenshot(page, 'process-diagram');
    await Promise.all([page.waitForURL((u) => u.searchParams.get('stage') === 'approval'), page.click('[data-stage=approval]')]);
    assert.equal(await page.getByText('Laptops for Anna', { exact: true }).count(), 1);
    assert.equal(await page.getByText('Still a draft').count(), 0, 'the list is filtered to the stage');

    await page.goto(`/cards/purchase_request/${card.id}`);
    assert.equal(await page.locator('#process [aria-current=step]').count(), 1);
    await page.locator('#process').screenshot({ path: (await screenshot(page, 'card-with-process')).replace('.png', '-panel.png') });
  });
});
