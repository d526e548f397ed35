import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createContext } from '#app/context';
import { createLogger } from '#app/log';
import { ConflictError, ValidationError } from '#app/services/errors';
import { createApp } from '#app/web/app';
import { listen } from '#app/web/server';
import { testSettings } from '#test/support/app';
import { onCleanup } from '#test/support/cleanup';
import { testDatabase } from '#test/support/db';

async function serve(env: Record<string, string>) {
  const db = await testDatabase();
  const settings = testSettings({ DATABASE_URL: db.url, ...env });
  const ctx = await createContext(settings, { log: createLogger(settings) });
  onCleanup(() => ctx.close());
  const app = createApp(ctx, {
    extend: (a) => {
      a.get('/__boom', () => {
        throw new Error('secret internals: password=hunter2');
      });
      a.get('/__bad', () => {
        throw new ValidationError('The amount is not a number.', { amount: 'not a number' });
      });
      a.get('/__conflict', () => {
        throw new ConflictError('Someone else saved this card first.');
      });
    },
  });
  const server = await listen(app, '127.0.0.1', 0);
  onCleanup(() => server.close(500));
  return server.url;
}

describe('error pages', () => {
  it('in production, a 500 shows the request id and never the stack or the message', async () => {
    const url = await serve({ NODE_ENV: 'production', SECRET_KEY: 'k'.repeat(40) });
    const res = await fetch(`${url}/__boom`, { headers: { accept: 'text/html' } });
    const html = await res.text();
    assert.equal(res.status, 500);
    assert.match(html, /Something went wrong/);
    assert.ok(html.includes(res.headers.get('x-request-id')!), 'the request id is on the page');
    assert.doesNotMatch(html, /hunter2|at .*\.ts:\d+/);
  });

  it('renders 400 with the field reasons, 409 and 404 pages, and JSON for API callers', async () => {
    const url = await serve({});
    const bad = await fetch(`${url}/__bad`, { headers: { accept: 'text/html' } });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /<strong>amount<\/strong>: not a number/);
    const conflict = await fetch(`${url}/__conflict`, { headers: { accept: 'text/html' } });
    assert.equal(conflict.status, 409);
    assert.match(await conflict.text(), /Someone else saved this card first/);
    const json = await fetch(`${url}/__bad`, { headers: { accept: 'application/json' } });
    assert.deepEqual(await json.json(), {
      error: 'The amount is not a number.',
      status: 400,
      requestId: json.headers.get('x-request-id'),
      fields: { amount: 'not a number' },
    });
    assert.equal((await fetch(`${url}/nope`, { headers: { accept: 'text/html' } })).status, 404);
  });
});
