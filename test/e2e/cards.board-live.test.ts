// The board live in two browsers: a card Anna moves (her tile's Move menu)
// moves on Maria's board within 2 s, counts and all, without a reload; Maria's
// own drag moves the tile in place (posted in the background, the board
// swapped, no page load) with its message. Her list, in another tab, follows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { startTestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { makePurchase, sessionUserFor } from '#test/support/cards';

const PASSWORD = 'correct horse battery';

async function mark(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
}
async function notReloaded(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded === true);
}

describe('the board live in two browsers', () => {
  it('another user’s move appears within 2 s; a drag moves the tile in place', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await startTestApp();
    const maria = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager', 'approver'], name: 'Maria Manager' });
    await sessionUserFor(app.ctx, 'anna@example.com', { roles: ['manager'], name: 'Anna Approver' });
    const submit = async (title: string) => {
      const card = await makePurchase(app.ctx, maria, { title, approver: String(maria.id) });
      return app.ctx.services.cards.transition(maria, 'purchase_request', card.id, 'submit');
    };
    const one = await submit('Standing desks');
    const two = await submit('Monitors');
    const BOARD = '/cards/purchase_request/board';
    const problems: string[] = [];

    const m = await newPage(browser, app.url);
    const a = await newPage(browser, app.url);
    for (const p of [m, a]) p.on('pageerror', (e) => problems.push(e.message));
    await signIn(m, 'maria@example.com', PASSWORD);
    await signIn(a, 'anna@example.com', PASSWORD);
    await m.goto(BOARD);
    await a.goto(BOARD);
    await mark(m);
    // Maria's list of the same type, open in another tab.
    const list = await m.context().newPage();
    await list.goto('/cards/purchase_request');
    await mark(list);
    const row = list.locator('[data-testid=card-list] tr', { hasText: two.number });
    assert.match(await row.innerText(), /Waiting for approval/);
    const column = (p: Page, stage: string) => p.getByTestId(`column-${stage}`);
    assert.equal(await column(m, 'approval').getByTestId('count').innerText(), '2 of 5 (WIP limit)');

    // Anna rejects Monitors from her board's Move menu: Maria's board shows it in Rejected within 2 s.
    await a.getByTestId(`tile-${two.number}`).locator('summary').click();
    await Promise.all([
      a.waitForLoadState('load'),
      a.getByTestId(`tile-${two.number}`).getByRole('button', { name: 'Reject → Rejected' }).click(),
    ]);
    const since = Date.now();
    await column(m, 'rejected').getByTestId(`tile-${two.number}`).waitFor({ timeout: 2000 });
    const seen = Date.now() - since;
    assert.equal(await column(m, 'approval').getByTestId(`tile-${two.number}`).count(), 0);
    assert.equal(await column(m, 'approval').getByTestId('count').innerText(), '1 of 5 (WIP limit)');
    assert.equal(await column(m, 'rejected').getByTestId('count').innerText(), '1 card');
    assert.ok(await notReloaded(m), 'Maria’s board was not reloaded');
    await screenshot(m, 'board-live-move-arrives');
    // The list too (a hidden tab polls every 10 s; brought to the front it asks at once).
    await list.bringToFront();
    await row.getByText('Rejected').waitFor({ timeout: 2000 });
    assert.ok(await notReloaded(list), 'the list was not reloaded');
    await m.bringToFront();

    // Maria drags Standing desks to Ordering: moved in place, with its message, no page load; Anna sees it too.
    const centre = async (l: ReturnType<typeof column>) => {
      const box = (await l.boundingBox())!;
      return [box.x + box.width / 2, box.y + Math.min(60, box.height / 2)] as const;
    };
    await m.mouse.move(...(await centre(m.getByTestId(`tile-${one.number}`).locator('.small').first())));
    await m.mouse.down();
    await m.mouse.move(...(await centre(column(m, 'ordering'))), { steps: 5 });
    await m.mouse.up();
    await m.getByText(`${one.number} moved to Ordering`).waitFor();
    assert.equal(await column(m, 'ordering').getByTestId(`tile-${one.number}`).count(), 1);
    assert.equal(await column(m, 'approval').getByTestId('count').innerText(), '0 of 5 (WIP limit)');
    assert.ok(await notReloaded(m), 'the drag did not load a page');
    assert.equal((await app.ctx.services.cards.getForUser(maria, 'purchase_request', one.id)).stage, 'ordering');
    await column(a, 'ordering').getByTestId(`tile-${one.number}`).waitFor({ timeout: 2000 });
    await screenshot(m, 'board-live-drag-in-place');
    assert.deepEqual(problems, []);
    t.diagnostic(`another user's move seen after ${seen} ms`);
  });
});
