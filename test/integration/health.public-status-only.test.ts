// /healthz tells the public the status only (overall, warnings, ok per part)
// and keeps the details — the beat's host:pid, the broker's URL in its
// error, timings — for a signed-in superuser and for a caller on this
// machine that did not come through the proxy. Behind nginx every request
// arrives from loopback with X-Real-IP / X-Forwarded-For set, so those
// headers make a loopback request public. The status codes stay as they are.
import assert from 'node:assert/strict';
import http from 'node:http';
import os from 'node:os';
import { before, describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import { AmqpTransport } from '#app/queue/transports/amqp';
import { createApp } from '#app/web/app';
import { listen } from '#app/web/server';
import { serveContext, signedIn } from '#test/support/admin';
import { testContext, type TestClient } from '#test/support/app';
import { onCleanup } from '#test/support/cleanup';
import { uniquePrefix } from '#test/support/queue';

type Health = Record<string, unknown> & { status: string; warnings: string[] };

const PARTS = ['database', 'broker', 'beat', 'cache', 'requestLog'];
// nginx's headers, as deploy/nginx/orbis.conf sets them.
const VIA_NGINX = { 'x-real-ip': '203.0.113.9', 'x-forwarded-for': '203.0.113.9' };

async function health(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; body: Health }> {
  const res = await fetch(`${url}/healthz`, { headers: { accept: 'application/json', ...headers } });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as Health };
}

function assertPublic(h: { status: number; text: string; body: Health }, who: string) {
  assert.equal(h.status, 200, who);
  assert.deepEqual(Object.keys(h.body).sort(), ['status', 'warnings', ...PARTS].sort(), `${who}: the same parts, nothing more`);
  for (const p of PARTS) assert.deepEqual(Object.keys(h.body[p] as object), ['ok'], `${who}: ${p} says ok or not, nothing else`);
  assert.equal((h.body.broker as { ok: boolean }).ok, false);
  assert.equal((h.body.beat as { ok: boolean }).ok, false);
  assert.deepEqual(h.body.warnings, ['broker', 'beat'], `${who}: the warnings stay`);
  assert.doesNotMatch(h.text, /beat-host|4242|amqp|127\.0\.0\.1|error|silent/i, `${who}: no host, URL or error text`);
}

function assertDetailed(h: { status: number; body: Health }, who: string) {
  assert.equal(h.status, 200, who);
  const beat = h.body.beat as { holder: string; error: string };
  const broker = h.body.broker as { error: string; transport: string };
  assert.equal(beat.holder, 'beat-host:4242', who);
  assert.equal(beat.error, 'the beat has been silent for 5 min', who);
  assert.match(broker.error, /cannot reach RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1/, who);
  assert.equal(broker.transport, 'amqp', who);
  assert.equal(typeof (h.body.database as { ms: number }).ms, 'number', `${who}: timings`);
}

describe('/healthz: status for everyone, details for superusers and local callers', () => {
  let ctx: AppContext;
  let url: string;
  let admin: TestClient;
  let operator: TestClient;

  before(async () => {
    const transport = new AmqpTransport({ url: 'amqp://guest:guest@127.0.0.1:1', prefix: uniquePrefix(), queueType: 'quorum' });
    onCleanup(() => transport.close());
    ({ ctx } = await testContext({}, undefined, undefined, { transport }));
    url = (await serveContext(ctx)).url;
    admin = await signedIn(ctx, url, 'root@example.com');
    operator = await signedIn(ctx, url, 'olga@example.com', { superuser: false, roles: ['operator'] });
    await ctx.db.exec(
      `insert into beat_status (name, holder, heartbeat_at) values ('leader', 'beat-host:4242', now() - interval '5 minutes 3 seconds')`,
    );
  });

  it('answers a request that came through nginx with the status only', async () => {
    assertPublic(await health(url, VIA_NGINX), 'anonymous via nginx');
    assertPublic(await health(url, { 'x-forwarded-for': '203.0.113.9' }), 'X-Forwarded-For alone');
    assertPublic(await health(url, { 'x-real-ip': '203.0.113.9' }), 'X-Real-IP alone');
    assertPublic(await health(url, { forwarded: 'for=203.0.113.9' }), 'Forwarded');
    const op = await operator.get('/healthz', { accept: 'application/json', ...VIA_NGINX });
    assertPublic({ status: op.status, text: op.text, body: JSON.parse(op.text) as Health }, 'an operator via nginx');
  });

  it('answers a caller on another address with the status only', async (t) => {
    const address = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && !a.internal && a.family === 'IPv4')?.address;
    if (!address) return t.skip('this machine has no address besides loopback');
    const server = await listen(createApp(ctx), address, 0);
    onCleanup(() => server.close(1000));
    const h = await health(`http://${address}:${server.port}`);
    assertPublic(h, `a direct caller from ${address}`);
  });

  it('gives the details to a superuser (also via nginx) and to a local caller not behind the proxy', async () => {
    const a = await admin.get('/healthz', { accept: 'application/json', ...VIA_NGINX });
    assertDetailed({ status: a.status, body: JSON.parse(a.text) as Health }, 'a superuser via nginx');
    assertDetailed(await health(url), 'loopback, no proxy headers');
    // IPv6 loopback counts as local too.
    const server = await listen(createApp(ctx), '::1', 0).catch(() => null);
    if (server) {
      onCleanup(() => server.close(1000));
      const six = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        http
          .get({ host: '::1', port: server.port, path: '/healthz', headers: { accept: 'application/json' } }, (res) => {
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          })
          .on('error', reject);
      });
      assertDetailed({ status: six.status, body: JSON.parse(six.text) as Health }, '::1');
    }
  });

  it('keeps 503 for a database that is gone, and says no more to the public', async () => {
    const { ctx: other } = await testContext();
    const site = await serveContext(other);
    await other.close();
    const down = await health(site.url, VIA_NGINX);
    assert.equal(down.status, 503);
    assert.equal(down.body.status, 'degraded');
    assert.deepEqual(down.body.database, { ok: false });
    assert.doesNotMatch(down.text, /error|terminat|connect/i, 'no database error text');
    const local = await health(site.url);
    assert.equal(local.status, 503);
    assert.equal(typeof (local.body.database as { error: string }).error, 'string', 'the local caller sees why');
  });
});
