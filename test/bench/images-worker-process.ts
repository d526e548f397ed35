// The images worker alone in its own process, for the image-pipeline
// benchmark's peak-memory figure: the same startWorkers as `./manage.ts
// worker --queues images` (the real handler table), on the benchmark's
// database, broker prefix and MEDIA_ROOT (all from the environment the
// benchmark passes), with the shipped job timings (heartbeat, relay) rather
// than the tests' fast ones. Prints "ready" once it consumes; stops on SIGTERM.
import { loadSettings } from '#app/config';
import { createContext } from '#app/context';
import { createLogger } from '#app/log';
import { startWorkers } from '#app/worker/start';

const settings = loadSettings({
  env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' },
  overrides: { database: { poolMax: 4 } },
});
const ctx = await createContext(settings, { log: createLogger(settings) });
const runner = await startWorkers(ctx, { queues: ['images'] });
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void runner
    .stop(5000)
    .then(() => ctx.close())
    .then(() => process.exit(0));
});
