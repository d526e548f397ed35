// The import page in a real browser: from the card list's "Import CSV" link,
// a file is uploaded, a column mapped by hand, every row checked (the bad
// rows listed with line, column and reason, paged), the valid rows imported
// as a job whose progress bar moves without a reload, and the result shown;
// the imported card's history names the file and the person.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startWorkers } from '#app/worker/start';
import { startTestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';

const PASSWORD = 'correct horse battery';
const ROWS = 6000;

describe('the CSV import page in a real browser', () => {
  it('uploads, maps, shows the errors, imports with a live progress bar and shows the result', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await startTestApp();
    const maria = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria Manager' });
    const page = await newPage(browser, app.url);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${new URL(r.url()).pathname}`));
    await signIn(page, 'maria@example.com', PASSWORD);

    await page.goto('/cards/purchase_request');
    await page.click('[data-testid=import]');
    await page.waitForURL('**/cards/purchase_request/import');
    const rows = Array.from({ length: ROWS }, (_, i) =>
      i === 3 ? `Broken ${i};Acme;lots;it;1` : i === 70 ? `Short ${i};Acme` : `Chair ${i};"Acme; Ltd";${i}.5;office;1`,
    );
    const csv = '\ufeffName;Vendor;amount;category;quantity\r\n' + rows.join('\r\n') + '\r\n';
    await page.setInputFiles('#import-file', { name: 'chairs.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await screenshot(page, 'cards-import-upload');
    await Promise.all([page.waitForURL(/\/import\/\d+$/), page.click('[data-testid=upload]')]);

    // Mapping: amount, category and quantity by name; Name and Vendor by hand.
    assert.equal(await page.locator('[data-testid="map-amount"]').inputValue(), 'amount');
    assert.equal(await page.locator('[data-testid="map-Name"]').inputValue(), '');
    await page.selectOption('[data-testid="map-Name"]', 'title');
    await page.selectOption('[data-testid="map-Vendor"]', 'supplier');
    await Promise.all([page.waitForURL(/#problems$/), page.click('[data-testid=check]')]);
    const summary = (await page.locator('[data-testid=summary]').textContent()) ?? '';
    assert.match(summary, new RegExp(`${ROWS} rows · ${ROWS - 2} valid · 2 rows refused`));
    const problems = await page.locator('[data-testid=problems] tbody tr').allTextContents();
    assert.deepEqual(problems, ['5amountmust be a number such as 1234.50', '72—the row has 2 cells, the header 5']);
    await screenshot(page, 'cards-import-checked');

    // The valid rows, as a job: no worker yet, so the bar waits at 0.
    await Promise.all([page.waitForLoadState('load'), page.click('[data-testid=start-valid]')]);
    await page.locator('[data-testid=progress]').waitFor();
    assert.equal(await page.locator('[data-testid=progress]').getAttribute('value'), '0');
    const url = page.url();
    const runner = await startWorkers(app.ctx, { queues: ['default'] });
    onCleanup(() => runner.stop(2000));
    // It moves without a reload (the page reloads itself only once the job ended).
    let seen = 0;
    await page.waitForFunction(
      () => {
        const bar = document.querySelector('progress');
        return !bar || Number((bar as HTMLProgressElement).value) > 0;
      },
      undefined,
      { timeout: 60_000 },
    );
    if (await page.locator('[data-testid=progress]').count()) {
      seen = Number(await page.locator('[data-testid=progress]').getAttribute('value'));
      await screenshot(page, 'cards-import-progress');
    }
    await page.locator('[data-testid=result]').waitFor({ timeout: 120_000 });
    assert.equal(page.url(), url);
    assert.equal((await page.locator('[data-testid=result]').textContent())?.trim(), `${ROWS - 2} cards imported · 2 rows refused`);
    assert.equal(await page.locator('[data-testid=problems] tbody tr').count(), 2);
    await screenshot(page, 'cards-import-result');
    t.diagnostic(`progress seen before the result: ${seen}%`);

    const [card] = await app.ctx.db.rows<{ id: number; title: string; data: { supplier: string; amount: number } }>(
      `select id, title, data from cards where title = 'Chair 10'`,
    );
    assert.equal(card.data.supplier, 'Acme; Ltd');
    const [job] = await app.ctx.db.rows<{ payload: { source: string; userId: number } }>('select payload from jobs where key = $1', [
      `audit:card:${card.id}:v1`,
    ]);
    assert.equal(job.payload.source, 'import:chairs.csv');
    assert.equal(job.payload.userId, maria.id);
    assert.deepEqual(errors, []);
  });
});
