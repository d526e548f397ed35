import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createContext } from '#app/context';
import { createLogger } from '#app/log';
import { createApp } from '#app/web/app';
import { listen } from '#app/web/server';
import { testSettings } from '#test/support/app';
import { onCleanup } from '#test/support/cleanup';
import { testDatabase } from '#test/support/db';

describe('logging', () => {
  it('writes one JSON line per event with the request id of the request', async () => {
    const db = await testDatabase();
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    });
    const settings = testSettings({ DATABASE_URL: db.url, LOG_LEVEL: 'debug' });
    const log = createLogger(settings, 'orbis', sink);
    const ctx = await createContext(settings, { log });
    onCleanup(() => ctx.close());
    const app = createApp(ctx, {
      extend: (a) =>
        a.get('/__log-test', (_req, res) => {
          log.info('inside the handler');
          setTimeout(() => {
            log.info('after an await');
            res.send('ok');
          }, 5);
        }),
    });
    const server = await listen(app, '127.0.0.1', 0);
    onCleanup(() => server.close(500));
    const res = await fetch(`${server.url}/__log-test`, { headers: { 'x-request-id': 'trace-me-12345' } });
    assert.equal(await res.text(), 'ok');
    assert.equal(res.headers.get('x-request-id'), 'trace-me-12345');
    await new Promise((r) => setTimeout(r, 50));
    const mine = lines.filter((l) => l.reqId === 'trace-me-12345');
    assert.deepEqual(
      mine.map((l) => l.msg),
      ['inside the handler', 'after an await', 'request'],
    );
    assert.equal(mine[2].status, 200);
  });
});
