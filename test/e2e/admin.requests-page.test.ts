// The request log in a real browser: the admin's own page views reach
// /admin/requests through the running consumer, and the filter form puts
// its values in the URL.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { insertBatch, startRequestLogConsumer } from '#app/worker/request-log-consumer';
import { makeUser, startTestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { onCleanup } from '#test/support/cleanup';
import { eventually } from '#test/support/queue';

describe('/admin/requests in a real browser', () => {
  it('shows the admin’s own requests and filters by status class', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await startTestApp({}, { requestLog: { flushMs: 50 } });
    const consumer = await startRequestLogConsumer(app.ctx);
    onCleanup(() => consumer.stop());
    await makeUser(app.ctx, 'ada@example.com', { name: 'Ada', superuser: true });
    await insertBatch(app.ctx, [
      {
        at: new Date(Date.now() - 60_000).toISOString(),
        method: 'POST',
        path: '/cards/complaint/9/transition',
        status: 500,
        durationMs: 812.4,
        userId: null,
        ip: '203.0.113.9',
        requestId: 'e2e-failed-0001',
        userAgent: 'curl/8.0',
      },
    ]);
    const page = await newPage(browser, app.url);
    await signIn(page, 'ada@example.com', 'correct horse battery');
    await eventually(
      async () => (await app.ctx.db.rows(`select 1 from request_logs where path = '/' and status = 200`)).length,
      10_000,
      'the dashboard view logged',
    );

    await page.click('nav a.dropdown-toggle:text-is("Admin")');
    await page.click('nav a.dropdown-item[href="/admin/requests"]');
    await page.waitForURL((u) => u.pathname === '/admin/requests');
    const dashboardRow = page.locator('[data-testid=request-row]', { has: page.locator('[data-testid=path]', { hasText: /^\/$/ }) });
    assert.ok((await dashboardRow.count()) >= 1, 'the dashboard view is listed');
    assert.match(await dashboardRow.first().innerText(), /ada@example\.com/);
    await screenshot(page, 'admin-requests');

    await page.fill('input[name=status]', '5xx');
    await Promise.all([page.waitForURL((u) => u.searchParams.get('status') === '5xx'), page.click('main button[type=submit]')]);
    const rows = page.locator('[data-testid=request-row]');
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().innerText(), /\/cards\/complaint\/9\/transition/);
    assert.equal(await page.inputValue('input[name=status]'), '5xx', 'the filter stays in the form');
    await screenshot(page, 'admin-requests-5xx');
  });
});
