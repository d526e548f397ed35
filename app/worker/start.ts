// Starts the loops of one worker process: the `worker` command (RabbitMQ)
// and runserver's in-process mode (no AMQP_URL) both come through here, so
// they run the same code. The job kinds are the context's list
// (app/jobs/index.ts, or a test's), each handler built from the services it
// names; the engine (app/queue/worker.ts) gets them as a parameter. The
// images queue gets its own, smaller concurrency.
import type { AppContext } from '#app/context';
import { bindJobs, type JobDeps } from '#app/jobs/define';
import type { Handlers } from '#app/jobs/index';
import { QUEUES, type RunnableKind } from '#app/queue/kind';
import type { ErrorReporter } from '#app/services/error-report';
import { Worker } from '#app/queue/worker';
import { startRequestLogConsumer } from '#app/worker/request-log-consumer';
import { startRecognitionPresence } from '#app/services/recognition-status';

export interface RunnerOptions {
  queues?: readonly string[];
  concurrency?: number;
  /** Handlers to replace (tests, benchmarks); their kinds must be defined. */
  handlers?: Handlers;
}

export interface Runner {
  workers: Worker[];
  stop(timeoutMs?: number): Promise<void>;
}

export function parseQueues(text: string | undefined): string[] {
  if (!text) return [...QUEUES];
  const queues = text
    .split(',')
    .map((q) => q.trim())
    .filter(Boolean);
  const unknown = queues.filter((q) => !(QUEUES as readonly string[]).includes(q));
  if (unknown.length) throw new Error(`unknown queue ${unknown.join(', ')}: expected some of ${QUEUES.join(', ')}`);
  return queues;
}

/** Everything a handler may name in `uses`, from one context. */
export function jobDeps(ctx: AppContext): JobDeps {
  return {
    ...ctx.services,
    db: ctx.db,
    settings: ctx.settings,
    log: ctx.log,
    jobStore: ctx.jobStore,
    publisher: ctx.publisher,
    onClose: (fn) => ctx.onClose(fn),
  };
}

/**
 * The kind with its failed attempts reported (errorReport.dsn); the engine
 * still sees the same error and retries as before. Wrapped only when reports
 * are on: without a DSN the handlers run as they are.
 */
function reported(k: RunnableKind, errors: ErrorReporter): RunnableKind {
  return {
    ...k,
    async handler(payload, job) {
      try {
        return await k.handler(payload, job);
      } catch (err) {
        errors.capture(err, { jobId: job.id, jobKind: job.kind, attempt: job.attempt, reqId: job.requestId });
        throw err;
      }
    },
  };
}

export async function startWorkers(ctx: AppContext, options: RunnerOptions = {}): Promise<Runner> {
  const queues = options.queues ?? QUEUES;
  const kinds = bindJobs(ctx.jobDefinitions, jobDeps(ctx));
  for (const [kind, handler] of Object.entries(options.handlers ?? {})) {
    const found = kinds.get(kind);
    if (!found) throw new Error(`a handler for "${kind}", which is not a defined job kind`);
    kinds.set(kind, { ...found, handler: handler! });
  }
  if (ctx.errors.enabled) for (const [kind, k] of kinds) kinds.set(kind, reported(k, ctx.errors));
  const groups: Array<{ queues: string[]; concurrency: number }> = [];
  const jobQueues = queues.filter((q) => q !== 'requestlog' && q !== 'images' && q !== 'recognition');
  if (jobQueues.length) groups.push({ queues: jobQueues, concurrency: options.concurrency ?? ctx.settings.jobs.concurrency });
  if (queues.includes('images'))
    groups.push({ queues: ['images'], concurrency: options.concurrency ?? ctx.settings.jobs.imagesConcurrency });
  // Recognition computes on the JS thread (WebAssembly, one thread): one job at a time per process, one process per core.
  if (queues.includes('recognition')) groups.push({ queues: ['recognition'], concurrency: options.concurrency ?? 1 });
  const workers: Worker[] = [];
  for (const [i, g] of groups.entries()) {
    const w = new Worker(ctx.jobStore, ctx.transport, ctx.publisher, ctx.settings.jobs, ctx.log, {
      queues: g.queues,
      concurrency: g.concurrency,
      kinds,
      relay: i === 0,
    });
    await w.start();
    workers.push(w);
  }
  // Queues that carry something other than job ids.
  const extra: Array<{ stop(): Promise<void> }> = [];
  if (queues.includes('requestlog')) extra.push(await startRequestLogConsumer(ctx));
  if (queues.includes('recognition')) extra.push(startRecognitionPresence(ctx.db, ctx.log));
  return {
    workers,
    async stop(timeoutMs) {
      await Promise.all([...workers.map((w) => w.stop(timeoutMs)), ...extra.map((e) => e.stop())]);
    },
  };
}
