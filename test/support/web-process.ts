// A web process of its own, for tests that kill it with SIGKILL: the same
// context and app as `./manage.ts serve` builds. Prints "ready PORT" once it
// listens. REQUEST_LOG_FLUSH_MS keeps entries in memory as long as a test needs.
import { loadSettings } from '#app/config';
import { createContext } from '#app/context';
import { createLogger } from '#app/log';
import { createApp } from '#app/web/app';
import { listen } from '#app/web/server';

const settings = loadSettings({
  env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn' },
  overrides: { requestLog: { flushMs: Number(process.env.REQUEST_LOG_FLUSH_MS ?? 500), batchSize: 500 }, database: { poolMax: 2 } },
});
const ctx = await createContext(settings, { log: createLogger(settings) });
const server = await listen(createApp(ctx), '127.0.0.1', 0);
process.stdout.write(`ready ${server.port}\n`);
process.on('SIGTERM', () => {
  void server
    .close(2000)
    .then(() => ctx.close())
    .then(() => process.exit(0));
});
