// Starts the workers of one process: the `worker` command (RabbitMQ) and
// runserver's in-process mode (no AMQP_URL) both come through here, so they
// run the same code. The images queue gets its own, smaller concurrency.
import type { AppContext } from '#app/context';
import { QUEUES } from '#app/queue/registry';
import { Worker, type Handlers } from '#app/queue/worker';
import { createHandlers } from '#app/workers/handlers';
import { startRequestLogConsumer } from '#app/workers/request-log-consumer';

export interface RunnerOptions {
  queues?: readonly string[];
  concurrency?: number;
  /** Handlers to add or replace (tests, benchmarks). */
  handlers?: Handlers;
}

export interface Runner {
  workers: Worker[];
  stop(timeoutMs?: number): Promise<void>;
}

export function parseQueues(text: string | undefined): string[] {
  if (!text) return [...QUEUES];
  const queues = text.split(',').map((q) => q.trim()).filter(Boolean);
  const unknown = queues.filter((q) => !(QUEUES as readonly string[]).includes(q));
  if (unknown.length) throw new Error(`unknown queue ${unknown.join(', ')}: expected some of ${QUEUES.join(', ')}`);
  return queues;
}

export async function startWorkers(ctx: AppContext, options: RunnerOptions = {}): Promise<Runner> {
  const queues = options.queues ?? QUEUES;
  const handlers = { ...createHandlers(ctx), ...options.handlers };
  const groups: Array<{ queues: string[]; concurrency: number }> = [];
  const jobQueues = queues.filter((q) => q !== 'requestlog' && q !== 'images');
  if (jobQueues.length) groups.push({ queues: jobQueues, concurrency: options.concurrency ?? ctx.settings.jobs.concurrency });
  if (queues.includes('images')) groups.push({ queues: ['images'], concurrency: options.concurrency ?? ctx.settings.jobs.imagesConcurrency });
  const workers: Worker[] = [];
  for (const [i, g] of groups.entries()) {
    const w = new Worker(ctx.jobStore, ctx.transport, ctx.publisher, ctx.settings.jobs, ctx.log, {
      queues: g.queues,
      concurrency: g.concurrency,
      handlers,
      relay: i === 0,
    });
    await w.start();
    workers.push(w);
  }
  // Queues that carry something other than job ids.
  const extra: Array<{ stop(): Promise<void> }> = [];
  if (queues.includes('requestlog')) extra.push(await startRequestLogConsumer(ctx));
  return {
    workers,
    async stop(timeoutMs) {
      await Promise.all([...workers.map((w) => w.stop(timeoutMs)), ...extra.map((e) => e.stop())]);
    },
  };
}

