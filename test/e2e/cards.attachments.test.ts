// Attachments in a real browser: two photos chosen in the upload form appear
// as "waiting" at once, then — when the images worker starts and processes
// them — as thumbnails, without a reload; a click opens the full-size viewer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startWorkers } from '#app/worker/start';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { makePurchase } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { fixture, makeSessionUser, mediaApp, PASSWORD, twoColour } from '#test/support/media';

describe('card attachments in a real browser', () => {
  it('uploads two images and shows their thumbnails without a reload', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await mediaApp('local', { worker: false });
    const owner = await makeSessionUser(app.ctx, 'olga@example.com', ['operator']);
    const card = await makePurchase(app.ctx, owner, { title: 'Damaged pallet' });
    const page = await newPage(browser, app.url);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${new URL(r.url()).pathname}`));
    await signIn(page, 'olga@example.com', PASSWORD);
    await page.goto(`/cards/purchase_request/${card.id}`);
    await page
      .locator('.orbis-attachments')
      .waitFor()
      .catch(async (e) => {
        throw new Error(String(e) + (await page.content()).slice(0, 3000));
      });

    const photo = await twoColour(1600, 1200).jpeg().toBuffer();
    await page.setInputFiles('.att-input', [
      { name: 'pallet-front.jpg', mimeType: 'image/jpeg', buffer: photo },
      { name: 'pallet-label.png', mimeType: 'image/png', buffer: await fixture('png', 900, 1200) },
    ]);
    // No worker yet: both wait, shown as such.
    await page.locator('.att-item').nth(1).waitFor();
    await screenshot(page, 'cards-attachments-waiting');
    assert.equal(await page.locator('.att-state').count(), 2, await page.locator('.att-gallery').innerHTML());
    assert.match((await page.locator('.att-state').first().textContent()) ?? '', /Waiting to be processed/);
    const url = page.url();

    const runner = await startWorkers(app.ctx, { queues: ['images'] });
    onCleanup(() => runner.stop(2000));
    await page.locator('.att-item img').nth(1).waitFor({ timeout: 20_000 });
    await page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLImageElement>('.att-item img')].every((i) => i.complete && i.naturalWidth > 0),
    );
    assert.equal(page.url(), url, 'no navigation');
    assert.equal(await page.locator('.att-state').count(), 0);
    const names = await page.locator('.att-item figcaption a').allTextContents();
    assert.deepEqual(names, ['pallet-front.jpg', 'pallet-label.png']);
    assert.match((await page.locator('.att-meta').first().textContent()) ?? '', /1600×1200/);
    await screenshot(page, 'cards-attachments-gallery');

    await page.locator('.att-thumb').first().click();
    await page.locator('.att-viewer-img').waitFor();
    await page.waitForFunction(() => (document.querySelector<HTMLImageElement>('.att-viewer-img')?.naturalWidth ?? 0) === 1600);
    await screenshot(page, 'cards-attachments-viewer');
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('.att-viewer').isHidden(), true);
    assert.deepEqual(errors, []);
  });
});
