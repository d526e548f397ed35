// Attachments on the card's timeline, in a real browser: an operator uploads
// two files and removes one from the gallery (the Remove action, under the
// page's CSP); once the audit worker has recorded them, the timeline shows
// "Added 2 files" with their names and "Removed a file" with its name.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { startWorkers } from '#app/worker/start';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { makePurchase } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { fixture, makeSessionUser, mediaApp, PASSWORD } from '#test/support/media';

async function reloadUntil(page: Page, check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms reloading for ${what}`);
    await page.waitForTimeout(200);
    await page.reload();
  }
}

describe('attachments on the card timeline in a real browser', () => {
  it('shows files added and a file removed', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await mediaApp('local', { worker: false });
    const owner = await makeSessionUser(app.ctx, 'olga@example.com', ['operator']);
    const card = await makePurchase(app.ctx, owner, { title: 'Damaged pallet' });
    const runner = await startWorkers(app.ctx, { queues: ['audit'] });
    onCleanup(() => runner.stop(2000));
    const page = await newPage(browser, app.url);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${new URL(r.url()).pathname}`));
    page.on('dialog', (d) => d.accept());
    await signIn(page, 'olga@example.com', PASSWORD);
    await page.goto(`/cards/purchase_request/${card.id}`);
    await page.setInputFiles('.att-input', [
      { name: 'pallet-front.jpg', mimeType: 'image/jpeg', buffer: await fixture('jpeg', 64, 48) },
      { name: 'delivery note.png', mimeType: 'image/png', buffer: await fixture('png', 64, 48) },
    ]);
    await page.locator('.att-item').nth(1).waitFor();
    await page.locator('.att-item').first().locator('.att-remove').click();
    await page.waitForFunction(() => document.querySelectorAll('.att-item').length === 1);

    const timeline = page.locator('[data-testid=history] > li');
    await reloadUntil(
      page,
      async () => (await page.locator('[data-testid=history] > li[data-kind=detached]').count()) === 1,
      10_000,
      'the removal on the timeline',
    );
    const read = async (i: number) => [
      await timeline.nth(i).locator('.fw-semibold').innerText(),
      (await timeline.nth(i).locator('[data-testid=history-line]').innerText()).replace(/\s+/g, ' ').trim(),
    ];
    assert.deepEqual(await read(0), ['Removed a file', 'Removed: pallet-front.jpg']);
    // The page sends each file in its own request (under nginx's per-request
    // limit), so each is its own event, newest first. One request with two
    // files is one entry (test/integration/audit.attachments-history.test.ts).
    assert.deepEqual(await read(1), ['Added a file', 'Added: delivery note.png']);
    assert.deepEqual(await read(2), ['Added a file', 'Added: pallet-front.jpg']);
    assert.match(await timeline.nth(0).locator('div').first().innerText(), /^\d{2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} · olga$/);
    await page.locator('#history').scrollIntoViewIfNeeded();
    await screenshot(page, 'cards-attachments-history');
    assert.deepEqual(errors, []);
  });
});
