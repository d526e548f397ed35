// Errors out: with errorReport.dsn pointing at a collector on 127.0.0.1 (a
// small server in the test accepting Sentry envelopes at
// POST /api/PROJECT/envelope/), a real 500 of the web (the users table
// missing a column the profile save writes) and a failed job attempt arrive
// with the request id, job id and kind, release and installation (a failed
// beat tick too, tagged beat) — and
// never the password, session cookie, CSRF token, form values, query secret
// or bearer token of the request; a 400 and a 404 send nothing.
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { describe, it } from 'node:test';
import { createBeat } from '#app/beat/beat';
import { LocalTransport } from '#app/queue/transports/local';
import { releaseOf } from '#app/services/error-report';
import { startWorkers } from '#app/worker/start';
import { startTestApp, testContext } from '#test/support/app';
import { sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { startReceiver, type Receiver } from '#test/support/http-receiver';
import { FAST_JOBS } from '#test/support/jobs';
import { eventually } from '#test/support/queue';

interface SentryEvent {
  event_id: string;
  release?: string;
  environment?: string;
  tags?: Record<string, string>;
  request?: { method?: string; url?: string; cookies?: unknown; data?: unknown; headers?: unknown };
  exception?: { values: Array<{ type: string; value: string }> };
}

/** Every envelope's raw text, and the events in them. */
function envelopes(r: Receiver): { raw: string; events: SentryEvent[] } {
  let raw = '';
  const events: SentryEvent[] = [];
  for (const q of r.received) {
    assert.match(q.url, /^\/api\/42\/envelope\/(\?|$)/, 'the envelope endpoint of the DSN project');
    const text = (q.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(q.body) : q.body).toString('utf8');
    raw += text + '\n';
    const lines = text.split('\n').filter(Boolean);
    for (let i = 1; i + 1 < lines.length; i += 2) {
      const header = JSON.parse(lines[i]) as { type: string };
      if (header.type === 'event') events.push(JSON.parse(lines[i + 1]) as SentryEvent);
    }
  }
  return { raw, events };
}

function reporting(collector: Receiver) {
  return { errorReport: { dsn: `http://publickey42@127.0.0.1:${collector.port}/42`, installation: 'acme-test', environment: 'ci' } };
}

describe('error reports to a Sentry-compatible collector', () => {
  it('sends a web 500 with request id, release and installation, and none of the secrets of the request', async () => {
    const collector = await startReceiver({ status: 200, body: '{}' });
    const app = await startTestApp({}, reporting(collector), undefined, { process: 'web' });
    assert.equal(app.ctx.errors.enabled, true);
    await sessionUserFor(app.ctx, 'ann@example.com', { name: 'Ann' });
    const c = app.client();
    const password = 'correct horse battery';
    assert.equal((await c.login('ann@example.com', password)).status, 303);
    const csrf = await c.csrf('/account');
    const cookie = c.cookieHeader();
    const sessionValue = /orbis_sid=([^;]+)/.exec(cookie)![1];

    // Expected errors are not sent: a bad phone (400) and a missing page (404).
    const bad = await c.post(
      '/account/profile',
      { display_name: 'Ann', time_zone: 'UTC', locale: '', phone: '12345' },
      { from: '/account' },
    );
    assert.equal(bad.status, 400);
    assert.equal((await c.get('/no-such-page')).status, 404);

    // A real fault: the column the save writes is gone.
    await app.ctx.db.exec('alter table users rename column phone to phone_gone');
    const form = {
      _csrf: csrf,
      display_name: 'Ann Formvalue-Sentinel',
      time_zone: 'UTC',
      locale: '',
      phone: '+79123456789',
      password: 'Hunter2-Form-Password',
    };
    const failed = await c.post('/account/profile?token=Query-Secret-Token&page=2', form, {
      headers: { authorization: 'Bearer Bearer-Secret-Token', 'x-api-key': 'Header-Api-Key' },
    });
    assert.equal(failed.status, 500);
    const reqId = failed.headers.get('x-request-id')!;
    assert.ok(failed.text.includes(reqId), 'the 500 page names its request id');

    await app.ctx.errors.flush(5000);
    await eventually(() => envelopes(collector).events.length >= 1, 10_000, 'the event at the collector');
    const { raw, events } = envelopes(collector);
    assert.equal(events.length, 1, 'the 400 and the 404 sent nothing; the 500 one event');
    const [event] = events;
    assert.equal(event.tags?.request_id, reqId);
    assert.equal(event.tags?.installation, 'acme-test');
    assert.equal(event.tags?.process, 'web');
    assert.equal(event.release, releaseOf(app.ctx.settings));
    assert.match(event.release!, /^orbis@0\.1\.0(\+[0-9a-f]{7,40})?$/);
    assert.equal(event.environment, 'ci');
    assert.deepEqual(event.request, { method: 'POST', url: '/account/profile?token&page' });
    assert.match(event.exception!.values[0].value, /phone/, 'the fault itself');
    for (const secret of [
      password,
      'Hunter2-Form-Password',
      sessionValue,
      decodeURIComponent(sessionValue),
      csrf,
      'Formvalue-Sentinel',
      '+79123456789',
      '79123456789',
      'Query-Secret-Token',
      'Bearer-Secret-Token',
      'Header-Api-Key',
    ])
      assert.ok(!raw.includes(secret), `never sent: ${secret.slice(0, 12)}…`);
  });

  it('sends a failed job attempt with its job id, kind and attempt', async () => {
    const collector = await startReceiver({ status: 200, body: '{}' });
    const { ctx } = await testContext({}, { ...reporting(collector), jobs: FAST_JOBS }, undefined, {
      process: 'worker',
      transport: new LocalTransport(),
    });
    await ctx.db.exec('create table if not exists test_attempts (n integer not null, attempt integer not null)');
    const runner = await startWorkers(ctx);
    onCleanup(() => runner.stop(2000));
    const { id } = await ctx.services.jobs.enqueue('test.flaky', { n: 1, succeedOn: 2 });
    await eventually(async () => (await ctx.db.rows(`select 1 from jobs where id = $1 and state = 'done'`, [id])).length > 0);
    await ctx.errors.flush(5000);
    await eventually(() => envelopes(collector).events.length >= 1, 10_000, 'the event at the collector');
    const { events } = envelopes(collector);
    assert.equal(events.length, 1, 'one failed attempt, one event (the success sends nothing)');
    assert.equal(events[0].tags?.job_id, String(id));
    assert.equal(events[0].tags?.job_kind, 'test.flaky');
    assert.equal(events[0].tags?.job_attempt, '1');
    assert.equal(events[0].tags?.process, 'worker');
    assert.equal(events[0].tags?.installation, 'acme-test');
    assert.equal(events[0].exception?.values[0].value, 'flaky failure on attempt 1');
  });

  it('sends a failed beat tick with the process beat', async () => {
    const collector = await startReceiver({ status: 200, body: '{}' });
    const { ctx } = await testContext({}, reporting(collector), undefined, { process: 'beat', transport: new LocalTransport() });
    // A real fault: the table of fired slots is gone.
    await ctx.db.exec('drop table beat_runs');
    const beat = createBeat(ctx, { now: () => new Date('2030-01-07T03:15:30Z'), id: 'test-beat' });
    const r = await beat.tick();
    assert.ok(r.errors.length > 0, 'the tick failed');
    await ctx.errors.flush(5000);
    await eventually(() => envelopes(collector).events.length >= 1, 10_000, 'the event at the collector');
    const { events } = envelopes(collector);
    assert.ok(events.length >= 1 && events.length <= r.errors.length, 'an event per failed entry, repeats of the same fault deduplicated');
    assert.equal(events[0].tags?.process, 'beat');
    assert.equal(events[0].tags?.installation, 'acme-test');
    assert.match(events[0].exception!.values[0].value, /beat_runs/);
  });
});
