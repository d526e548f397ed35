// RabbitMQ itself is restarted (rabbitmqctl stop_app / start_app) while
// requests enqueue jobs and write request logs: the web keeps answering,
// nothing committed is lost, and the backlog — jobs and request-log batches —
// drains after the broker returns. Serial (test/run.ts): the restart would
// disturb every other file talking to RabbitMQ.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { enqueueServer, jobsHarness } from '#test/support/jobs';
import { eventually, transportAvailable, uniquePrefix } from '#test/support/queue';
import { needs } from '#test/support/servers';

const run = promisify(execFile);
const RABBITMQCTL = '/usr/sbin/rabbitmqctl';

describe('a RabbitMQ restart while jobs and requests flow', () => {
  it('keeps the web answering, loses nothing, and drains jobs and request logs afterwards', async (t) => {
    if (!transportAvailable(t, 'amqp')) return;
    if (!needs(t, fs.existsSync(RABBITMQCTL), `rabbitmqctl (${RABBITMQCTL}) to restart the local RabbitMQ`)) return;
    const h = await jobsHarness('amqp', { prefix: uniquePrefix() });
    const ctx = h.ctx;
    const server = await enqueueServer(ctx);
    await h.start({ queues: ['default', 'requestlog'] });

    const statuses: number[] = [];
    let pumping = true;
    const pump = (async () => {
      while (pumping) {
        const res = await fetch(`${server.url}/test/enqueue`);
        statuses.push(res.status);
        await res.text();
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    let restarted = false;
    try {
      await eventually(() => statuses.length >= 30, 10_000, '30 requests before the restart');
      await run(RABBITMQCTL, ['stop_app'], { timeout: 60_000 });
      await eventually(() => !ctx.transport.status().ok, 10_000, 'the transport to notice the broker is gone');
      const before = statuses.length;
      await eventually(() => statuses.length >= before + 40, 20_000, '40 requests while the broker is down');
      await run(RABBITMQCTL, ['start_app'], { timeout: 120_000 });
      restarted = true;
      await eventually(() => ctx.transport.status().ok, 30_000, 'the transport to reconnect');
      const after = statuses.length;
      await eventually(() => statuses.length >= after + 30, 10_000, '30 requests after the restart');
    } finally {
      pumping = false;
      await pump.catch(() => undefined);
      // Never leave the shared broker stopped, whatever failed above.
      if (!restarted) await run(RABBITMQCTL, ['start_app'], { timeout: 120_000 }).catch(() => undefined);
    }

    assert.deepEqual([...new Set(statuses)], [200], 'every request answered 200, during the outage too');
    const total = statuses.length;
    await eventually(async () => (await h.effects()).length === total, 60_000, `all ${total} jobs done`);
    assert.ok(
      (await h.effects()).every((e) => e.runs === 1),
      'no job ran twice',
    );
    await eventually(
      async () =>
        (await ctx.db.rows<{ n: number }>(`select count(*)::int as n from request_logs where path = '/test/enqueue'`))[0].n === total,
      60_000,
      `all ${total} request logs written`,
    );
  });
});
