// Outgoing webhooks against a real receiver (an HTTP server on 127.0.0.1),
// through the job engine (webhooks.deliver jobs on the `webhooks` queue):
// the signature verifies with the secret shown once; a 500 is retried and
// the retry succeeds; a private address is refused when the setting does not
// allow it (resolved by name too); redeliver from /admin/webhooks/:id (with
// CSRF) sends the same event again; only superusers reach /admin/webhooks.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import type { SessionUser } from '#app/services/users';
import { isPrivateAddress } from '#app/services/webhook-request';
import type { Delivery } from '#app/services/webhooks';
import { startWorkers } from '#app/worker/start';
import { testContext } from '#test/support/app';
import { serveContext, signedIn } from '#test/support/admin';
import { makePurchase, purchaseInput, sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { FAST_JOBS } from '#test/support/jobs';
import { eventually } from '#test/support/queue';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A receiver on 127.0.0.1 answering each request with the next status of `answers` (then 200). */
async function receiver(answers: number[] = []) {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = answers.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'thanks' : `oops ${'x'.repeat(5000)}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onCleanup(() => new Promise<void>((r) => server.close(() => r())));
  return { got, port: (server.address() as AddressInfo).port };
}

async function world(allow: string) {
  const { ctx } = await testContext({}, { jobs: FAST_JOBS, webhooks: { allowAddresses: allow, timeoutSeconds: 5, maxResponseKb: 1 } });
  const runner = await startWorkers(ctx, { queues: ['webhooks'] });
  onCleanup(() => runner.stop(2000));
  const admin = await sessionUserFor(ctx, 'root@example.com', { superuser: true, name: 'Root' });
  const maria = await sessionUserFor(ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria' });
  return { ctx, admin, maria };
}

async function deliveries(ctx: AppContext, webhookId: number): Promise<Delivery[]> {
  return ctx.services.webhooks.deliveries(webhookId);
}

async function settled(ctx: AppContext, webhookId: number, state: string, n = 1): Promise<Delivery[]> {
  return eventually(
    async () => {
      const ds = await deliveries(ctx, webhookId);
      return ds.filter((d) => d.state === state).length >= n && ds;
    },
    15_000,
    `${n} ${state} deliveries`,
  );
}

function verify(secret: string, r: Received): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(r.headers['orbis-signature']));
  if (!m) return false;
  const expected = crypto.createHmac('sha256', secret).update(`${m[1]}.${r.body}`).digest();
  return crypto.timingSafeEqual(expected, Buffer.from(m[2], 'hex')) && Math.abs(Date.now() / 1000 - Number(m[1])) < 300;
}

async function subscribe(
  ctx: AppContext,
  admin: SessionUser,
  url: string,
  events = ['card.created', 'card.transitioned', 'comment.created'],
) {
  return ctx.services.webhooks.create({ url, card_type: 'purchase_request', events }, admin);
}

describe('webhooks', () => {
  it('posts a signed card.created the receiver can verify with the secret shown once', async () => {
    const { ctx, admin, maria } = await world('127.0.0.1');
    const r = await receiver();
    const hook = await subscribe(ctx, admin, `http://127.0.0.1:${r.port}/hook`);
    const card = await makePurchase(ctx, maria);
    const [d] = await settled(ctx, hook.id, 'delivered');
    assert.equal(r.got.length, 1);
    assert.ok(verify(hook.secret, r.got[0]), 'the signature verifies');
    assert.ok(!verify(`${hook.secret}x`, r.got[0]), 'not with another secret');
    assert.ok(!verify(hook.secret, { ...r.got[0], body: r.got[0].body.replace('Laptops', 'Laptopz') }), 'not for another body');
    const body = JSON.parse(r.got[0].body) as { event: string; time: string; card: { id: number; number: string; type: string } };
    assert.equal(body.event, 'card.created');
    assert.ok(!Number.isNaN(Date.parse(body.time)));
    assert.deepEqual([body.card.id, body.card.number, body.card.type], [Number(card.id), card.number, 'purchase_request']);
    assert.equal(r.got[0].headers['orbis-event'], 'card.created');
    assert.deepEqual([d.attempts, d.response_status, d.response_body], [1, 200, 'thanks']);
    // The secret is kept sealed, never in the clear.
    const [row] = await ctx.db.rows<{ secret_sealed: string }>('select secret_sealed from webhooks where id = $1', [hook.id]);
    assert.ok(!row.secret_sealed.includes(hook.secret));
    // A comment is an event too; an update the webhook did not ask for is not sent.
    await ctx.services.cards.update(maria, 'purchase_request', card.id, purchaseInput({ quantity: '3', version: String(card.version) }));
    await ctx.services.comments.add(maria, 'purchase_request', card.id, 'Ordered today');
    const ds = await settled(ctx, hook.id, 'delivered', 2);
    assert.deepEqual(
      ds.map((x) => x.event),
      ['comment.created', 'card.created'],
    );
  });

  it('keeps saving cards when another process removed or disabled a webhook this one still lists', async () => {
    const { ctx, admin, maria } = await world('127.0.0.1');
    const r = await receiver();
    const gone = await subscribe(ctx, admin, `http://127.0.0.1:${r.port}/gone`);
    const off = await subscribe(ctx, admin, `http://127.0.0.1:${r.port}/off`);
    await makePurchase(ctx, maria); // this process now lists both
    await settled(ctx, off.id, 'delivered');
    // As another web process would: straight in the database, this process's list not told.
    await ctx.db.exec('delete from webhooks where id = $1', [gone.id]);
    await ctx.db.exec('update webhooks set enabled = false where id = $1', [off.id]);
    const card = await makePurchase(ctx, maria);
    assert.ok(card.id, 'the save went through');
    assert.equal((await deliveries(ctx, off.id)).length, 1, 'nothing more for the disabled one');
    assert.equal((await deliveries(ctx, gone.id)).length, 0);
  });

  it('retries after a 500 and then delivers, keeping each answer', async () => {
    const { ctx, admin, maria } = await world('127.0.0.1');
    const r = await receiver([500]);
    const hook = await subscribe(ctx, admin, `http://127.0.0.1:${r.port}/hook`);
    await makePurchase(ctx, maria);
    const [first] = await settled(ctx, hook.id, 'retrying');
    assert.equal(first.response_status, 500);
    assert.ok(first.response_body!.length <= 1024, 'the answer read at most maxResponseKb');
    // The delivery records its answer before the engine puts the job back with its retry time: wait for the engine.
    const job = await eventually(async () => {
      const [row] = await ctx.db.rows<{ max_attempts: number; run_after: Date }>(
        `select max_attempts, run_after from jobs where id = $1 and state = 'queued' and attempts = 1`,
        [first.job_id],
      );
      return row;
    });
    assert.equal(job.max_attempts, 38);
    assert.ok(job.run_after.getTime() - Date.now() > 20_000, 'the retry waits (the kind backs off from a minute)');
    // The test brings the retry forward rather than waiting for it.
    await ctx.db.exec('update jobs set run_after = now() where id = $1', [first.job_id]);
    const [d] = await settled(ctx, hook.id, 'delivered');
    assert.deepEqual([d.attempts, d.response_status], [2, 200]);
    assert.equal(r.got.length, 2);
    assert.equal(r.got[0].body, r.got[1].body, 'the same event both times');
  });

  it('refuses a private address unless the setting allows it, also when a name resolves to one', async () => {
    const { ctx, admin, maria } = await world('');
    const r = await receiver();
    const byAddress = await subscribe(ctx, admin, `http://127.0.0.1:${r.port}/hook`);
    const byName = await subscribe(ctx, admin, `http://localhost:${r.port}/hook`);
    await makePurchase(ctx, maria);
    for (const hook of [byAddress, byName]) {
      const [d] = await settled(ctx, hook.id, 'failed');
      assert.match(d.error!, /private address/);
      assert.equal(d.attempts, 1, 'not retried');
    }
    assert.equal(r.got.length, 0, 'nothing reached the receiver');
    for (const a of [
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.169.254',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
    ])
      assert.ok(isPrivateAddress(a), a);
    for (const a of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']) assert.ok(!isPrivateAddress(a), a);
  });

  it('redelivers from the webhook page (with CSRF); only superusers see /admin/webhooks', async () => {
    const { ctx, admin, maria } = await world('127.0.0.1');
    const r = await receiver();
    const hook = await subscribe(ctx, admin, `http://127.0.0.1:${r.port}/hook`);
    await makePurchase(ctx, maria);
    const [d] = await settled(ctx, hook.id, 'delivered');
    const { url } = await serveContext(ctx);
    const root = await signedIn(ctx, url, 'boss@example.com');
    const page = await root.get(`/admin/webhooks/${hook.id}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /card\.created/);
    const path = `/admin/webhooks/${hook.id}/deliveries/${d.id}/redeliver`;
    assert.equal((await root.post(path, {}, { csrf: false })).status, 403, 'no CSRF token, refused');
    const res = await root.post(path, {}, { from: `/admin/webhooks/${hook.id}` });
    assert.equal(res.status, 303);
    await settled(ctx, hook.id, 'delivered', 2);
    assert.equal(r.got.length, 2);
    assert.equal(r.got[1].body, r.got[0].body);
    assert.ok(r.got[1].headers['orbis-delivery'] !== r.got[0].headers['orbis-delivery']);

    const manager = await signedIn(ctx, url, 'anna@example.com', { superuser: false, roles: ['manager'] });
    for (const p of ['/admin/webhooks', `/admin/webhooks/${hook.id}`]) assert.equal((await manager.get(p)).status, 403, p);
    const refused = await manager.post(
      '/admin/webhooks',
      { url: 'https://example.com/x', events: 'card.created' },
      { from: '/cards/purchase_request' },
    );
    assert.equal(refused.status, 403);
    assert.equal((await ctx.services.webhooks.list()).length, 1);
    // Bad input keeps what was typed and names the fields.
    const bad = await root.post('/admin/webhooks', { url: 'ftp://x', card_type: 'nope' }, { from: '/admin/webhooks' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /data-field-error="url"/);
    assert.match(bad.text, /data-field-error="events"/);
    assert.match(bad.text, /value="ftp:\/\/x"/);
  });
});
