// The new-task form takes a card by its number and offers cards by search:
// typing words of a title fills the field's list with the matching cards the
// user may read (never another operator's own card), picking one puts its
// number in the field, and the task lands on that card. A number nobody may
// show this user (unknown, or a card they cannot read) is the field's message,
// the input kept. `?card=ID` links still fill the form. Before, the field
// asked for the internal id ("12").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { utcToZonedInput } from '#app/services/time';
import { startTestApp } from '#test/support/app';
import { launchBrowser, newPage, signIn } from '#test/support/browser';
import { makePurchase, sessionUserFor } from '#test/support/cards';

const PASSWORD = 'correct horse battery';

describe('the new-task form’s card field in a real browser', () => {
  it('takes a card number, offers readable cards by search, and names a bad one', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await startTestApp();
    const { ctx } = app;
    const olga = await sessionUserFor(ctx, 'olga@example.com', { roles: ['operator'], name: 'Olga Operator' });
    const oskar = await sessionUserFor(ctx, 'oskar@example.com', { roles: ['operator'], name: 'Oskar Operator' });
    const mine = await makePurchase(ctx, olga, { title: 'Standing desks for the office' });
    await makePurchase(ctx, olga, { title: 'Printer paper' });
    const his = await makePurchase(ctx, oskar, { title: 'Standing desks for his team' });

    const page = await newPage(browser, app.url);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on(
      'response',
      (r) =>
        r.status() >= 400 &&
        !r.url().endsWith('/favicon.ico') &&
        !r.url().endsWith('/tasks') &&
        problems.push(`${r.status()} ${new URL(r.url()).pathname}`),
    );
    await signIn(page, 'olga@example.com', PASSWORD);

    // The search endpoint returns only what she may read.
    const found = await page.evaluate(
      async () => (await (await fetch('/tasks/cards.json?q=standing')).json()) as { cards: Array<{ number: string }> },
    );
    assert.deepEqual(
      found.cards.map((c) => c.number),
      [mine.number],
    );

    await page.goto('/tasks/new');
    await page.fill('input[name=title]', 'Ask for a quote');
    await page.fill('input[name=due_at]', utcToZonedInput(new Date(Date.now() + 86_400_000), olga.timeZone));
    await page.locator('#t-card').pressSequentially('standing', { delay: 20 });
    await page.waitForFunction(() => document.querySelectorAll('#t-card-options option').length > 0);
    const offered = await page
      .locator('#t-card-options option')
      .evaluateAll((os) => os.map((o) => [(o as HTMLOptionElement).value, (o as HTMLOptionElement).label]));
    assert.deepEqual(offered, [[mine.number, 'Standing desks for the office']]);

    // Bad input: his card's number, then an unknown one — the field's message, the input kept.
    for (const bad of [his.number, 'PR-999999']) {
      await page.fill('#t-card', bad);
      await Promise.all([page.waitForURL('**/tasks'), page.click('main button[type=submit]')]);
      assert.equal(await page.locator('#t-card').inputValue(), bad);
      assert.equal(await page.locator('#t-card ~ .invalid-feedback').innerText(), `no card you can see is ${bad}`);
      assert.equal(await page.locator('input[name=title]').inputValue(), 'Ask for a quote', 'nothing else lost');
    }
    assert.equal((await ctx.db.rows('select 1 from tasks')).length, 0);

    // A number as picking from the list puts it in; lower case and without the zeros is the same number.
    await page.fill('#t-card', mine.number.toLowerCase().replace(/-0+/, '-'));
    await Promise.all([page.waitForURL(`**/cards/purchase_request/${mine.id}`), page.click('main button[type=submit]')]);
    const [task] = await ctx.db.rows<{ card_id: number }>('select card_id from tasks');
    assert.equal(Number(task.card_id), mine.id);

    // `?card=ID` links keep working.
    await page.goto(`/tasks/new?card=${mine.id}`);
    assert.equal(await page.locator('[data-testid=picked-card]').innerText(), `${mine.number} · Standing desks for the office`);
    assert.deepEqual(problems, []);
  });
});
