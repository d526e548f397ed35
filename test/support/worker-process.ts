// A worker in its own process, for tests that kill it with SIGKILL: the same
// Worker code as `./manage.ts worker`, with the test job kinds. Started by
// test/support/worker-spawn.ts; prints "ready" when it consumes.
import { loadSettings } from '#app/config';
import { createContext } from '#app/context';
import { createLogger } from '#app/log';
import { JOBS } from '#app/jobs/index';
import { startWorkers } from '#app/worker/start';
import { FAST_JOBS } from '#test/support/jobs';
import { TEST_JOBS } from '#test/support/test-jobs';

const settings = loadSettings({
  env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' },
  overrides: { jobs: { ...FAST_JOBS, concurrency: Number(process.env.WORKER_CONCURRENCY ?? 20) } },
});
const ctx = await createContext(settings, { log: createLogger(settings), jobs: [...JOBS, ...TEST_JOBS] });
const runner = await startWorkers(ctx, {
  queues: (process.env.WORKER_QUEUES ?? 'default').split(','),
});
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void runner
    .stop(5000)
    .then(() => ctx.close())
    .then(() => process.exit(0));
});
