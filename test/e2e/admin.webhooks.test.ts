// /admin/webhooks in a real browser: make a webhook (its secret shown once),
// a card is created, the delivery shows on the webhook's page with its
// request and answer, and "Redeliver" sends it again. The receiver is an HTTP
// server on 127.0.0.1 (allowed by the setting webhooks.allowAddresses).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { startWorkers } from '#app/worker/start';
import { makeUser, startTestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { FAST_JOBS } from '#test/support/jobs';

describe('webhooks page in a real browser', () => {
  it('creates a webhook and sees its delivery, then redelivers it', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    let received = 0;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received += 1;
        res.writeHead(200, { 'content-type': 'text/plain' }).end('got it');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    onCleanup(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as AddressInfo).port;

    const app = await startTestApp({}, { jobs: FAST_JOBS, webhooks: { allowAddresses: '127.0.0.1' } });
    const runner = await startWorkers(app.ctx, { queues: ['webhooks'] });
    onCleanup(() => runner.stop(2000));
    await makeUser(app.ctx, 'ada@example.com', { name: 'Ada Lovelace', superuser: true });
    const page = await newPage(browser, app.url);
    await signIn(page, 'ada@example.com', 'correct horse battery');

    await page.goto('/admin/webhooks');
    const eventLabel = async (event: string) => {
      const id = await page.locator(`input[name=events][value="${event}"]`).getAttribute('id');
      return page.locator(`label[for="${id}"]`).innerText();
    };
    assert.match(await eventLabel('task.overdue'), /^Task overdue/);
    assert.match(await eventLabel('attachment.processed'), /^Attachment processed/);
    await page.fill('input[name=url]', 'gopher://nowhere');
    await page.click('[data-testid=create-webhook]');
    assert.equal(await page.locator('[data-field-error=events]').count(), 1, 'events are required');
    assert.equal(await page.inputValue('input[name=url]'), 'gopher://nowhere', 'the input is kept');
    await page.fill('input[name=url]', `http://127.0.0.1:${port}/orbis`);
    await page.check('input[name=events][value="card.created"]');
    await page.selectOption('select[name=card_type]', 'purchase_request');
    await page.click('[data-testid=create-webhook]');
    assert.match(await page.inputValue('[data-testid=webhook-secret]'), /^whsec_/);
    await screenshot(page, 'admin-webhooks-created');

    const maria = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'] });
    const card = await makePurchase(app.ctx, maria);
    await page.goto('/admin/webhooks');
    assert.equal(await page.locator('[data-testid=webhook-secret]').count(), 0, 'the secret is shown only once');
    await page.click('[data-testid=webhooks] a[href^="/admin/webhooks/"]');
    for (let i = 0; i < 100 && (await page.locator('[data-state=delivered]').count()) === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await page.reload();
    }
    assert.equal(await page.locator('[data-state=delivered]').count(), 1);
    assert.match(await page.locator('[data-testid=delivery-request]').first().innerText(), new RegExp(card.number));
    assert.equal(await page.locator('[data-testid=delivery-status]').first().innerText(), '200');
    await screenshot(page, 'admin-webhook-deliveries');
    await page.click('[data-testid=redeliver]');
    await page.waitForSelector('[data-delivery]:nth-of-type(2)', { state: 'attached' }).catch(() => undefined);
    for (let i = 0; i < 100 && received < 2; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(received, 2);

    // In Russian the form offers every event under its Russian name.
    await app.ctx.db.exec(`update users set locale = 'ru' where email = 'ada@example.com'`);
    await page.goto('/admin/webhooks');
    assert.match(await eventLabel('task.overdue'), /^Задача просрочена/);
    assert.match(await eventLabel('attachment.processed'), /^Вложение обработано/);
    await screenshot(page, 'admin-webhooks-events-ru');
  });
});
