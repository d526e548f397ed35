// The stage-change page says when the new stage is due in words ("2 days"),
// not as the card type's ISO-8601 duration ("P2D").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { makePurchase, sessionUserFor } from '#test/support/cards';

describe('the stage-change page in a real browser', () => {
  it('shows the new stage’s SLA in words', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await startTestApp();
    const olga = await sessionUserFor(app.ctx, 'olga@example.com', { roles: ['operator'], name: 'Olga Operator' });
    const card = await makePurchase(app.ctx, olga);
    const complaint = await app.ctx.services.cards.create(olga, 'complaint', {
      title: 'Broken lid',
      customer: 'Tom Becker',
      channel: 'phone',
      severity: 'low',
      details: 'The lid snapped.',
    });

    const page = await newPage(browser, app.url);
    await signIn(page, 'olga@example.com', 'correct horse battery');
    await page.goto(`/cards/purchase_request/${card.id}`);
    await Promise.all([page.waitForURL(/\/transition\?name=submit$/), page.click('[data-testid=transition-submit]')]);
    const sentence = (await page.locator('main p').first().innerText()).replace(/\s+/g, ' ');
    await screenshot(page, 'cards-transition-sla-words');
    assert.match(sentence, /to Waiting for approval — the new stage is due within 2 days\.$/, sentence);
    assert.equal(await page.getByTestId('stage-sla').innerText(), '2 days');
    assert.doesNotMatch(await page.locator('main').innerText(), /P2D/);

    await page.goto(`/cards/complaint/${complaint.id}/transition?name=start`);
    assert.equal(await page.getByTestId('stage-sla').innerText(), '3 days');
  });
});
