// The worker: the engine's loop inside a worker process (`./manage.ts
// worker`, or runserver without RabbitMQ). It alone owns acks, claims,
// retries, timeouts, completion, heartbeats and logging; handlers (the job
// kinds of app/jobs/, handed over by app/worker/start.ts) just do their
// work and throw. A message carries one or more job ids (the publisher packs the ids
// of one batch together); claims and completions are batched: one UPDATE for
// the ids that can start now, one for every job that finished in a tick.
//
// What MUST hold, and why:
// - A message is acked only after every job it names has its outcome
//   committed (done, retry scheduled, failed) or was found not claimable. A
//   worker killed before that leaves the message unacked (the broker
//   redelivers it) and its claimed rows `running` (the sweeper re-queues
//   them when the heartbeat stops). Nothing is lost.
// - A job runs only if this worker's claim moved it to `running`, and it is
//   claimed only when a run slot is free, so `running` means running (or
//   just finished, for the milliseconds until its completion batch commits),
//   never "held in a local buffer". A second delivery of an id (redelivery, relay, duplicate publish) finds
//   nothing to claim. Handlers are idempotent (keys, upserts), so a re-run
//   after a crash never doubles an effect.
// - A job that used up its attempts is `failed` and its id is put on the
//   dead-letter queue; the other jobs keep flowing.
import crypto from 'node:crypto';
import os from 'node:os';
import type { Settings } from '#app/config';
import { logContext, type Logger } from '#app/log';
import { Delivery, parseJobIds, type Pending } from '#app/queue/delivery';
import { backoffMs, PermanentJobError, withTimeout, type JobContext, type RunnableKind } from '#app/queue/kind';
import type { Publisher } from '#app/queue/publisher';
import type { Claimed, JobStore, Woken } from '#app/queue/store';
import { publishGrouped, sweep } from '#app/queue/sweep';
import { DEAD_LETTERS, type Consumer, type Message, type Transport } from '#app/queue/transport';

export interface WorkerOptions {
  queues: readonly string[];
  /** Jobs run at once; also the prefetch (messages) per queue. */
  concurrency: number;
  /** The kinds this worker runs, by name: settings and bound handler. */
  kinds: ReadonlyMap<string, RunnableKind>;
  /** Publishes unconfirmed jobs (the relay) from this worker. Default true. */
  relay?: boolean;
  id?: string;
}

/** The signal of an attempt that has no timeout. */
const NEVER_ABORTED = new AbortController().signal;

export class Worker {
  readonly id: string;
  private readonly consumers: Consumer[] = [];
  /** Ids delivered but not yet claimed (their messages are unacked). */
  private waiting: Pending[] = [];
  private claiming = 0;
  private claimScheduled = false;
  private doneBuffer: Array<Pending & { result: unknown }> = [];
  private doneScheduled = false;
  /** Claimed jobs whose handler is running. */
  private readonly running = new Map<number, Promise<void>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private stopping = false;
  private flushing: Promise<void> = Promise.resolve();
  /** Jobs finished by this worker (for logs and tests). */
  processed = 0;

  constructor(
    private readonly store: JobStore,
    private readonly transport: Transport,
    private readonly publisher: Publisher,
    private readonly settings: Settings['jobs'],
    private readonly log: Logger,
    private readonly options: WorkerOptions,
  ) {
    this.id = options.id ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  }

  async start(): Promise<void> {
    await this.transport.assertQueues(this.options.queues);
    // Start-up recovery: work left by a killed worker, jobs never confirmed.
    await this.recover().catch((err: Error) => this.log.warn({ error: err.message }, 'start-up recovery failed; the sweeper will retry'));
    for (const queue of this.options.queues) {
      this.consumers.push(await this.transport.consume(queue, { prefetch: this.options.concurrency }, (m) => this.onMessage(m)));
    }
    this.every(this.settings.heartbeatSeconds * 1000, () => this.store.heartbeat(this.id));
    // Recovery does not wait for the beat: the relay loop also re-queues
    // jobs of workers that stopped heart-beating (a `kill -9`).
    if (this.options.relay !== false) this.every(this.settings.relaySeconds * 1000, () => this.recover());
    this.log.info({ worker: this.id, queues: this.options.queues, concurrency: this.options.concurrency }, 'worker started');
  }

  private every(ms: number, fn: () => Promise<unknown>): void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      fn()
        .catch((err: Error) => this.log.warn({ error: err.message }, 'worker housekeeping failed'))
        .finally(() => (busy = false));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  /** Re-queues jobs of dead workers and publishes what was never confirmed. */
  async recover(): Promise<void> {
    await sweep(this.store, this.publisher, this.settings);
  }

  private publishAll(rows: readonly Woken[]): Promise<void> {
    return publishGrouped(this.publisher, rows);
  }

  private onMessage(message: Message): void {
    if (this.stopping) return message.nack(true);
    const ids = parseJobIds(message.body);
    if (!ids) {
      // A poison message: nothing to claim, never retried.
      this.log.error({ body: message.body.toString().slice(0, 200) }, 'a message that is not a list of job ids: dead-lettered');
      return message.nack(false);
    }
    const delivery = new Delivery(message, ids.length);
    for (const id of ids) this.waiting.push({ id, delivery });
    this.scheduleClaims();
  }

  private freeSlots(): number {
    return this.options.concurrency - this.running.size - this.claiming;
  }

  private scheduleClaims(): void {
    if (this.claimScheduled || this.stopping || !this.waiting.length || this.freeSlots() <= 0) return;
    this.claimScheduled = true;
    setImmediate(() => {
      this.claimScheduled = false;
      void this.flushClaims();
    });
  }

  /** Claims as many waiting ids as there are free run slots, in one UPDATE. */
  private async flushClaims(): Promise<void> {
    const n = Math.min(this.freeSlots(), this.waiting.length);
    if (n <= 0 || this.stopping) return;
    const batch = this.waiting.splice(0, n);
    this.claiming += batch.length;
    let claimed: Claimed[];
    try {
      claimed = await this.store.claim([...new Set(batch.map((p) => p.id))], this.id);
    } catch (err) {
      this.claiming -= batch.length;
      // The database is away: put the ids back and try again shortly.
      this.log.warn({ error: (err as Error).message }, 'claiming jobs failed; retrying');
      this.waiting.unshift(...batch);
      setTimeout(() => this.scheduleClaims(), 1000).unref();
      return;
    }
    this.claiming -= batch.length;
    const byId = new Map(claimed.map((c) => [c.id, c]));
    for (const p of batch) {
      const job = byId.get(p.id);
      byId.delete(p.id); // a duplicate in the same batch runs once
      if (!job)
        p.delivery.settle(); // already claimed, finished, waiting or not yet due
      else this.running.set(job.id, this.run(job, p));
    }
    this.scheduleClaims();
  }

  private async run(job: Claimed, pending: Pending): Promise<void> {
    const kind = this.options.kinds.get(job.kind);
    const log = this.log.child({ jobId: job.id, kind: job.kind });
    // An AbortController costs more than the rest of a trivial job's run:
    // made only for a kind with a timeout (the others get one never aborted).
    const abort = kind?.timeoutSeconds ? new AbortController() : null;
    const ctx: JobContext = {
      id: job.id,
      kind: job.kind,
      attempt: job.attempts,
      maxAttempts: job.max_attempts,
      requestId: job.request_id,
      log,
      signal: abort?.signal ?? NEVER_ABORTED,
      progress: (current, total) => this.store.progress(job.id, this.id, current, total ?? null),
    };
    const store = { reqId: job.request_id ?? undefined, jobId: String(job.id) };
    let work: Promise<unknown> | null = null;
    try {
      if (!kind) throw new PermanentJobError(`no handler for the job kind ${job.kind} in this worker`);
      work = logContext.run(store, () => kind.handler(job.payload, ctx));
      const result = abort ? await withTimeout(work, kind.timeoutSeconds!, abort) : await work;
      this.doneBuffer.push({ ...pending, result: result ?? null });
      this.scheduleDone();
    } catch (err) {
      await logContext.run(store, () => this.failed(job, kind, pending, err as Error, log));
    } finally {
      // A handler past its timeout has failed its attempt but keeps its run
      // slot until it returns: it still holds what it was using.
      if (abort?.signal.aborted) await work?.catch(() => undefined);
      // The slot is free as soon as the handler returns; the outcome is
      // committed (and the message acked) by the completion batch. (Always
      // after an await, so after flushClaims stored this promise.)
      this.running.delete(job.id);
      this.scheduleClaims();
    }
  }

  private scheduleDone(): void {
    if (this.doneScheduled) return;
    this.doneScheduled = true;
    setImmediate(() => {
      this.doneScheduled = false;
      this.flushing = this.flushing.then(() => this.flushDone());
    });
  }

  private async flushDone(): Promise<void> {
    const batch = this.doneBuffer;
    this.doneBuffer = [];
    if (!batch.length) return;
    try {
      const { woken } = await this.store.complete(batch, this.id);
      for (const p of batch) p.delivery.settle();
      this.processed += batch.length;
      await this.publishAll(woken).catch((err: Error) =>
        this.log.warn({ error: err.message }, 'publishing dependants failed; the relay will'),
      );
    } catch (err) {
      // The database is away: keep the outcomes and try again shortly (at
      // once after a lost deadlock or serialization race: nothing to wait for).
      this.log.warn({ error: (err as Error).message, jobs: batch.length }, 'recording finished jobs failed; retrying');
      this.doneBuffer.unshift(...batch);
      const lostRace = ['40P01', '40001'].includes((err as { code?: string }).code ?? '');
      await new Promise((r) => setTimeout(r, lostRace ? 0 : 1000));
      this.scheduleDone();
    }
  }

  private async failed(job: Claimed, kind: RunnableKind | undefined, pending: Pending, err: Error, log: Logger): Promise<void> {
    const permanent = err instanceof PermanentJobError;
    const backoff = kind?.backoff ?? { baseMs: this.settings.backoffBaseMs, capMs: this.settings.backoffCapMs };
    const delay = backoffMs(job.attempts, backoff.baseMs, backoff.capMs);
    let state: 'queued' | 'failed' | null;
    for (;;) {
      try {
        state = await this.store.fail(job.id, this.id, err.message || String(err), new Date(Date.now() + delay), permanent);
        break;
      } catch (dbErr) {
        // Until the outcome is recorded the message stays unacked.
        log.warn({ error: (dbErr as Error).message }, 'recording a failed attempt failed; retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    if (state === 'failed') {
      log.error(
        { error: err.message, attempts: job.attempts },
        permanent ? 'job failed (not retryable)' : 'job failed after its last attempt',
      );
      await this.transport
        .publish(DEAD_LETTERS, [Buffer.from(String(job.id))])
        .catch((e: Error) =>
          log.warn({ error: e.message }, 'could not put the failed job on the dead-letter queue (it is failed in the database)'),
        );
    } else if (state === 'queued') {
      log.warn({ error: err.message, attempt: job.attempts, retryInMs: delay }, 'job attempt failed; retrying');
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        this.publisher.add(job.queue, job.id);
      }, delay);
      timer.unref();
      this.retryTimers.add(timer);
    }
    pending.delivery.settle();
  }

  /**
   * Graceful stop: take no new messages, let running jobs finish for up to
   * `timeoutMs`, then put the rest back in the queue and return.
   */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    for (const t of this.retryTimers) clearTimeout(t); // the relay publishes those
    const deadline = new Promise((r) => setTimeout(r, timeoutMs).unref());
    await Promise.race([Promise.allSettled([...this.running.values()]), deadline]);
    await this.flushing;
    await this.flushDone();
    const left = [...this.running.keys()];
    if (left.length) {
      const back = await this.store.release(left, this.id).catch(() => []);
      await this.publishAll(back).catch(() => undefined);
      this.log.warn({ jobs: left.length }, 'stopped with jobs still running: they were put back in the queue');
    }
    // Unclaimed ids go back with their unacked messages when the consumers close.
    this.waiting = [];
    for (const c of this.consumers) await c.cancel();
    this.consumers.length = 0;
    await this.publisher.drain();
    this.log.info({ worker: this.id, processed: this.processed }, 'worker stopped');
  }
}
