// Attachments through the shipped nginx config, in a real browser: three
// files chosen at once, together over nginx's body limit (lowered here to
// 2 MB so that small files show it), all arrive — the page sends one request
// per file. A file over nginx's limit gets Orbis's 413 message on the page,
// not nginx's own page.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { makePurchase } from '#test/support/cards';
import { freePort, has, NGINX, nginxConfig, startNginx, tempDir } from '#test/support/deploy';
import { makeSessionUser, mediaApp, PASSWORD } from '#test/support/media';
import { needs } from '#test/support/servers';

/** A PNG of noise: it does not compress, so its size is about width × height × 3 bytes. */
function noisePng(width: number, height: number): Promise<Buffer> {
  return sharp(crypto.randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

describe('card attachments through nginx in a real browser', () => {
  it('sends three files one request each under a per-request limit, and shows the 413 message for a file over it', async (t) => {
    if (!needs(t, has(NGINX), 'nginx (Debian package nginx)')) return;
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await mediaApp('local', { worker: false });
    const owner = await makeSessionUser(app.ctx, 'olga@example.com', ['operator']);
    const card = await makePurchase(app.ctx, owner, { title: 'Three photos' });
    const dir = tempDir('nginx-e2e');
    const port = await freePort();
    await startNginx(
      nginxConfig({ dir, listenPort: port, upstreamPort: Number(new URL(app.url).port), mediaRoot: app.mediaRoot, maxBodySize: '2m' }),
    );

    const page = await newPage(browser, `http://127.0.0.1:${port}`);
    const failed: string[] = [];
    page.on('pageerror', (e) => failed.push(e.message));
    const posts: number[] = [];
    page.on('response', (r) => r.request().method() === 'POST' && r.url().includes('/attachments') && posts.push(r.status()));
    await signIn(page, 'olga@example.com', PASSWORD);
    await page.goto(`/cards/purchase_request/${card.id}`);
    await page.locator('.orbis-attachments').waitFor();

    // 3 × ≈ 1.3 MB: ≈ 3.9 MB together, over the 2 MB limit; each file under it.
    const files = await Promise.all(
      ['front', 'side', 'label'].map(async (n) => ({ name: `pallet-${n}.png`, mimeType: 'image/png', buffer: await noisePng(660, 660) })),
    );
    for (const f of files) assert.ok(f.buffer.length > 1_200_000 && f.buffer.length < 1_900_000, `${f.name}: ${f.buffer.length} bytes`);
    await page.setInputFiles('.att-input', files);
    await page
      .locator('.att-item')
      .nth(2)
      .waitFor({ timeout: 30_000 })
      .catch(async (err: Error) => {
        throw new Error(`${err.message}\nerror box: ${await page.locator('.att-error').textContent()}\nPOSTs: ${posts}`);
      });
    await page.locator('.att-progress').waitFor({ state: 'hidden' });
    assert.deepEqual(
      await page.locator('.att-item figcaption a').allTextContents(),
      files.map((f) => f.name),
    );
    assert.equal(await page.locator('.att-error').isHidden(), true, (await page.locator('.att-error').textContent()) ?? '');
    assert.deepEqual(posts, [201, 201, 201], 'one request per file');
    const rows = await app.ctx.db.rows<{ original_name: string; size: number }>(
      'select original_name, size from media where card_id = $1 order by id',
      [card.id],
    );
    assert.deepEqual(
      rows.map((r) => [r.original_name, Number(r.size)]),
      files.map((f) => [f.name, f.buffer.length]),
    );
    await screenshot(page, 'cards-attachments-through-nginx');

    // One file over nginx's limit (Orbis's own limit is 50 MB): nginx's 413, as Orbis's message.
    await page.setInputFiles('.att-input', [{ name: 'poster.png', mimeType: 'image/png', buffer: await noisePng(1000, 1000) }]);
    await page.locator('.att-error').waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(
      (await page.locator('.att-error').textContent()) ?? '',
      /^poster\.png: Too large: this server accepts at most \d+ MB per upload, so nothing was saved\. Make the file smaller/,
    );
    assert.equal(posts.at(-1), 413);
    await screenshot(page, 'cards-attachments-413');
    assert.equal(await page.locator('.att-item').count(), 3);
    assert.deepEqual(failed, []);
  });
});
