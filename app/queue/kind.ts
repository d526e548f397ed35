// What the engine knows of a job kind, and the contract between the engine
// and a handler. The engine imports nothing from the application: the
// application hands it the kinds (queue, attempts, backoff, timeout) and
// their handlers (app/jobs/index.ts, bound in app/worker/start.ts).
import type { Logger } from '#app/log';

/** Queues: image work and face recognition can run apart (other machines, low priority); webhooks wait on other systems, so apart too. */
export const QUEUES = ['default', 'audit', 'requestlog', 'images', 'webhooks', 'recognition'] as const;
export type QueueName = (typeof QUEUES)[number];

/** Retry delays: attempt n waits between half and all of min(capMs, baseMs × 2^(n−1)). */
export interface Backoff {
  baseMs: number;
  capMs: number;
}

/** How the engine enqueues and retries one kind. */
export interface KindSettings {
  queue: QueueName;
  /** Attempts before the job is `failed` (1: never retried). */
  attempts: number;
  /** Default: the settings jobs.backoffBaseMs and jobs.backoffCapMs. */
  backoff?: Backoff;
  /** An attempt running longer fails (and is retried like any failure); default: no limit. */
  timeoutSeconds?: number;
}

export interface JobContext {
  id: number;
  kind: string;
  attempt: number;
  maxAttempts: number;
  requestId: string | null;
  log: Logger;
  /** Aborted when the attempt ran past its kind's timeout: stop early, the attempt has failed. */
  signal: AbortSignal;
  /** Records progress (shown live on /admin/jobs); also a heartbeat. */
  progress(current: number, total?: number): Promise<void>;
}

export type Handler<P = never> = (payload: P, job: JobContext) => Promise<unknown>;

/** A kind as a worker runs it: its settings and its handler, bound to its services. */
export interface RunnableKind extends KindSettings {
  kind: string;
  // The engine does not know payload types: each handler checks what it reads.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handler: Handler<any>;
}

/** Thrown by a handler when retrying cannot help (a corrupt file, a missing row). */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

/** Thrown into an attempt that ran past its kind's timeout. */
export class JobTimeoutError extends Error {
  override name = 'JobTimeoutError';
}

export function backoffMs(attempt: number, baseMs: number, capMs: number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2)); // jitter: half to full
}

/** The handler's outcome, or a JobTimeoutError (and the abort signal) once it ran past `seconds`. */
export function withTimeout(work: Promise<unknown>, seconds: number, abort: AbortController): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new JobTimeoutError(`the attempt ran past its timeout of ${seconds} s`);
      abort.abort(err);
      reject(err);
    }, seconds * 1000);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
