// The two events that do not come from a card save, against a receiver on
// 127.0.0.1 through the job engine (webhooks.deliver on the `webhooks`
// queue): task.overdue from the deadline sweep — once per task and webhook
// even when two sweeps run at once and a third later, and not again when
// the overdue task goes to another assignee — and attachment.processed from
// the image job, ready or failed — once per file even when the job runs
// again over the same file. A large sweep writes its deliveries in batches.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import { job as imagesProcess } from '#app/jobs/images.process';
import type { JobContext } from '#app/queue/kind';
import type { Delivery } from '#app/services/webhooks';
import { jobDeps, startWorkers } from '#app/worker/start';
import { testContext } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { FAST_JOBS } from '#test/support/jobs';
import { fixture, makeSessionUser, mediaApp, mediaRow, settled as mediaSettled, signedIn, upload } from '#test/support/media';
import { eventually, testTransport } from '#test/support/queue';
import { insertTask } from '#test/support/tasks';

const ALLOW = { allowAddresses: '127.0.0.1', timeoutSeconds: 5, maxResponseKb: 1 };

/** A receiver on 127.0.0.1 that keeps every body it got, by path. */
async function receiver() {
  const got: Array<{ path: string; event: string; body: Record<string, unknown> }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ path: req.url!, event: String(req.headers['orbis-event']), body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onCleanup(() => new Promise<void>((r) => server.close(() => r())));
  return { got, url: (p: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${p}` };
}

/** Every delivery of the webhook has settled `delivered`, and there are `n`. */
async function delivered(ctx: AppContext, webhookId: number, n: number): Promise<Delivery[]> {
  return eventually(
    async () => {
      const ds = await ctx.services.webhooks.deliveries(webhookId);
      return ds.length === n && ds.every((d) => d.state === 'delivered') && ds;
    },
    15_000,
    `${n} delivered deliveries of webhook #${webhookId}`,
  );
}

/** Waits until every webhooks.deliver job is finished, then a little longer for a stray one. */
async function quiet(ctx: AppContext): Promise<void> {
  await eventually(async () => {
    const [{ n }] = await ctx.db.rows<{ n: number }>(
      `select count(*)::int as n from jobs where kind = 'webhooks.deliver' and state not in ('done', 'failed')`,
    );
    return n === 0;
  });
  await new Promise((r) => setTimeout(r, 300));
}

describe('webhooks: task.overdue and attachment.processed', () => {
  it('sends task.overdue once per task and webhook: two sweeps at once, a third later, a reassignment', async () => {
    // Two processes on one database and one broker, each with its own services and list of webhooks.
    const transport = await testTransport('local');
    const { ctx, db } = await testContext({}, { jobs: FAST_JOBS, webhooks: ALLOW }, undefined, { transport });
    const { ctx: other } = await testContext({}, { jobs: FAST_JOBS, webhooks: ALLOW }, db, { transport });
    const runner = await startWorkers(ctx, { queues: ['webhooks'] });
    onCleanup(() => runner.stop(2000));
    const admin = await sessionUserFor(ctx, 'root@example.com', { superuser: true });
    const maria = await sessionUserFor(ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria' });
    const ivan = await sessionUserFor(ctx, 'ivan@example.com', { roles: ['manager'], name: 'Ivan' });
    const r = await receiver();
    const typed = await ctx.services.webhooks.create(
      { url: r.url('/typed'), card_type: 'purchase_request', events: ['task.overdue'] },
      admin,
    );
    const all = await ctx.services.webhooks.create({ url: r.url('/all'), card_type: '', events: ['task.overdue', 'card.created'] }, admin);
    const card = await makePurchase(ctx, maria);
    await delivered(ctx, all.id, 1); // its card.created

    const now = new Date();
    const onCard = await insertTask(ctx, {
      title: 'Order laptops',
      assigneeId: maria.id,
      dueAt: new Date(now.getTime() - 3_600_000),
      cardId: Number(card.id),
    });
    const loose = await insertTask(ctx, { title: 'Call the bank', assigneeId: maria.id, dueAt: new Date(now.getTime() - 60_000) });
    const many: number[] = [];
    for (let i = 0; i < 5; i++)
      many.push(await insertTask(ctx, { title: `Batch ${i}`, assigneeId: ivan.id, dueAt: new Date(now.getTime() - 120_000 - i * 1000) }));
    await insertTask(ctx, { title: 'Not yet', assigneeId: maria.id, dueAt: new Date(now.getTime() + 86_400_000) });

    // Two sweeps at once in two processes, in batches of 2 (several transactions each), then a third.
    const [a, b] = await Promise.all([ctx.services.tasks.sweep(now, 2), other.services.tasks.sweep(now, 2)]);
    assert.equal(a.overdue + b.overdue, 7, 'the two sweeps split the overdue tasks between them');
    assert.equal((await ctx.services.tasks.sweep(now)).overdue, 0);

    const typedDs = await delivered(ctx, typed.id, 1);
    await delivered(ctx, all.id, 1 + 7);
    await quiet(ctx);
    assert.deepEqual(
      typedDs.map((d) => d.event),
      ['task.overdue'],
    );
    const overdueBodies = r.got.filter((g) => g.event === 'task.overdue');
    assert.equal(overdueBodies.length, 8, 'one request per task and webhook, no more');
    const ids = (p: string) =>
      overdueBodies
        .filter((g) => g.path === p)
        .map((g) => (g.body.task as { id: number }).id)
        .sort((x, y) => x - y);
    assert.deepEqual(ids('/typed'), [onCard], 'a webhook of one card type hears of the tasks on its cards');
    assert.deepEqual(
      ids('/all'),
      [onCard, loose, ...many].sort((x, y) => x - y),
    );
    const body = overdueBodies.find((g) => g.path === '/typed')!.body;
    assert.equal(body.event, 'task.overdue');
    assert.ok(!Number.isNaN(Date.parse(String(body.time))));
    assert.deepEqual(body.task, {
      id: onCard,
      title: 'Order laptops',
      status: 'open',
      due_at: new Date(Math.floor((now.getTime() - 3_600_000) / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      assignee: { id: maria.id },
      card: { id: Number(card.id), number: card.number, type: 'purchase_request' },
    });
    assert.equal((overdueBodies.find((g) => (g.body.task as { id: number }).id === loose)!.body.task as { card: unknown }).card, null);

    // Given to Ivan, the task is noticed again (Ivan is told), but it is not newly overdue: no event.
    await ctx.services.tasks.reassign(maria, onCard, String(ivan.id));
    const again = await ctx.services.tasks.sweep(new Date());
    assert.equal(again.overdue, 1, 'the sweep noticed it for the new assignee');
    await quiet(ctx);
    assert.equal((await ctx.services.webhooks.deliveries(typed.id)).length, 1);
    assert.equal((await ctx.services.webhooks.deliveries(all.id)).length, 8);
    assert.equal(r.got.filter((g) => g.event === 'task.overdue').length, 8);
  });

  it('writes the deliveries of a large sweep in transactions of at most 2,000 tasks, one delivery each', async () => {
    const { ctx } = await testContext({}, { webhooks: ALLOW });
    const admin = await sessionUserFor(ctx, 'root@example.com', { superuser: true });
    // No worker: the deliveries stay pending; only how they were written is looked at.
    const hook = await ctx.services.webhooks.create({ url: 'http://127.0.0.1:9/none', card_type: '', events: ['task.overdue'] }, admin);
    await ctx.db.exec(
      `insert into tasks (title, assignee_id, due_at) select 'Task ' || g, $1, now() - interval '1 hour' from generate_series(1, 2500) g`,
      [admin.id],
    );
    assert.equal((await ctx.services.tasks.sweep(new Date())).overdue, 2500);
    const [row] = await ctx.db.rows<{ deliveries: number; tasks: number; transactions: number }>(
      `select count(*)::int as deliveries, count(distinct d.body::jsonb->'task'->>'id')::int as tasks,
              count(distinct j.created_at)::int as transactions
         from webhook_deliveries d join jobs j on j.id = d.job_id where d.webhook_id = $1`,
      [hook.id],
    );
    // jobs.created_at is its transaction's start: one value per transaction.
    assert.deepEqual(row, { deliveries: 2500, tasks: 2500, transactions: 2 });
  });

  it('sends attachment.processed once per file, ready or failed, also when the image job runs again', async () => {
    const app = await mediaApp('local', { overrides: { webhooks: ALLOW }, worker: false });
    const { ctx } = app;
    const runner = await startWorkers(ctx, { queues: ['images', 'webhooks'] });
    onCleanup(() => runner.stop(2000));
    const admin = await sessionUserFor(ctx, 'root@example.com', { superuser: true });
    const olga = await makeSessionUser(ctx, 'olga@example.com', ['operator']);
    const r = await receiver();
    const hook = await ctx.services.webhooks.create(
      { url: r.url('/files'), card_type: 'purchase_request', events: ['attachment.processed'] },
      admin,
    );
    const card = await makePurchase(ctx, olga);
    const c = await signedIn(app, 'olga@example.com');
    const cardPath = `/cards/purchase_request/${card.id}`;
    const good = await upload(c, cardPath, [{ name: 'photo.jpg', data: await fixture('jpeg', 640, 480) }]);
    const whole = await fixture('jpeg', 1200, 900);
    const bad = await upload(c, cardPath, [{ name: 'cut.jpg', data: whole.subarray(0, Math.floor(whole.length / 2)) }]);
    assert.equal(good.status, 201, JSON.stringify(good.body));
    assert.equal(bad.status, 201, JSON.stringify(bad.body));
    const goodId = good.body.media![0].id;
    const badId = bad.body.media![0].id;
    assert.equal((await mediaSettled(ctx, goodId)).state, 'ready');
    assert.equal((await mediaSettled(ctx, badId)).state, 'failed');
    await delivered(ctx, hook.id, 2);
    await quiet(ctx);

    const byId = (id: number) => r.got.filter((g) => (g.body.attachment as { id: number }).id === id);
    assert.equal(byId(goodId).length, 1);
    assert.equal(byId(badId).length, 1);
    const ready = byId(goodId)[0].body;
    assert.equal(ready.event, 'attachment.processed');
    assert.deepEqual(ready.card, { id: Number(card.id), number: card.number, type: 'purchase_request' });
    const row = await mediaRow(ctx, goodId);
    assert.deepEqual(ready.attachment, {
      id: goodId,
      name: 'photo.jpg',
      type: row.type,
      size: Number(row.size),
      field: null,
      state: 'ready',
      width: 640,
      height: 480,
    });
    const failed = byId(badId)[0].body.attachment as { state: string; error: string; width?: number };
    assert.equal(failed.state, 'failed');
    assert.match(failed.error, /cannot be read/, 'the reason is sent');
    assert.equal(failed.width, undefined);

    // The job again over both files, as a redelivered or raced attempt would: the ready file from
    // `processing` (a second attempt that raced the first), the failed file as it is.
    const handler = imagesProcess.handler(jobDeps(ctx));
    const payloadOf = async (id: number) =>
      (
        await ctx.db.rows<{ payload: { mediaId: number; thumbsVersion: number } }>(
          `select payload from jobs where kind = 'images.process' and payload->>'mediaId' = $1`,
          [String(id)],
        )
      )[0].payload;
    const context = (attempt: number): JobContext => ({
      id: 0,
      kind: 'images.process',
      attempt,
      maxAttempts: 4,
      requestId: null,
      log: ctx.log,
      signal: new AbortController().signal,
      progress: async () => undefined,
    });
    await ctx.db.exec(`update media set state = 'processing' where id = $1`, [goodId]);
    await handler(await payloadOf(goodId), context(2));
    assert.equal((await mediaRow(ctx, goodId)).state, 'ready');
    await assert.rejects(handler(await payloadOf(badId), context(1)));
    assert.equal((await mediaRow(ctx, badId)).state, 'failed');
    await quiet(ctx);
    assert.equal((await ctx.services.webhooks.deliveries(hook.id)).length, 2, 'no second delivery for either file');
    assert.equal(r.got.length, 2);
  });
});
