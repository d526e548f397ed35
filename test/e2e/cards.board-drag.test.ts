// The board in a real browser: a tile dragged onto a column its transition
// leads to moves there; a column no allowed transition leads to does not
// accept it; the keyboard's way is the tile's Move menu.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { makePurchase, sessionUserFor } from '#test/support/cards';

describe('the board in a real browser', () => {
  it('drags a card to another column, a forbidden column does not take it; saves and opens a view', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await startTestApp();
    const maria = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager', 'approver'], name: 'Maria Manager' });
    const submit = async (title: string) => {
      const card = await makePurchase(app.ctx, maria, { title, approver: String(maria.id), assignee: String(maria.id) });
      return app.ctx.services.cards.transition(maria, 'purchase_request', card.id, 'submit');
    };
    const one = await submit('Standing desks');
    const two = await submit('Monitors');
    await makePurchase(app.ctx, maria, { title: 'Chairs' });

    const page = await newPage(browser, app.url);
    await signIn(page, 'maria@example.com', 'correct horse battery');
    await page.goto('/cards/purchase_request');
    await Promise.all([page.waitForURL(/\/board$/), page.getByTestId('to-board').click()]);
    const tile = (n: string) => page.getByTestId(`tile-${n}`);
    const column = (stage: string) => page.getByTestId(`column-${stage}`);
    assert.equal(await column('approval').getByTestId('count').innerText(), '2 of 5 (WIP limit)');
    await screenshot(page, 'cards-board');

    // While dragging, only the columns an allowed transition leads to light up.
    const centre = async (l: ReturnType<typeof column>) => {
      const box = (await l.boundingBox())!;
      return [box.x + box.width / 2, box.y + Math.min(60, box.height / 2)] as const;
    };
    await page.mouse.move(...(await centre(tile(one.number).locator('.small').first())));
    await page.mouse.down();
    await page.mouse.move(...(await centre(column('received'))), { steps: 5 });
    await page.mouse.move(...(await centre(column('ordering'))), { steps: 5 });
    const lit = await page.locator('.board-column.board-drop').evaluateAll((els) => els.map((e) => e.getAttribute('data-stage')));
    assert.deepEqual(lit.sort(), ['draft', 'ordering', 'rejected']);
    await page.mouse.up();
    await page.getByText(`${one.number} moved to Ordering`).waitFor();
    assert.equal(await column('ordering').getByTestId(`tile-${one.number}`).count(), 1);
    assert.equal(await column('approval').getByTestId('count').innerText(), '1 of 5 (WIP limit)');
    assert.equal((await app.ctx.services.cards.getForUser(maria, 'purchase_request', one.id)).stage, 'ordering');

    // Received is not reachable from Waiting for approval: the drop does nothing.
    await tile(two.number).dragTo(column('received'));
    await page.waitForTimeout(500);
    assert.equal(await column('approval').getByTestId(`tile-${two.number}`).count(), 1);
    assert.equal(await column('received').getByTestId('count').innerText(), '0 cards');
    assert.equal((await app.ctx.services.cards.getForUser(maria, 'purchase_request', two.id)).stage, 'approval');

    // The keyboard: the tile's Move menu, a button per allowed move.
    await tile(two.number).locator('summary').focus();
    await page.keyboard.press('Enter');
    const reject = tile(two.number).getByRole('button', { name: 'Reject → Rejected' });
    await reject.focus();
    await screenshot(page, 'cards-board-move-menu');
    await page.keyboard.press('Enter');
    await page.getByText(`${two.number} moved to Rejected`).waitFor();
    assert.equal(await column('rejected').getByTestId(`tile-${two.number}`).count(), 1);

    // Saved views: filter the board, save it under a name, open it from the menu on the list.
    await page.goto('/cards/purchase_request/board?category=it');
    await page.getByTestId('views-menu').getByRole('button', { name: 'Views' }).click();
    await page.getByLabel('Save this view as').fill('IT on the board');
    await page.getByLabel('Who sees it').selectOption('manager');
    await page.getByRole('button', { name: 'Save view' }).click();
    await page.getByText('View “IT on the board” saved.').waitFor();
    assert.match(page.url(), /\/cards\/purchase_request\/board\?category=it$/);
    await page.goto('/cards/purchase_request');
    await page.getByTestId('views-menu').getByRole('button', { name: 'Views' }).click();
    await screenshot(page, 'cards-views-menu');
    await Promise.all([
      page.waitForURL(/\/cards\/purchase_request\?category=it$/),
      page.getByRole('link', { name: /IT on the board/ }).click(),
    ]);
  });
});
