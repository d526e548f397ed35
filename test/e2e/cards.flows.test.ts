// A card's life as an operator sees it in a real browser: the generated form
// (with a server-side error that keeps what was typed), full-text search on
// the list, an edit, a transition with its confirmation page and the field
// it requires, and the conflict page when someone else saved first.
// The HTTP-level details are pinned in test/integration/cards.*; here we
// check that the pages work when a browser fills and submits them.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { SessionUser } from '#app/services/users';
import { startTestApp, type TestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { makePurchase, sessionUserFor } from '#test/support/cards';

const PASSWORD = 'correct horse battery';

/** Clicks a form's submit button and returns the status of the page it leads to. */
async function submit(page: Page, button: string): Promise<number> {
  const [response] = await Promise.all([page.waitForNavigation(), page.click(button)]);
  assert.ok(response, `submitting with ${button} loaded a page`);
  return response.status();
}

/** The list rows as text, one string per row (cells joined by " | "). */
async function listRows(page: Page): Promise<string[]> {
  return page
    .locator('[data-testid=card-list] tbody tr')
    .evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll('td:not(.bulk-select)')].map((td) => (td.textContent ?? '').trim()).join(' | ')),
    );
}

describe('cards in a real browser', () => {
  let app: TestApp;
  let operator: SessionUser;
  let approver: SessionUser;
  let manager: SessionUser;
  let browser: Browser | null = null;

  before(async () => {
    app = await startTestApp();
    operator = await sessionUserFor(app.ctx, 'olga@example.com', { roles: ['operator'], name: 'Olga Operator' });
    approver = await sessionUserFor(app.ctx, 'anton@example.com', { roles: ['approver'], name: 'Anton Approver' });
    manager = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria Manager' });
  });

  it('creates a card through the form, finds it by search and edits it', async (t) => {
    browser = await launchBrowser(t);
    if (!browser) return;
    // Cards that must NOT match the search below (one of them the operator's own).
    await makePurchase(app.ctx, operator, { title: 'Office chairs', supplier: 'Sitwell GmbH', category: 'office' });
    await makePurchase(app.ctx, operator, { title: 'Printer toner', supplier: 'Inkwise', category: 'office' });
    const page = await newPage(browser, app.url);
    await signIn(page, 'olga@example.com', PASSWORD);

    await page.goto('/cards/purchase_request');
    await Promise.all([page.waitForURL('**/cards/purchase_request/new'), page.click('text=New purchase request')]);
    await page.fill('#f-title', 'Standing desks for the support team');
    await page.fill('#f-supplier', 'Ergonomica Oy');
    await page.fill('#f-amount', '4820.40');
    await page.selectOption('#f-category', 'office');
    await page.fill('#f-quantity', '6');
    await page.fill('#f-needed_by', '2026-12-15');
    await page.check('#f-urgent');
    await page.fill('#f-cost_center', 'support 7'); // not the declared pattern
    await page.fill('#f-description', 'Height-adjustable,\nwith cable trays.');
    assert.equal(await submit(page, 'main button[type=submit]'), 400);

    // The reason sits next to the field, and nothing typed is lost.
    const error = page.locator('[data-field-error=cost_center]');
    assert.equal(await error.innerText(), 'Two letters, a dash and three digits, e.g. IT-210.');
    assert.ok(
      await page
        .locator('#f-cost_center')
        .evaluate(
          (el) =>
            el.classList.contains('is-invalid') && el.parentElement!.contains(document.querySelector('[data-field-error=cost_center]')),
        ),
    );
    assert.ok(await error.isVisible(), 'the reason is visible, not just in the markup');
    assert.equal(
      await page.locator('main :text-is("Two letters, a dash and three digits, e.g. IT-210.")').count(),
      1,
      'the help that is the reason is said once',
    );
    assert.equal(await page.locator('[data-field-error]').count(), 1, 'only the wrong field is marked');
    assert.equal(await page.locator('[data-testid=form-message]').innerText(), 'Some fields need attention.');
    assert.equal(await page.inputValue('#f-title'), 'Standing desks for the support team');
    assert.equal(await page.inputValue('#f-supplier'), 'Ergonomica Oy');
    assert.equal(await page.inputValue('#f-amount'), '4820.40');
    assert.equal(await page.inputValue('#f-category'), 'office');
    assert.equal(await page.inputValue('#f-quantity'), '6');
    assert.equal(await page.inputValue('#f-needed_by'), '2026-12-15');
    assert.ok(await page.isChecked('#f-urgent'));
    assert.equal(await page.inputValue('#f-cost_center'), 'support 7');
    assert.equal(await page.inputValue('#f-description'), 'Height-adjustable,\nwith cable trays.');
    await screenshot(page, 'cards-create-error');

    await page.fill('#f-cost_center', 'SU-107');
    assert.equal(await submit(page, 'main button[type=submit]'), 200);
    assert.match(new URL(page.url()).pathname, /^\/cards\/purchase_request\/\d+$/);
    const number = (await page.locator('h1 .text-body-secondary').innerText()).trim();
    assert.match(number, /^PR-\d{6}$/);
    assert.equal(await page.locator('.alert-success').innerText(), `${number} created.`);
    assert.equal(await page.locator('[data-testid=card-title]').innerText(), 'Standing desks for the support team');
    assert.equal(await page.locator('[data-testid=stage]').innerText(), 'Draft');
    assert.equal(await page.locator('[data-field=category]').innerText(), 'Office supplies');
    assert.equal(await page.locator('[data-field=amount]').innerText(), '4,820.40');
    assert.equal(await page.locator('[data-field=urgent]').innerText(), 'Yes');
    assert.equal(await page.locator('[data-field=cost_center]').innerText(), 'SU-107');
    await screenshot(page, 'cards-view');

    // Full-text search over a search field (the supplier), from the list page.
    await page.goto('/cards/purchase_request');
    assert.equal(await page.locator('[data-testid=total]').innerText(), '3 cards');
    await page.fill('#q', 'ergonomica');
    await submit(page, 'form[role=search] button[type=submit]');
    assert.equal(new URL(page.url()).searchParams.get('q'), 'ergonomica', 'the search is in the URL');
    assert.equal(await page.locator('[data-testid=total]').innerText(), '1 card');
    const rows = await listRows(page);
    assert.equal(rows.length, 1);
    assert.match(
      rows[0],
      new RegExp(`^${number} \\| Standing desks for the support team \\| Draft \\| Ergonomica Oy \\| 4,820.40 \\| Office supplies \\| `),
    );
    assert.equal(await page.inputValue('#q'), 'ergonomica', 'the search box keeps the words');
    await screenshot(page, 'cards-list-search');
    // A word that is only in the description finds it too; the number does as well.
    await page.fill('#q', 'cable');
    await submit(page, 'form[role=search] button[type=submit]');
    assert.deepEqual(
      (await listRows(page)).map((r) => r.split(' | ')[0]),
      [number],
    );
    await page.fill('#q', number.toLowerCase());
    await submit(page, 'form[role=search] button[type=submit]');
    assert.deepEqual(
      (await listRows(page)).map((r) => r.split(' | ')[0]),
      [number],
    );

    await Promise.all([page.waitForURL(/\/cards\/purchase_request\/\d+$/), page.click(`[data-testid=card-list] a:text-is("${number}")`)]);
    await Promise.all([page.waitForURL(/\/edit$/), page.click('a:text-is("Edit")')]);
    assert.equal(await page.inputValue('#f-amount'), '4820.4', 'the edit form holds the stored values');
    await page.fill('#f-title', 'Standing desks (support and sales)');
    await page.fill('#f-amount', '6430');
    await page.uncheck('#f-urgent');
    await screenshot(page, 'cards-edit');
    assert.equal(await submit(page, 'main button[type=submit]'), 200);
    assert.equal(await page.locator('.alert-success').innerText(), `${number} saved.`);
    assert.equal(await page.locator('[data-testid=card-title]').innerText(), 'Standing desks (support and sales)');
    assert.equal(await page.locator('[data-field=amount]').innerText(), '6,430.00');
    assert.equal(await page.locator('[data-field=urgent]').innerText(), 'No');
    assert.equal(await page.locator('[data-field=supplier]').innerText(), 'Ergonomica Oy', 'untouched fields stay');
    assert.match(await page.locator('text=/^Version \\d+$/').innerText(), /^Version 2$/);
  });

  it('takes a transition after its confirmation page, asking for the field it requires', async (t) => {
    browser = await launchBrowser(t);
    if (!browser) return;
    const card = await makePurchase(app.ctx, operator, { title: 'Conference travel', supplier: 'Fly Fast', category: 'travel' });
    const page = await newPage(browser, app.url);
    await signIn(page, 'olga@example.com', PASSWORD);
    await page.goto(`/cards/purchase_request/${card.id}`);
    // The operator may only submit; approving is for approvers and managers.
    assert.deepEqual(await page.locator('[data-testid^=transition-]').allInnerTexts(), ['Submit for approval']);

    // The link leads to a confirmation page; cancelling changes nothing.
    await Promise.all([page.waitForURL(/\/transition\?name=submit$/), page.click('[data-testid=transition-submit]')]);
    assert.match(await page.locator('h1').innerText(), new RegExp(`^Submit for approval: ${card.number} Conference travel$`));
    await Promise.all([page.waitForURL(new RegExp(`/cards/purchase_request/${card.id}$`)), page.click('main a:text-is("Cancel")')]);
    assert.equal(await page.locator('[data-testid=stage]').innerText(), 'Draft');

    await Promise.all([page.waitForURL(/\/transition\?name=submit$/), page.click('[data-testid=transition-submit]')]);
    await screenshot(page, 'cards-transition-confirm');
    // Confirming without the approver the step requires: refused, reason next to the field.
    assert.equal(await submit(page, '[data-testid=confirm-transition]'), 400);
    assert.equal(await page.locator('[data-field-error=approver]').innerText(), 'required');
    assert.equal(await page.locator('[data-testid=form-message]').innerText(), 'Fill in what “Submit for approval” needs.');
    assert.equal((await app.ctx.services.cards.getForUser(manager, 'purchase_request', card.id)).stage, 'draft', 'nothing moved');
    await screenshot(page, 'cards-transition-error');

    // Only users with the approver role are offered.
    const offered = await page.locator('#t-approver option').allInnerTexts();
    assert.deepEqual(offered, ['—', 'Anton Approver']);
    await page.selectOption('#t-approver', String(approver.id));
    assert.equal(await submit(page, '[data-testid=confirm-transition]'), 200);
    assert.equal(await page.locator('.alert-success').innerText(), `${card.number} moved to Waiting for approval.`);
    assert.equal(await page.locator('[data-testid=stage]').innerText(), 'Waiting for approval');
    assert.match(await page.locator('[data-testid=due]').innerText(), /^Due /, 'the stage SLA gives a due date');
    assert.equal(await page.locator('[data-field=approver]').innerText(), 'Anton Approver');
    assert.equal(await page.locator('[data-testid^=transition-]').count(), 0, 'no further step is the operator’s');
    await screenshot(page, 'cards-transitioned');
  });

  it('shows the conflict page when someone else saved the card after the edit form was opened', async (t) => {
    browser = await launchBrowser(t);
    if (!browser) return;
    const card = await makePurchase(app.ctx, operator, { title: 'Team laptops', supplier: 'Bytecraft Ltd', amount: '9000', quantity: '3' });
    const olga = await newPage(browser, app.url);
    await signIn(olga, 'olga@example.com', PASSWORD);
    await olga.goto(`/cards/purchase_request/${card.id}/edit`);
    await olga.fill('#f-amount', '9500');
    await olga.fill('#f-title', 'Team laptops, 16 GB');

    // Meanwhile the manager, in a browser of her own, changes the quantity and supplier.
    const maria = await newPage(browser, app.url);
    await signIn(maria, 'maria@example.com', PASSWORD);
    await maria.goto(`/cards/purchase_request/${card.id}/edit`);
    await maria.fill('#f-quantity', '4');
    await maria.fill('#f-supplier', 'Bytecraft Europe');
    assert.equal(await submit(maria, 'main button[type=submit]'), 200);
    assert.equal(await maria.locator('[data-field=quantity]').innerText(), '4');

    assert.equal(await submit(olga, 'main button[type=submit]'), 409);
    assert.equal(await olga.locator('h1').innerText(), 'Changed by someone else');
    assert.match(
      await olga.locator('[data-testid=conflict-message]').innerText(),
      new RegExp(`^${card.number} was changed by someone else since you opened it\\.`),
    );
    const table = await olga
      .locator('[data-testid=conflict-table] tbody tr')
      .evaluateAll((rows) =>
        Object.fromEntries(
          rows.map((r) => [r.querySelector('th')!.textContent!.trim(), [...r.querySelectorAll('td')].map((td) => td.textContent!.trim())]),
        ),
      );
    assert.deepEqual(table.Title, ['Team laptops', 'Team laptops, 16 GB']);
    assert.deepEqual(table['Amount (EUR)'], ['9,000.00', '9,500.00']);
    assert.deepEqual(table.Category, ['IT equipment', 'IT equipment'], 'both columns read the same way');
    assert.deepEqual(table.Quantity, ['4', '3']);
    assert.deepEqual(table.Supplier, ['Bytecraft Europe', 'Bytecraft Ltd']);
    assert.match(await olga.locator('[data-testid=conflict-table] thead').innerText(), /Stored now \(version 2\)/);
    const highlighted = await olga.locator('[data-testid=conflict-table] tr.table-warning th').allInnerTexts();
    assert.deepEqual(highlighted.sort(), ['Amount (EUR)', 'Quantity', 'Supplier', 'Title']);
    const stored = await app.ctx.services.cards.getForUser(manager, 'purchase_request', card.id);
    assert.deepEqual(
      { title: stored.title, amount: stored.data.amount, version: stored.version },
      { title: 'Team laptops', amount: 9000, version: 2 },
      'the stale save changed nothing',
    );
    await screenshot(olga, 'cards-conflict');

    // The form under the table holds Olga's values on top of version 2: after
    // taking the manager's quantity she saves, and both changes are kept.
    assert.equal(await olga.inputValue('#f-amount'), '9500');
    assert.equal(await olga.inputValue('input[name=version]'), '2');
    await olga.fill('#f-quantity', '4');
    await olga.fill('#f-supplier', 'Bytecraft Europe');
    assert.equal(await submit(olga, 'main button[type=submit]'), 200);
    const saved = await app.ctx.services.cards.getForUser(manager, 'purchase_request', card.id);
    assert.deepEqual(
      {
        title: saved.title,
        amount: saved.data.amount,
        quantity: saved.data.quantity,
        supplier: saved.data.supplier,
        version: saved.version,
      },
      { title: 'Team laptops, 16 GB', amount: 9500, quantity: 4, supplier: 'Bytecraft Europe', version: 3 },
    );
  });
});
