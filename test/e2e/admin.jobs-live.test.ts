// An administrator watches a job run on /admin/jobs in a real browser: the
// progress bar and the state badge move without a reload (admin-jobs.js
// polling the JSON endpoint, under the page's CSP), then the job page shows
// the result once the job finished.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serveContext, signedIn, PASSWORD } from '#test/support/admin';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { jobsHarness } from '#test/support/jobs';
import { eventually } from '#test/support/queue';

describe('/admin/jobs in a real browser', () => {
  it('shows a running job’s progress and its end without reloading', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const h = await jobsHarness('local');
    const { ctx } = h;
    const site = await serveContext(ctx);
    await signedIn(ctx, site.url, 'root@example.com');
    // One that stays queued (due later) and one that failed: context on the page.
    await ctx.services.jobs.enqueue('test.effect', { n: 1 }, { runAfter: new Date(Date.now() + 3600_000) });
    const failed = (await ctx.services.jobs.enqueue('test.permanent', { n: 2 }, { runAfter: new Date(Date.now() + 3600_000) })).id;
    await ctx.db.exec(`update jobs set state = 'failed', attempts = 1, error = 'job 2 cannot succeed', finished_at = now() where id = $1`, [
      failed,
    ]);
    const id = (await ctx.services.jobs.enqueue('test.progress', { steps: 8, stepMs: 700 })).id;

    const page = await newPage(browser, site.url);
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && !/status of 404/.test(m.text()) && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    // favicon.ico is not served by the app (nginx's business): not a problem of this page.
    page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && problems.push(`${r.status()} ${r.url()}`));
    await signIn(page, 'root@example.com', PASSWORD);
    await page.goto('/admin/jobs');
    const row = page.locator(`tr[data-job-id="${id}"]`);
    assert.equal(await row.locator('[data-job-state]').innerText(), 'queued');
    let navigations = 0;
    page.on('framenavigated', () => navigations++);

    await h.start();
    const midway = await eventually(
      async () => {
        const v = await row.locator('progress').evaluate((el) => (el as HTMLProgressElement).value);
        return v > 0 && v < 100 ? v : null;
      },
      15_000,
      'the bar moving',
    );
    assert.equal(await row.locator('[data-job-state]').innerText(), 'running');
    assert.ok(
      await row.locator('[data-job-state]').evaluate((el) => el.classList.contains('text-bg-primary')),
      'the badge took the running colour',
    );
    assert.match(await row.locator('[data-job-progress-text]').innerText(), /^[1-7]\/8$/);
    assert.equal(await row.locator('form[action$="/cancel"]').isHidden(), true, 'a running job offers no cancel');
    assert.match(await row.locator('[data-job-started]').innerText(), /^\d{2} \w{3} \d{4}, \d{2}:\d{2}$/);
    assert.equal(await page.locator('[data-state-count="running"] [data-count]').innerText(), '1');
    await screenshot(page, 'admin-jobs-live-running');

    await eventually(async () => (await row.locator('[data-job-state]').innerText()) === 'done', 15_000, 'the badge saying done');
    assert.equal(await row.locator('progress').evaluate((el) => (el as HTMLProgressElement).value), 100);
    assert.ok(midway < 100);
    assert.equal(await row.locator('[data-job-progress-text]').innerText(), '8/8');
    assert.match(await row.locator('[data-job-finished]').innerText(), /^\d{2} \w{3} \d{4}, \d{2}:\d{2}$/);
    assert.equal(await page.locator('[data-state-count="done"] [data-count]').innerText(), '1');
    assert.equal(await page.locator('[data-state-count="running"] [data-count]').innerText(), '0');
    assert.equal(navigations, 0, 'no reload happened');
    await screenshot(page, 'admin-jobs-live-done');

    await page.click(`a[href="/admin/jobs/${id}"]`);
    assert.equal(await page.locator('[data-testid=result]').innerText(), '{\n  "steps": 8\n}');
    await screenshot(page, 'admin-job-detail');

    // The engine's page, as a browser shows it: no beat runs in this test.
    await page.click('text=Admin');
    await Promise.all([page.waitForURL('**/admin/system'), page.click('.dropdown-menu >> text=System')]);
    assert.equal(await page.locator('[data-testid=part-beat] .badge').innerText(), 'silent');
    assert.equal(await page.locator('[data-testid=part-broker] .badge').innerText(), 'reachable');
    assert.equal(await page.locator('[data-testid=failed-count]').innerText(), '1');
    await screenshot(page, 'admin-system');
    assert.deepEqual(problems, [], 'no script errors, no CSP violations');
  });
});
