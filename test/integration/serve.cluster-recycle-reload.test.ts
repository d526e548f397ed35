// `manage.ts serve`: several web processes on one port, recycled after
// --max-requests, reloaded by SIGHUP and stopped by SIGTERM — without a
// failed request.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { lines, manage, ROOT } from '#test/support/cli';
import { testDatabase } from '#test/support/db';
import { AMQP_URL, testTransport, transportAvailable, uniquePrefix } from '#test/support/queue';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('manage.ts serve', () => {
  it('refuses to start without RabbitMQ, in one line', async () => {
    const db = await testDatabase();
    const res = await manage(['serve', '-p', '0'], { DATABASE_URL: db.url, AMQP_URL: '' });
    assert.equal(res.code, 1);
    assert.deepEqual(lines(res.stderr), [
      'error: serve runs several web processes and needs RabbitMQ for background work: set AMQP_URL (runserver runs one process with the workers in it)',
    ]);
  });

  it('recycles processes, reloads on SIGHUP and stops on SIGTERM without failing a request', async (t) => {
    if (!transportAvailable(t, 'amqp')) return;
    const db = await testDatabase();
    const port = await freePort();
    const prefix = uniquePrefix();
    await testTransport('amqp', { prefix }); // deletes the prefix's queues at the end
    const child = spawn(path.join(ROOT, 'manage.ts'), ['serve', '-p', String(port), '-w', '2', '--max-requests', '10'], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', DATABASE_URL: db.url, AMQP_URL: AMQP_URL!, ORBIS_QUEUE_PREFIX: prefix },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (out += c));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      // Up to 90 s: three processes load the code at once, slow on a busy 2-core machine.
      for (let i = 0; i < 450 && !/Orbis is serving/.test(out); i++) await new Promise((r) => setTimeout(r, 200));
      assert.match(out, /Orbis is serving on http:\/\/127\.0\.0\.1:\d+\/ with 2 process\(es\)/);

      const statuses: number[] = [];
      const hit = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { connection: 'close' } });
        statuses.push(res.status);
        await res.text();
      };
      for (let i = 0; i < 60; i++) await hit();
      assert.ok((out.match(/recycling this web process/g) ?? []).length >= 2, out);

      child.kill('SIGHUP');
      const during = Array.from({ length: 20 }, () => hit());
      await Promise.all(during);
      for (let i = 0; i < 10 && !/reloading web processes/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
      assert.match(out, /SIGHUP: reloading web processes/);
      for (let i = 0; i < 20; i++) await hit();
      assert.deepEqual([...new Set(statuses)], [200], 'every request answered 200');
      assert.equal(statuses.length, 100);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, out);
  });
});
