// The engine's state where people look for it: /admin/system, /healthz and
// the administrators' dashboard. A broker that is down is a real AMQP
// transport pointed at a closed port (the shared RabbitMQ is not touched); a
// silent beat is a heartbeat row 5 minutes old. /healthz keeps answering 200
// for both (pages work without them) and names them in `warnings`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QUEUES } from '#app/queue/kind';
import { AmqpTransport } from '#app/queue/transports/amqp';
import { serveContext, signedIn } from '#test/support/admin';
import { testContext } from '#test/support/app';
import { onCleanup } from '#test/support/cleanup';
import { jobsHarness } from '#test/support/jobs';
import { transportAvailable, TRANSPORTS, uniquePrefix } from '#test/support/queue';

interface Health {
  status: string;
  warnings: string[];
  database: { ok: boolean };
  broker: { ok: boolean; transport: string; error?: string };
  beat: { ok: boolean; lastHeartbeat: string | null; ageSeconds: number | null; holder: string | null; error?: string };
}

async function health(url: string): Promise<{ status: number; body: Health }> {
  const res = await fetch(`${url}/healthz`);
  return { status: res.status, body: (await res.json()) as Health };
}

function part(html: string, name: string): string {
  const m = new RegExp(`data-testid="part-${name}">([\\s\\S]*?)</div></div>`).exec(html);
  assert.ok(m, `the ${name} part is on the page`);
  return m[1];
}

describe('engine state when things are wrong', () => {
  it('shows a broker that cannot be reached, a silent beat and failed jobs — and tells administrators only', async () => {
    const transport = new AmqpTransport({ url: 'amqp://guest:guest@127.0.0.1:1', prefix: uniquePrefix(), queueType: 'quorum' });
    onCleanup(() => transport.close());
    const { ctx } = await testContext({}, undefined, undefined, { transport });
    const site = await serveContext(ctx);
    const admin = await signedIn(ctx, site.url, 'root@example.com');
    const operator = await signedIn(ctx, site.url, 'olga@example.com', { superuser: false, roles: ['operator'] });
    await ctx.db.exec(
      `insert into beat_status (name, holder, heartbeat_at) values ('leader', 'beat-host:4242', now() - interval '5 minutes 3 seconds')`,
    );
    const failed = (await ctx.services.jobs.enqueue('test.effect', { n: 1 }, { runAfter: new Date(Date.now() + 3600_000) })).id;
    await ctx.db.exec(`update jobs set state = 'failed', error = 'boom' where id = $1`, [failed]);

    const h = await health(site.url);
    assert.equal(h.status, 200, 'a broker or beat problem does not take the web out of rotation');
    assert.equal(h.body.status, 'ok');
    assert.deepEqual(h.body.warnings, ['broker', 'beat']);
    assert.equal(h.body.database.ok, true);
    assert.equal(h.body.broker.ok, false);
    assert.equal(h.body.broker.transport, 'amqp');
    assert.match(h.body.broker.error!, /cannot reach RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1/);
    assert.equal(h.body.beat.ok, false);
    assert.equal(h.body.beat.holder, 'beat-host:4242');
    assert.ok(h.body.beat.ageSeconds! >= 300 && h.body.beat.ageSeconds! < 330, String(h.body.beat.ageSeconds));
    assert.ok(Math.abs(Date.parse(h.body.beat.lastHeartbeat!) - (Date.now() - 303_000)) < 20_000, h.body.beat.lastHeartbeat!);
    assert.equal(h.body.beat.error, 'the beat has been silent for 5 min');

    const page = await admin.get('/admin/system');
    assert.equal(page.status, 200);
    assert.match(part(page.text, 'broker'), /text-bg-danger">unreachable</);
    assert.match(part(page.text, 'broker'), /cannot reach RabbitMQ/);
    assert.match(part(page.text, 'beat'), /text-bg-danger">silent</);
    assert.match(part(page.text, 'beat'), /\(5 min ago\) from <code>beat-host:4242<\/code>/);
    assert.match(part(page.text, 'database'), /text-bg-success">reachable</);
    assert.match(part(page.text, 'failed'), /href="\/admin\/jobs\?state=failed" data-testid="failed-count">1</);
    assert.match(page.text, /data-queue="default"><td>default<\/td>\s*<td class="text-end"><span[^>]*>unknown: broker unreachable</);
    const problems = /data-testid="system-problems">([\s\S]*?)<\/div>/.exec(page.text)![1];
    assert.match(problems, /The broker is unreachable \(cannot reach RabbitMQ/);
    assert.match(problems, /The beat has been silent for 5 min: scheduled jobs are not being enqueued\./);
    assert.match(problems, /1 failed job is waiting for a decision/);

    const dashboard = await admin.get('/');
    const alert = /data-testid="engine-alert">([\s\S]*?)<\/div>/.exec(dashboard.text);
    assert.ok(alert, 'administrators see the alert');
    assert.match(alert[1], /The broker is unreachable/);
    assert.match(alert[1], /The beat has been silent for 5 min/);
    assert.match(alert[1], /1 failed job is waiting/);
    assert.match(alert[1], /href="\/admin\/system"/);
    const theirs = await operator.get('/');
    assert.equal(theirs.status, 200);
    assert.doesNotMatch(theirs.text, /engine-alert|broker/i, 'operators are not bothered with it');
  });

  it('reports a beat that never ran, and 503 only when the database is gone', async () => {
    const { ctx } = await testContext();
    const site = await serveContext(ctx);
    const h = await health(site.url);
    assert.equal(h.status, 200);
    assert.deepEqual(h.body.warnings, ['beat']);
    assert.deepEqual(h.body.beat, {
      ok: false,
      lastHeartbeat: null,
      ageSeconds: null,
      holder: null,
      error: 'no beat has ever run here (no heartbeat recorded)',
    });
    await ctx.close(); // closes the database (idempotent: the cleanup's second close is a no-op)
    const down = await health(site.url);
    assert.equal(down.status, 503);
    assert.equal(down.body.status, 'degraded');
    assert.equal(down.body.database.ok, false);
  });
});

for (const kind of TRANSPORTS) {
  describe(`engine state on ${kind} when all is well`, () => {
    it('shows the broker reachable, queue depths, the beat alive, and no alert', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const h = await jobsHarness(kind);
      const { ctx } = h;
      const site = await serveContext(ctx);
      const admin = await signedIn(ctx, site.url, 'root@example.com');
      await ctx.db.exec(
        `insert into beat_status (name, holder, heartbeat_at) values ('leader', 'beat-host:1', now() - interval '20 seconds')`,
      );

      // Before anything published: the probe connects the transport itself.
      const ok = await health(site.url);
      assert.equal(ok.status, 200);
      assert.equal(ok.body.status, 'ok');
      assert.deepEqual(ok.body.warnings, []);
      assert.deepEqual([ok.body.broker.ok, ok.body.broker.transport], [true, kind]);
      assert.equal(ok.body.beat.ok, true);
      assert.equal(ok.body.beat.holder, 'beat-host:1');

      // Two jobs wait on the broker (no worker runs here).
      await ctx.transport.assertQueues(QUEUES);
      await ctx.services.jobs.enqueue('test.effect', { n: 1 });
      await ctx.services.jobs.enqueue('test.effect', { n: 2 });
      await ctx.publisher.drain();

      const page = await admin.get('/admin/system');
      assert.equal(page.status, 200);
      assert.match(page.text, /data-testid="system-ok"/);
      assert.match(part(page.text, 'broker'), /text-bg-success">reachable</);
      assert.match(part(page.text, 'beat'), /text-bg-success">alive</);
      assert.match(page.text, /data-queue="default"><td>default<\/td>\s*<td class="text-end">2<\/td>/);
      assert.match(page.text, /data-queue="dead"><td>dead <span[^>]*>\(dead letters\)<\/span><\/td>\s*<td class="text-end">0<\/td>/);
      assert.match(page.text, /data-state="queued">2</);
      const dashboard = await admin.get('/');
      assert.equal(dashboard.status, 200);
      assert.doesNotMatch(dashboard.text, /engine-alert/);
    });
  });
}
