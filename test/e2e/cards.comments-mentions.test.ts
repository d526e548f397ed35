// Two colleagues talk on a card in real browsers: Maria writes a comment and
// mentions Anna through the picker that opens as she types "@an" (keyboard);
// Anna hears of it (the bell, through the notifications.card_event job),
// finds the comment on the card and answers, mentioning Maria with a click in
// the picker; Maria sees the answer and her bell. A mention of a colleague who
// may not read the card is refused in the page, the text kept. Markdown shows
// as formatting, never as markup that runs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { startWorkers } from '#app/worker/start';
import { startTestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { FAST_JOBS } from '#test/support/jobs';
import { eventually } from '#test/support/queue';

const PASSWORD = 'correct horse battery';

async function bellCount(page: Page): Promise<number> {
  const badge = page.locator('[data-testid=bell-count]');
  return (await badge.count()) ? Number(await badge.innerText()) : 0;
}

function watch(page: Page, problems: string[]): void {
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
}

describe('comments and mentions in real browsers', () => {
  it('two users comment and mention each other', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await startTestApp({}, { jobs: { ...FAST_JOBS, concurrency: 2 }, notifications: { gatherSeconds: 1 } });
    const runner = await startWorkers(app.ctx, { queues: ['default', 'audit'] });
    onCleanup(() => runner.stop(2000));
    const maria = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria Manager' });
    await sessionUserFor(app.ctx, 'anna@example.com', { roles: ['manager'], name: 'Anna Approver' });
    await sessionUserFor(app.ctx, 'oleg@example.com', { roles: ['operator'], name: 'Oleg Operator' }); // may not read Maria's card
    const card = await makePurchase(app.ctx, maria, { title: 'Standing desks' });
    const cardUrl = `/cards/purchase_request/${card.id}`;
    // Back on the card, at the new comment.
    const commented = new RegExp(`${cardUrl}#comment-\\d+$`);
    const problems: string[] = [];

    // 1. Maria types "@an": the picker offers Anna (a reader of the card); Enter writes her address.
    const m = await newPage(browser, app.url);
    watch(m, problems);
    await signIn(m, 'maria@example.com', PASSWORD);
    await m.goto(cardUrl);
    const box = m.locator('#comment-body');
    await box.click();
    await box.pressSequentially('**Please** check the quote, @an');
    const choices = m.locator('#comment-body-mentions');
    await choices.locator('[role=option]').first().waitFor();
    assert.deepEqual(await choices.locator('[role=option]').allInnerTexts(), ['Anna Approver@anna@example.com']);
    await screenshot(m, 'comments-mention-picker');
    await m.keyboard.press('Enter');
    assert.equal(await box.inputValue(), '**Please** check the quote, @anna@example.com ');
    await box.pressSequentially('before Friday.');
    await Promise.all([m.waitForURL(commented), m.click('[data-testid=comment-submit]')]);
    const first = m.locator('[data-testid=comment]').first();
    assert.match(
      await first.locator('[data-testid=comment-text]').innerHTML(),
      /<strong>Please<\/strong> check the quote, <span class="mention">@anna@example\.com<\/span> before Friday\./,
    );
    assert.equal(await first.locator('[data-testid=comment-author]').innerText(), 'Maria Manager');

    // 2. Anna hears of it, reads it on the card and answers with a click in the picker.
    const a = await newPage(browser, app.url);
    watch(a, problems);
    await signIn(a, 'anna@example.com', PASSWORD);
    await eventually(
      async () => {
        await a.reload();
        return (await bellCount(a)) === 1;
      },
      15_000,
      'Anna’s bell',
    );
    await a.goto(cardUrl);
    assert.match(
      await a.locator('[data-testid=comment-text]').first().innerText(),
      /Please check the quote, @anna@example\.com before Friday\./,
    );
    // A colleague who may not read the card: refused in the page, her text kept.
    await a.locator('#comment-body').fill('Asking @oleg@example.com too');
    await Promise.all([a.waitForLoadState('load'), a.click('[data-testid=comment-submit]')]);
    await a.locator('[data-testid=comment-error]').waitFor();
    assert.match(await a.locator('[data-testid=comment-error]').innerText(), /Oleg Operator \(@oleg@example\.com\) cannot read PR-\d+/);
    assert.equal(await a.locator('#comment-body').inputValue(), 'Asking @oleg@example.com too');
    await screenshot(a, 'comments-mention-refused');
    const answer = a.locator('#comment-body');
    await answer.fill('');
    await answer.pressSequentially('Done, @mar');
    await a.locator('#comment-body-mentions [role=option]').first().waitFor();
    await a.locator('#comment-body-mentions [role=option]').first().click();
    await answer.pressSequentially('— see `PR <script>` notes.');
    await Promise.all([a.waitForURL(commented), a.click('[data-testid=comment-submit]')]);
    assert.match(await a.locator('[data-testid=comment-text]').first().innerText(), /Done, @maria@example\.com — see PR <script> notes\./);

    // 3. Maria sees the answer, and her bell.
    await eventually(
      async () => {
        await m.reload();
        return (await bellCount(m)) === 1;
      },
      15_000,
      'Maria’s bell',
    );
    const texts = await m.locator('[data-testid=comment-text]').allInnerTexts();
    assert.equal(texts.length, 2);
    assert.match(texts[0], /^Done, @maria@example\.com/, 'newest first');
    assert.equal(
      await m
        .locator('[data-testid=watchers] li')
        .allInnerTexts()
        .then((l) => l.join(', ')),
      'Anna Approver, Maria Manager',
    );
    await m.locator('#history').scrollIntoViewIfNeeded();
    await screenshot(m, 'comments-timeline');
    const kinds = await app.ctx.db.rows<{ kind: string; user_id: number }>(
      `select kind, user_id::int from notifications where card_id = $1 order by id`,
      [card.id],
    );
    assert.deepEqual(
      kinds.map((k) => k.kind),
      ['card.mentioned', 'card.mentioned'],
      'each heard once, as mentioned (not also as a watcher)',
    );
    assert.deepEqual(
      problems.filter((p) => !/status of 400/.test(p)),
      [],
    );
  });
});
