// /admin/jobs as an administrator uses it, on both transports: the list
// (newest first, filters, counts per state, pages — all in the URL), one
// job in full (payload escaped, request id, dependencies), retry and cancel
// through the forms (the database changes, the retried job runs, the
// dependants of a cancelled job fail), refused transitions (400, nothing
// changed), non-administrators kept out, and the JSON the page polls.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PermanentJobError } from '#app/queue/kind';
import { PAGE_SIZE } from '#app/services/jobs-admin';
import { serveContext, signedIn } from '#test/support/admin';
import { jobsHarness, testHandlers } from '#test/support/jobs';
import { eventually, transportAvailable, TRANSPORTS } from '#test/support/queue';

interface Row {
  id: number;
  state: string;
  attempts: number;
  error: string | null;
  updated_at: Date;
  finished_at: Date | null;
}

/** The job ids of the list's rows, top to bottom. */
function listedIds(html: string): number[] {
  return [...html.matchAll(/<tr data-job-id="(\d+)">/g)].map((m) => Number(m[1]));
}

function countOf(html: string, state: string): number {
  const m = new RegExp(`data-state-count="${state}">[^<]*<span[^>]*data-count>(\\d+)<`).exec(html);
  assert.ok(m, `a count for ${state}`);
  return Number(m[1]);
}

const later = () => new Date(Date.now() + 3600_000);

for (const kind of TRANSPORTS) {
  describe(`/admin/jobs on ${kind}`, () => {
    it('lists jobs newest first with counts per state, filters and pages in the URL', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const h = await jobsHarness(kind);
      const { ctx } = h;
      const site = await serveContext(ctx);
      const admin = await signedIn(ctx, site.url, 'root@example.com');
      // Due in an hour: nothing runs them, they keep the state given here.
      const ids: number[] = [];
      for (let i = 0; i < PAGE_SIZE + 7; i++)
        ids.push((await ctx.services.jobs.enqueue('test.effect', { n: i }, { runAfter: later() })).id);
      const flaky = (await ctx.services.jobs.enqueue('test.flaky', { n: 1, succeedOn: 0 }, { runAfter: later() })).id;
      await ctx.db.exec(`update jobs set state = 'failed', error = repeat('x', 300) || ' the end' where id = any($1::bigint[])`, [
        [ids[0], ids[1], flaky],
      ]);
      await ctx.db.exec(`update jobs set state = 'done' where id = any($1::bigint[])`, [[ids[2], ids[3], ids[4]]]);
      await ctx.db.exec(`update jobs set state = 'running', progress_current = 3, progress_total = 4 where id = $1`, [ids.at(-5)]);
      // Newest first even when ids and creation times disagree.
      await ctx.db.exec(`update jobs set created_at = now() + interval '1 minute' where id = $1`, [ids[10]]);

      const all = await admin.get('/admin/jobs');
      assert.equal(all.status, 200);
      assert.equal(countOf(all.text, 'failed'), 3);
      assert.equal(countOf(all.text, 'done'), 3);
      assert.equal(countOf(all.text, 'running'), 1);
      assert.equal(countOf(all.text, 'queued'), PAGE_SIZE + 8 - 7);
      assert.equal(countOf(all.text, 'cancelled'), 0);
      const first = listedIds(all.text);
      assert.equal(first.length, PAGE_SIZE);
      assert.equal(first[0], ids[10]);
      assert.equal(first[1], flaky);
      assert.deepEqual(first.slice(2, 6), [ids.at(-1), ids.at(-2), ids.at(-3), ids.at(-4)]);
      assert.match(all.text, /<progress max="100" value="75"/, 'the running job shows 3/4 as 75 %');
      assert.match(all.text, />3\/4</);
      assert.match(all.text, /x{160}… <a href="\/admin\/jobs\/\d+">more<\/a>/, 'a long error is cut in the list');
      assert.doesNotMatch(all.text, /the end/);
      assert.match(all.text, /href="\/admin\/jobs\?page=2">Next</);

      const second = await admin.get('/admin/jobs?page=2');
      assert.equal(listedIds(second.text).length, 8);
      assert.equal(new Set([...first, ...listedIds(second.text)]).size, PAGE_SIZE + 8, 'the pages together show every job once');

      const failed = await admin.get('/admin/jobs?state=failed');
      assert.deepEqual(listedIds(failed.text), [flaky, ids[1], ids[0]]);
      assert.match(failed.text, /<option value="failed" selected>/);
      const failedEffects = await admin.get('/admin/jobs?state=failed&kind=test.effect');
      assert.deepEqual(listedIds(failedEffects.text), [ids[1], ids[0]]);
      // The counts follow the kind filter (not the state filter).
      assert.equal(countOf(failedEffects.text, 'failed'), 2);
      assert.equal(countOf(failedEffects.text, 'done'), 3);
      assert.match(failedEffects.text, /href="\/admin\/jobs\?state=done&amp;kind=test.effect"/, 'a state tab keeps the kind filter');
      assert.deepEqual(listedIds((await admin.get('/admin/jobs?kind=test.flaky')).text), [flaky]);

      const wrong = await admin.get('/admin/jobs?state=exploded');
      assert.equal(wrong.status, 400);
      assert.match(wrong.text, /unknown job state &quot;exploded&quot;: expected one of waiting, queued, running, done, failed, cancelled/);
      assert.equal((await admin.get('/admin/jobs?page=zero')).status, 400);
    });

    it('shows one job in full: payload escaped, error, request id and dependencies', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const h = await jobsHarness(kind);
      const { ctx } = h;
      const site = await serveContext(ctx);
      const admin = await signedIn(ctx, site.url, 'root@example.com');
      const parent = (await ctx.services.jobs.enqueue('test.effect', { n: 1 }, { runAfter: later() })).id;
      const payload = { n: 2, note: '<script>alert("x")</script>' } as unknown as { n: number };
      const child = (await ctx.services.jobs.enqueue('test.effect', payload, { dependsOn: [parent] })).id;
      await ctx.db.exec(`update jobs set request_id = 'req-abc-123456', error = $2 where id = $1`, [
        child,
        `${'e'.repeat(300)} tail of the error`,
      ]);

      const page = await admin.get(`/admin/jobs/${child}`);
      assert.equal(page.status, 200);
      assert.ok(
        page.text.includes('&quot;note&quot;: &quot;&lt;script&gt;alert(&#92;&quot;x&#92;&quot;)&lt;/script&gt;&quot;'),
        'the payload is escaped',
      );
      assert.doesNotMatch(page.text, /<script>alert/);
      assert.ok(page.text.includes('{\n  &quot;n&quot;: 2,\n  &quot;note&quot;'), 'pretty JSON');
      assert.match(page.text, /tail of the error/, 'the whole error');
      assert.match(page.text, /data-testid="request-id">req-abc-123456</);
      assert.match(page.text, new RegExp(`data-testid="depends-on">\\s*<li><a href="/admin/jobs/${parent}">#${parent}</a>`));
      assert.match(
        (await admin.get(`/admin/jobs/${parent}`)).text,
        new RegExp(`data-testid="dependants">\\s*<li><a href="/admin/jobs/${child}">#${child}</a>`),
      );
      assert.equal((await admin.get('/admin/jobs/999999')).status, 404);
      assert.equal((await admin.get('/admin/jobs/abc')).status, 400);
    });

    it('retries a failed job: queued again with attempts reset, it runs, and so do the dependants it took down', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const h = await jobsHarness(kind);
      const { ctx } = h;
      let supplierDown = true;
      const effect = testHandlers(ctx)['test.effect']!;
      await h.start({
        handlers: {
          'test.effect': async (payload, job) => {
            if (supplierDown && payload.n === 1) throw new PermanentJobError('the supplier API is down');
            return effect(payload, job);
          },
        },
      });
      const site = await serveContext(ctx);
      const admin = await signedIn(ctx, site.url, 'root@example.com');
      const parent = (await ctx.services.jobs.enqueue('test.effect', { n: 1 })).id;
      const child = (await ctx.services.jobs.enqueue('test.effect', { n: 2 }, { dependsOn: [parent] })).id;
      const grandchild = (await ctx.services.jobs.enqueue('test.effect', { n: 3 }, { dependsOn: [child] })).id;
      await eventually(async () => (await ctx.jobStore.get(grandchild))?.state === 'failed', 10_000, 'the chain failed');
      assert.equal((await ctx.jobStore.get(parent))?.error, 'the supplier API is down');
      assert.equal((await ctx.jobStore.get(child))?.error, `dependency #${parent} failed`);

      // A dependant cannot be retried while what it depends on is failed.
      const early = await admin.post(`/admin/jobs/${child}/retry`, {}, { from: `/admin/jobs/${child}` });
      assert.equal(early.status, 400);
      assert.match(early.text, new RegExp(`depends on job #${parent}, which is failed: retry that one first`));
      assert.equal((await ctx.jobStore.get(child))?.state, 'failed');

      supplierDown = false;
      const res = await admin.post(
        `/admin/jobs/${parent}/retry`,
        { back: '/admin/jobs?state=failed' },
        { from: '/admin/jobs?state=failed' },
      );
      assert.equal(res.status, 303);
      assert.equal(res.location, '/admin/jobs?state=failed');
      await eventually(async () => (await ctx.jobStore.get(grandchild))?.state === 'done', 10_000, 'the retried chain done');
      const rows = await ctx.db.rows<Row>('select id, state, attempts, error from jobs where id = any($1::bigint[]) order by id', [
        [parent, child, grandchild],
      ]);
      assert.deepEqual(
        rows.map((r) => [r.state, r.attempts, r.error]),
        [
          ['done', 1, null],
          ['done', 1, null],
          ['done', 1, null],
        ],
      );
      assert.deepEqual(await h.effects(), [
        { n: 1, runs: 1 },
        { n: 2, runs: 1 },
        { n: 3, runs: 1 },
      ]);
      const flashed = await admin.get('/admin/jobs?state=failed');
      assert.match(flashed.text, new RegExp(`Job #${parent} is queued again.`));
    });

    it('cancels a queued job; its dependants fail with the cause, and a delivered message does not run it', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const h = await jobsHarness(kind);
      const { ctx } = h;
      await h.start();
      const site = await serveContext(ctx);
      const admin = await signedIn(ctx, site.url, 'root@example.com');
      const parent = (await ctx.services.jobs.enqueue('test.effect', { n: 1 }, { runAfter: later() })).id;
      const child = (await ctx.services.jobs.enqueue('test.effect', { n: 2 }, { dependsOn: [parent] })).id;
      const grandchild = (await ctx.services.jobs.enqueue('test.effect', { n: 3 }, { dependsOn: [child] })).id;
      assert.equal((await ctx.jobStore.get(parent))?.state, 'queued');

      const res = await admin.post(`/admin/jobs/${parent}/cancel`, {}, { from: `/admin/jobs/${parent}` });
      assert.equal(res.status, 303);
      assert.equal(res.location, `/admin/jobs/${parent}`);
      const rows = await ctx.db.rows<Row>('select id, state, error from jobs where id = any($1::bigint[]) order by id', [
        [parent, child, grandchild],
      ]);
      assert.deepEqual(
        rows.map((r) => [r.state, r.error]),
        [
          ['cancelled', `cancelled by an administrator (user #${(await ctx.services.users.findByEmail('root@example.com'))!.id})`],
          ['failed', `dependency #${parent} failed`],
          ['failed', `dependency #${child} failed`],
        ],
      );
      assert.match((await admin.get(`/admin/jobs/${parent}`)).text, /2 jobs depending on it failed/);

      // Due now and delivered anyway: the worker finds nothing to claim.
      await ctx.db.exec('update jobs set run_after = now() where id = $1', [parent]);
      await ctx.publisher.publishNow('default', [parent]);
      const marker = (await ctx.services.jobs.enqueue('test.effect', { n: 99 })).id;
      await eventually(async () => (await ctx.jobStore.get(marker))?.state === 'done', 10_000, 'a later job done');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await ctx.jobStore.get(parent))?.state, 'cancelled');
      assert.deepEqual(await h.effects(), [{ n: 99, runs: 1 }]);
    });

    it('refuses transitions the state does not allow: 400 with the reason, nothing changed', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const h = await jobsHarness(kind);
      const { ctx } = h;
      const runner = await h.start();
      const site = await serveContext(ctx);
      const admin = await signedIn(ctx, site.url, 'root@example.com');
      const done = (await ctx.services.jobs.enqueue('test.effect', { n: 1 })).id;
      await eventually(async () => (await ctx.jobStore.get(done))?.state === 'done', 10_000, 'job done');
      await runner.stop(2000);
      const queued = (await ctx.services.jobs.enqueue('test.effect', { n: 2 })).id;
      const snapshot = async () => ctx.db.rows<Row>('select id, state, attempts, error, updated_at, finished_at from jobs order by id');
      const before = await snapshot();

      const cancelDone = await admin.post(`/admin/jobs/${done}/cancel`, {}, { from: `/admin/jobs/${done}` });
      assert.equal(cancelDone.status, 400);
      assert.match(cancelDone.text, new RegExp(`Job #${done} is done: only a waiting or queued job can be cancelled.`));
      const retryDone = await admin.post(`/admin/jobs/${done}/retry`, {}, { from: `/admin/jobs/${done}` });
      assert.equal(retryDone.status, 400);
      assert.match(retryDone.text, new RegExp(`Job #${done} is done: only a failed or cancelled job can be retried.`));
      const retryQueued = await admin.post(`/admin/jobs/${queued}/retry`, {}, { from: `/admin/jobs/${queued}` });
      assert.equal(retryQueued.status, 400);
      assert.equal((await admin.post('/admin/jobs/424242/cancel', {}, { from: '/admin/jobs' })).status, 404);
      assert.deepEqual(await snapshot(), before);
      // Without the CSRF token: refused before anything is looked at.
      assert.equal((await admin.post(`/admin/jobs/${queued}/cancel`, {}, { csrf: false })).status, 403);
      assert.deepEqual(await snapshot(), before);
    });

    it('keeps non-administrators out of every admin job route', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const h = await jobsHarness(kind);
      const { ctx } = h;
      const site = await serveContext(ctx);
      const operator = await signedIn(ctx, site.url, 'olga@example.com', { superuser: false, roles: ['operator'] });
      const id = (await ctx.services.jobs.enqueue('test.effect', { n: 1 }, { runAfter: later() })).id;
      for (const path of ['/admin/jobs', `/admin/jobs/${id}`, `/admin/jobs.json?ids=${id}`, '/admin/system']) {
        assert.equal((await operator.get(path)).status, 403, path);
      }
      assert.equal((await operator.post(`/admin/jobs/${id}/cancel`, {}, { from: '/' })).status, 403);
      assert.equal((await ctx.jobStore.get(id))?.state, 'queued');
      const anonymous = site.client();
      const res = await anonymous.get('/admin/jobs');
      assert.equal(res.status, 303);
      assert.equal(res.location, '/login');
      assert.equal((await anonymous.get('/admin/jobs.json?ids=1', { accept: 'application/json' })).status, 401);
    });

    it('answers the live poll with state and progress of the jobs asked for', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const h = await jobsHarness(kind);
      const { ctx } = h;
      await h.start();
      const site = await serveContext(ctx);
      const admin = await signedIn(ctx, site.url, 'root@example.com');
      const id = (await ctx.services.jobs.enqueue('test.progress', { steps: 5, stepMs: 150 })).id;
      const other = (await ctx.services.jobs.enqueue('test.effect', { n: 1 }, { runAfter: later() })).id;
      const poll = async () => {
        const res = await admin.get(`/admin/jobs.json?ids=${id},${other}`, { accept: 'application/json' });
        assert.equal(res.status, 200);
        return JSON.parse(res.text) as { jobs: Array<Record<string, unknown>>; counts: Record<string, number> };
      };
      const midway = await eventually(
        async () => {
          const body = await poll();
          const job = body.jobs.find((j) => j.id === id)!;
          return job.state === 'running' && (job.current as number) >= 2 && (job.current as number) < 5 ? body : null;
        },
        10_000,
        'the job half way',
      );
      const job = midway.jobs.find((j) => j.id === id)!;
      assert.equal(job.total, 5);
      assert.equal(job.percent, Math.round(((job.current as number) / 5) * 100));
      assert.equal(job.final, false);
      assert.equal(midway.counts.running, 1);
      assert.deepEqual(
        midway.jobs.find((j) => j.id === other),
        {
          id: other,
          state: 'queued',
          attempts: 0,
          maxAttempts: 5,
          current: null,
          total: null,
          percent: null,
          label: '–',
          started: '',
          finished: '',
          error: null,
          final: false,
        },
      );
      const end = await eventually(
        async () => {
          const body = await poll();
          return body.jobs.find((j) => j.id === id)!.state === 'done' ? body : null;
        },
        10_000,
        'the job done',
      );
      assert.deepEqual((({ current, total, percent, final }) => ({ current, total, percent, final }))(end.jobs.find((j) => j.id === id)!), {
        current: 5,
        total: 5,
        percent: 100,
        final: true,
      });
      assert.match(String(end.jobs.find((j) => j.id === id)!.finished), /^\d{2} \w{3} \d{4}, \d{2}:\d{2}$/);
      assert.equal((await admin.get('/admin/jobs.json?ids=1,x', { accept: 'application/json' })).status, 400);
    });
  });
}
