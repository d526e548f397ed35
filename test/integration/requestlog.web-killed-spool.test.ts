// A web process killed with SIGKILL while its request log entries wait in
// memory: they are in its spool (var/requestlog/PREFIX/…), and the next web
// process started on this machine sends them — none lost, none doubled, and
// the log says how many it recovered (122 answered requests vanished before).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REQUEST_LOG_QUEUE } from '#app/services/request-log';
import { startRequestLogConsumer } from '#app/worker/request-log-consumer';
import { testContext } from '#test/support/app';
import { onCleanup } from '#test/support/cleanup';
import { ROOT } from '#test/support/cli';
import { AMQP_URL, eventually, testTransport, transportAvailable, uniquePrefix } from '#test/support/queue';
import { startWebProcess } from '#test/support/web-spawn';
import { kill9 } from '#test/support/worker-spawn';

describe('a web process killed with request log entries in memory', () => {
  it('leaves them in its spool, and the next start sends them exactly once', async (t) => {
    if (!transportAvailable(t, 'amqp')) return;
    const prefix = uniquePrefix();
    const spool = path.join(ROOT, 'var', 'requestlog', prefix);
    onCleanup(() => fs.rmSync(spool, { recursive: true, force: true }));
    const transport = await testTransport('amqp', { prefix, queues: [REQUEST_LOG_QUEUE] });
    const { ctx, db } = await testContext({}, {}, undefined, { transport });
    const consumer = await startRequestLogConsumer(ctx);
    onCleanup(() => consumer.stop());
    const env = { DATABASE_URL: db.url, AMQP_URL: AMQP_URL!, ORBIS_QUEUE_PREFIX: prefix };
    const count = async () =>
      (await ctx.db.rows<{ n: number }>("select count(*)::int as n from request_logs where request_id like 'spool-%'"))[0].n;

    // Batches are published every 300 ms: some entries are with the broker, the last ones only in memory.
    const first = await startWebProcess({ ...env, REQUEST_LOG_FLUSH_MS: '300' });
    const N = 150;
    for (let i = 0; i < N; i++) {
      const r = await fetch(`${first.url}/login`, { headers: { 'x-request-id': `spool-${String(i).padStart(5, '0')}` } });
      assert.equal(r.status, 200);
      await r.text();
      if (i === 99) await eventually(async () => (await count()) === 100, 10_000, 'the first 100 entries stored');
    }
    // One more answer on the same keep-alive connection: a server takes the
    // next request after the previous answer's 'finish', where its entry is
    // logged (a client can read an answer before that runs). Its own entry
    // may be lost with the kill: it is not counted.
    await (await fetch(`${first.url}/login`, { headers: { 'x-request-id': 'sentinel-1' } })).text();
    await kill9(first.child);
    const before = await count();
    assert.ok(before >= 100 && before < N, `the kill left entries in memory only (${before} of ${N} stored)`);
    const dirs = fs.readdirSync(spool);
    assert.equal(dirs.length, 1, 'the killed process left its spool folder');

    const second = await startWebProcess({ ...env, REQUEST_LOG_FLUSH_MS: '300' });
    await eventually(async () => (await count()) >= N, 15_000, 'the spooled entries stored');
    await new Promise((r) => setTimeout(r, 500));
    const [{ rows, ids }] = await ctx.db.rows<{ rows: number; ids: number }>(
      "select count(*)::int as rows, count(distinct request_id)::int as ids from request_logs where request_id like 'spool-%'",
    );
    assert.equal(ids, N, 'every answered request is logged');
    assert.equal(rows, N, 'none twice (the replay resends what the broker had already taken)');
    await eventually(
      () => /request log: sent \d+ request\(s\) that stopped process \d+ had answered but not handed to the broker/.test(second.output()),
      5000,
      'the recovery logged',
    );
    const sent = Number(/sent (\d+) request/.exec(second.output())![1]);
    assert.ok(sent >= N - before, `the log names how many were sent (${sent})`);
    assert.ok(!fs.readdirSync(spool).includes(dirs[0]), 'the recovered folder is gone');
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
    assert.deepEqual(fs.readdirSync(spool), [], 'a process stopped gracefully, with everything confirmed, leaves no spool');
  });
});
