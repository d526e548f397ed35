// Two colleagues on one card in two browsers, neither reloading: each sees
// the other's comment (with its mention) and a stage change appear within
// 2 s; a draft comment being typed is kept while the page changes around it;
// the one editing the card is told that it changed under them, keeps their
// input, and the save gets the conflict page (live.js, /cards/…/live.json).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { startWorkers } from '#app/worker/start';
import { startTestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { FAST_JOBS } from '#test/support/jobs';

const PASSWORD = 'correct horse battery';
const LIVE_MS = 2000;

function watch(page: Page, problems: string[]): void {
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
}

/** Marks the page's document: if it is still marked later, the page was not reloaded. */
async function mark(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
}
async function notReloaded(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded === true);
}

describe('a card live in two browsers', () => {
  it('each sees the other’s comment and stage change within 2 s; the one editing is told', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await startTestApp({}, { jobs: { ...FAST_JOBS, concurrency: 2 } });
    const runner = await startWorkers(app.ctx, { queues: ['default', 'audit'] });
    onCleanup(() => runner.stop(2000));
    const maria = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager', 'approver'], name: 'Maria Manager' });
    await sessionUserFor(app.ctx, 'anna@example.com', { roles: ['manager'], name: 'Anna Approver' });
    const card = await makePurchase(app.ctx, maria, { title: 'Standing desks', approver: String(maria.id) });
    const cardUrl = `/cards/purchase_request/${card.id}`;
    const problems: string[] = [];

    const m = await newPage(browser, app.url);
    const a = await newPage(browser, app.url);
    watch(m, problems);
    watch(a, problems);
    await signIn(m, 'maria@example.com', PASSWORD);
    await signIn(a, 'anna@example.com', PASSWORD);
    await m.goto(cardUrl);
    await a.goto(cardUrl);
    await mark(a);
    // Anna starts a comment of her own and leaves it unsent.
    await a.locator('#comment-body').fill('Draft: asking the supplier');

    // 1. Maria comments and mentions Anna: on Anna's page within 2 s, her draft untouched.
    await m.locator('#comment-body').fill('Anna, @anna@example.com, please look at the quote.');
    await Promise.all([m.waitForURL(/#comment-\d+$/), m.click('[data-testid=comment-submit]')]);
    let since = Date.now();
    await a.getByText('please look at the quote.').waitFor({ timeout: LIVE_MS });
    const sawComment = Date.now() - since;
    assert.equal(await a.locator('[data-testid=comment-author]').first().innerText(), 'Maria Manager');
    assert.equal(await a.locator('.mention').first().innerText(), '@anna@example.com');
    assert.equal(await a.locator('#comment-body').inputValue(), 'Draft: asking the supplier');
    assert.ok(await notReloaded(a), 'Anna’s page was not reloaded');
    await screenshot(a, 'live-comment-arrives');

    // 2. Anna answers and mentions Maria: on Maria's page within 2 s.
    await mark(m);
    await a.locator('#comment-body').fill('Done, @maria@example.com — the quote is fine.');
    await Promise.all([a.waitForURL(/#comment-\d+$/), a.click('[data-testid=comment-submit]')]);
    await mark(a);
    since = Date.now();
    await m.getByText('the quote is fine.').waitFor({ timeout: LIVE_MS });
    const sawAnswer = Date.now() - since;
    assert.equal(await m.locator('[data-testid=comment-author]').first().innerText(), 'Anna Approver');

    // 3. Anna submits the card for approval: Maria's page shows the new stage within 2 s, without a reload.
    assert.equal(await m.locator('[data-testid=stage]').first().innerText(), 'Draft');
    const t2 = await newPage(browser, app.url);
    await signIn(t2, 'anna@example.com', PASSWORD);
    await t2.goto(`${cardUrl}/transition?name=submit`);
    await Promise.all([t2.waitForURL(new RegExp(`${cardUrl}$`)), t2.click('[data-testid=confirm-transition]')]);
    since = Date.now();
    await m.locator('[data-testid=stage]').first().getByText('Waiting for approval').waitFor({ timeout: LIVE_MS });
    const sawStage = Date.now() - since;
    // ... and Anna's first page, still open, too.
    await a.locator('[data-testid=stage]').first().getByText('Waiting for approval').waitFor({ timeout: LIVE_MS });
    assert.ok(await notReloaded(m), 'Maria’s page was not reloaded');
    assert.ok(await notReloaded(a), 'Anna’s page was not reloaded');
    await screenshot(m, 'live-stage-arrives');

    // 4. Anna edits the card; meanwhile Maria approves it. Anna is told, keeps her input, and the save is a conflict.
    await a.goto(`${cardUrl}/edit`);
    await a.locator('#f-title').fill('Standing desks, 12 of them');
    await mark(a);
    const notice = a.getByTestId('changed-under-you');
    assert.equal(await notice.isVisible(), false);
    await m.goto(`${cardUrl}/transition?name=approve`);
    await Promise.all([m.waitForURL(new RegExp(`${cardUrl}$`)), m.click('[data-testid=confirm-transition]')]);
    since = Date.now();
    await notice.waitFor({ state: 'visible', timeout: LIVE_MS });
    const toldEditor = Date.now() - since;
    assert.equal(await a.locator('#f-title').inputValue(), 'Standing desks, 12 of them');
    assert.ok(await notReloaded(a), 'the edit form was not reloaded');
    await screenshot(a, 'live-edit-changed-under-you');
    await Promise.all([a.waitForLoadState('load'), a.getByRole('button', { name: 'Save' }).click()]);
    await a.getByTestId('conflict-message').waitFor();
    assert.equal(await a.locator('#f-title').inputValue(), 'Standing desks, 12 of them');

    // The conflict page is answered with 409, which the console reports: that one is expected.
    assert.deepEqual(
      problems.filter((p) => !/status of 409/.test(p)),
      [],
    );
    t.diagnostic(`seen after: comment ${sawComment} ms, answer ${sawAnswer} ms, stage ${sawStage} ms, editor told ${toldEditor} ms`);
  });
});
