// Faces in a real browser: an administrator uploads a group photo and a
// second photo of one of its people; the tiles count the faces as the
// recognition worker finds them (no reload), the viewer draws a box on each
// face (the toggle hides them) and lists the crops under the photo; a crop
// leads to the person, who is named there and then found by that name on
// the people page, with the card they are on.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { startWorkers } from '#app/worker/start';
import { makeUser } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { makePurchase } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { SAMPLES } from '#test/support/faces';
import { mediaApp, PASSWORD } from '#test/support/media';

describe('faces in a real browser', () => {
  it('uploads photos, sees boxes and crops, names the person and finds them on the people page', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await mediaApp('local');
    const runner = await startWorkers(app.ctx, { queues: ['recognition'] });
    onCleanup(() => runner.stop(5000));
    const u = await makeUser(app.ctx, 'root@example.com', { superuser: true, password: PASSWORD });
    const root = (await app.ctx.services.users.sessionUser(u.id))!;
    const card = await makePurchase(app.ctx, root, { title: 'Team photo for the badge' });
    const page = await newPage(browser, app.url);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${new URL(r.url()).pathname}`));
    await signIn(page, 'root@example.com', PASSWORD);
    await page.goto(`/cards/purchase_request/${card.id}`);

    // The group photo and a cut-out of its rightmost person (another framing and scale).
    const group = await sharp(path.join(SAMPLES, 'sample1.jpg')).jpeg({ quality: 90 }).toBuffer();
    const sized = await sharp(group).resize({ width: 1600 }).png().toBuffer();
    const cut = await sharp(sized).extract({ left: 1060, top: 80, width: 500, height: 500 }).resize({ width: 400 }).jpeg().toBuffer();
    await page.setInputFiles('.att-input', [
      { name: 'team.jpg', mimeType: 'image/jpeg', buffer: group },
      { name: 'portrait.jpg', mimeType: 'image/jpeg', buffer: cut },
    ]);
    const counts = page.locator('.att-faces[data-faces-state=done]');
    await page.waitForFunction(() => document.querySelectorAll('.att-faces[data-faces-state=done]').length === 2, null, {
      timeout: 90_000,
    });
    assert.deepEqual(await counts.allTextContents(), ['3 faces', '1 face']);
    await screenshot(page, 'faces-gallery');

    await page.locator('.att-thumb').first().click();
    await page.locator('.att-face-box').nth(2).waitFor();
    assert.equal(await page.locator('.att-face-box').count(), 3);
    assert.equal(await page.locator('.att-face-crop img').count(), 3);
    await page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLImageElement>('.att-face-crop img, .att-viewer-img')].every(
        (i) => i.complete && i.naturalWidth > 0,
      ),
    );
    // Each box lies on the image.
    const img = (await page.locator('.att-viewer-img').boundingBox())!;
    for (const b of await page.locator('.att-face-box').all()) {
      const r = (await b.boundingBox())!;
      assert.ok(r.x >= img.x - 2 && r.x + r.width <= img.x + img.width + 2 && r.y >= img.y - 2, JSON.stringify({ r, img }));
    }
    await screenshot(page, 'faces-viewer');
    await page.locator('.att-faces-toggle').click();
    assert.equal(await page.locator('.att-face-box').first().isHidden(), true, 'the toggle hides the boxes');
    await page.locator('.att-faces-toggle').click();
    assert.equal(await page.locator('.att-face-box').first().isVisible(), true);

    // The person seen in both photos is a group: their crop leads to them.
    const grouped = page.locator('a.att-face-crop');
    assert.equal(await grouped.count(), 1, 'one face of the group photo is grouped (with the portrait)');
    await Promise.all([page.waitForURL(/\/people\/\d+$/), grouped.click()]);
    assert.equal(await page.locator('[data-testid=person-faces] [data-face]').count(), 2);
    await page.fill('#f-name', 'Anna Petrova');
    await Promise.all([page.waitForURL(/\/people\/\d+$/), page.click('[data-testid=name-form] button[type=submit]')]);
    assert.equal(await page.locator('[data-testid=person-name]').textContent(), 'Anna Petrova');

    await page.goto('/people');
    await Promise.all([page.waitForURL(/\/people\/\d+$/), page.getByText('Anna Petrova').click()]);
    assert.match((await page.locator('[data-testid=person-cards]').textContent()) ?? '', /Team photo for the badge/);
    assert.match((await page.locator('[data-testid=person-cards]').textContent()) ?? '', /2 photos/);
    await screenshot(page, 'faces-person');
    await page.goto('/admin/recognition');
    await page.locator('[data-testid=workers]').getByText('models loaded').waitFor();
    await screenshot(page, 'faces-admin');
    // The same pages in Russian.
    await app.ctx.db.exec("update users set locale = 'ru' where id = $1", [u.id]);
    await page.goto('/admin/recognition');
    assert.equal(await page.locator('h1').textContent(), 'Распознавание лиц');
    await page.locator('[data-testid=workers]').getByText('модели загружены').waitFor();
    await screenshot(page, 'faces-admin-ru');
    await page.goto(`/cards/purchase_request/${card.id}`);
    await page.waitForFunction(() => document.querySelectorAll('.att-faces[data-faces-state=done]').length === 2);
    assert.deepEqual(await counts.allTextContents(), ['3 лица', '1 лицо']);
    await page.goto('/people');
    assert.equal(await page.locator('h1').textContent(), 'Люди');
    await screenshot(page, 'faces-people-ru');
    assert.deepEqual(errors, []);
  });
});
