// A recognition worker alone in its own process, for the faces benchmark:
// the same startWorkers as `./manage.ts worker --queues recognition` on the
// benchmark's database, broker prefix and MEDIA_ROOT (from the environment),
// with the shipped job timings. The benchmark starts it under taskset.
// Prints "ready" once it consumes (its models load then; the benchmark waits
// for recognition_workers to say they are loaded); stops on SIGTERM.
import { loadSettings } from '#app/config';
import { createContext } from '#app/context';
import { createLogger } from '#app/log';
import { startWorkers } from '#app/worker/start';

const settings = loadSettings({
  env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' },
  overrides: { database: { poolMax: 4 } },
});
const ctx = await createContext(settings, { log: createLogger(settings) });
const runner = await startWorkers(ctx, { queues: ['recognition'] });
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void runner
    .stop(5000)
    .then(() => ctx.close())
    .then(() => process.exit(0));
});
