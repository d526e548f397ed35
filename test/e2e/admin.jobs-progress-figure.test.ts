// The figure beside a job's progress bar agrees with the bar: a job that
// counted without a total (it reported 0, then finished) read "0" beside a
// full bar, both on the page and after the live update. Now a finished job
// reads "100%" on the list, on its own page, and when the live script
// updates the row; a job with a total reads "n/n".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serveContext, signedIn, PASSWORD } from '#test/support/admin';
import { launchBrowser, newPage, signIn } from '#test/support/browser';
import { jobsHarness } from '#test/support/jobs';
import { eventually } from '#test/support/queue';

describe('/admin/jobs progress figure', () => {
  it('reads 100% beside the full bar of a finished job that counted without a total', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const h = await jobsHarness('local');
    const { ctx } = h;
    const site = await serveContext(ctx);
    await signedIn(ctx, site.url, 'root@example.com');
    // Finished before the page loads: rendered by the template.
    const earlier = (
      await ctx.services.jobs.enqueue('test.progress', { steps: 1, stepMs: 1 }, { runAfter: new Date(Date.now() + 3600_000) })
    ).id;
    await ctx.db.exec(
      `update jobs set state = 'done', progress_current = 0, progress_total = null, started_at = now(), finished_at = now() where id = $1`,
      [earlier],
    );
    // Finishes while the page is open: updated by admin-jobs.js.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const live = (await ctx.services.jobs.enqueue('test.progress', { steps: 3, stepMs: 1 })).id;
    await h.start({
      handlers: {
        'test.progress': async (_payload, job) => {
          await job.progress(0); // counts items, knows no total
          await gate;
          return { counted: 0 };
        },
      },
    });
    try {
      await eventually(
        async () =>
          (await ctx.db.rows<{ n: number }>(`select progress_current as n from jobs where id = $1 and state = 'running'`, [live]))[0]?.n ===
          0
            ? true
            : null,
        10_000,
        'the job running',
      );

      const page = await newPage(browser, site.url);
      await signIn(page, 'root@example.com', PASSWORD);
      await page.goto('/admin/jobs');
      const done = page.locator(`tr[data-job-id="${earlier}"]`);
      assert.equal(await done.locator('progress').evaluate((el) => (el as HTMLProgressElement).value), 100);
      assert.equal(await done.locator('[data-job-progress-text]').innerText(), '100%');
      const running = page.locator(`tr[data-job-id="${live}"]`);
      assert.equal(await running.locator('[data-job-progress-text]').innerText(), '0', 'a running job shows its count');

      release();
      await eventually(
        async () => ((await running.locator('[data-job-state]').innerText()) === 'done' ? true : null),
        15_000,
        'the live row saying done',
      );
      assert.equal(await running.locator('progress').evaluate((el) => (el as HTMLProgressElement).value), 100);
      assert.equal(await running.locator('[data-job-progress-text]').innerText(), '100%');

      await page.goto(`/admin/jobs/${earlier}`);
      assert.equal(await page.locator('[data-job-progress-text]').innerText(), '100%');
    } finally {
      release(); // a failed assertion must not leave the worker waiting
    }
  });
});
