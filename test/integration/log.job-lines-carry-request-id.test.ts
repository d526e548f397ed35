// A job's log lines carry the id of the request that enqueued it, on both
// transports: an HTTP request (with the X-Request-Id nginx would send)
// enqueues two jobs; every line the worker writes for them — the handler's
// own, through job.log and through the process logger, and the consumer
// wrapper's retry line — has that reqId. A job enqueued outside a request
// has none (so the id is not just "the last one seen").
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createContext } from '#app/context';
import { JOBS } from '#app/jobs/index';
import { TEST_JOBS } from '#test/support/test-jobs';
import { createLogger } from '#app/log';
import { startWorkers } from '#app/worker/start';
import { serveContext } from '#test/support/admin';
import { testSettings } from '#test/support/app';
import { onCleanup } from '#test/support/cleanup';
import { testDatabase } from '#test/support/db';
import { FAST_JOBS, testHandlers } from '#test/support/jobs';
import { eventually, testTransport, transportAvailable, TRANSPORTS } from '#test/support/queue';

const REQUEST_ID = 'trace-job-000123';

for (const kind of TRANSPORTS) {
  describe(`job log lines on ${kind}`, () => {
    it('carry the X-Request-Id of the request that enqueued the job', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const lines: Record<string, unknown>[] = [];
      const sink = new Writable({
        write(chunk, _enc, done) {
          for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
          done();
        },
      });
      const db = await testDatabase();
      const settings = testSettings({ DATABASE_URL: db.url, LOG_LEVEL: 'info' }, { jobs: FAST_JOBS });
      const log = createLogger(settings, 'orbis', sink);
      const transport = await testTransport(kind);
      const ctx = await createContext(settings, { log, transport, jobs: [...JOBS, ...TEST_JOBS] });
      onCleanup(() => ctx.close());
      await ctx.db.exec('create table test_attempts (n integer not null, attempt integer not null)');
      await ctx.db.exec('create table test_effects (n integer primary key, runs integer not null default 1)');
      const effect = testHandlers(ctx)['test.effect']!;
      const runner = await startWorkers(ctx, {
        handlers: {
          ...testHandlers(ctx),
          'test.effect': async (payload, job) => {
            job.log.info({ n: payload.n }, 'handler working (job.log)');
            ctx.log.info({ n: payload.n }, 'handler working (process logger)');
            return effect(payload, job);
          },
        },
      });
      onCleanup(() => runner.stop(2000));
      const site = await serveContext(ctx, {
        extend: (app) =>
          app.get('/__enqueue', async (_req, res) => {
            const a = await ctx.services.jobs.enqueue('test.effect', { n: 1 });
            const b = await ctx.services.jobs.enqueue('test.flaky', { n: 2, succeedOn: 2 });
            res.json({ ids: [a.id, b.id] });
          }),
      });

      const res = await fetch(`${site.url}/__enqueue`, { headers: { 'x-request-id': REQUEST_ID } });
      assert.equal(res.status, 200);
      const { ids } = (await res.json()) as { ids: number[] };
      const outside = (await ctx.services.jobs.enqueue('test.effect', { n: 3 })).id;
      await eventually(
        async () => {
          const rows = await ctx.db.rows<{ state: string }>('select state from jobs where id = any($1::bigint[])', [[...ids, outside]]);
          return rows.length === 3 && rows.every((r) => r.state === 'done');
        },
        15_000,
        'the three jobs done',
      );

      const [rowA, rowB] = await ctx.db.rows<{ request_id: string | null }>(
        'select request_id from jobs where id = any($1::bigint[]) order by id',
        [ids],
      );
      assert.deepEqual([rowA.request_id, rowB.request_id], [REQUEST_ID, REQUEST_ID]);
      // Every line written while a job runs names it (jobId from the log context).
      const of = (id: number) => lines.filter((l) => String(l.jobId) === String(id));
      const effectLines = of(ids[0]);
      assert.deepEqual(effectLines.map((l) => l.msg).sort(), ['handler working (job.log)', 'handler working (process logger)']);
      for (const l of effectLines) assert.equal(l.reqId, REQUEST_ID, `${l.msg} carries the request id`);
      const flakyLines = of(ids[1]);
      assert.deepEqual(
        flakyLines.map((l) => l.msg),
        ['job attempt failed; retrying'],
        'the wrapper logs the failed first attempt',
      );
      assert.equal(flakyLines[0].reqId, REQUEST_ID);
      assert.equal(flakyLines[0].kind, 'test.flaky');
      const outsideLines = of(outside);
      assert.equal(outsideLines.length, 2);
      for (const l of outsideLines) assert.equal(l.reqId, undefined, `${l.msg} has no request id: no request enqueued it`);
    });
  });
}
