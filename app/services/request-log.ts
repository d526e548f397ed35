// The request log's sending side: entries are batched in memory and each
// batch is published as ONE message (a JSON array) straight to the
// `requestlog` queue — no job rows, too many requests for a row each in the
// request path. The `requestlog` consumer bulk-inserts them.
//
// What MUST hold:
// - add() never waits and never throws: the web answers whatever the broker does.
// - Memory is bounded: at most `bufferLimit` entries are held (collecting,
//   publishing, or waiting for the broker). An entry beyond that is counted
//   in `overflowed` and reported in a rate-limited warning — never dropped
//   silently.
// - A batch the broker did not confirm is kept and published again, in
//   order, with capped backoff, and at once when the transport says it is
//   back. One publish is in flight at a time, so batches stay in order.
// - close() is called after the web server stopped taking requests; entries
//   of requests answered while it runs are still taken and published. What
//   still cannot go stays in the spool for the next start (without a spool:
//   logged with its count, `lostOnClose`). An entry after close() is counted
//   and reported as such (`afterClose`), never as a full buffer.
// - With a spool (RabbitMQ only: the in-process queue dies with the process
//   anyway), every entry is on disk before add() returns, and a start sends
//   what a killed process left (request-log-spool.ts).
import type { Logger } from '#app/log';
import type { Transport } from '#app/queue/transport';
import { normalizeEntry, REQUEST_LOG_QUEUE, type RequestLogEntry } from '#app/services/request-log-entry';
import { OverflowReport } from '#app/services/request-log-overflow';
import { RequestLogSpool } from '#app/services/request-log-spool';

// What publishers and the consumer share lives in request-log-entry.ts (the
// spool needs it too, without this module).
export {
  MAX_METHOD,
  MAX_PATH,
  MAX_REQUEST_ID,
  MAX_USER_AGENT,
  REQUEST_LOG_QUEUE,
  type RequestLogEntry,
} from '#app/services/request-log-entry';

export interface RequestLogStats {
  enabled: boolean;
  /** Entries held in memory (collecting, publishing or waiting for the broker). */
  buffered: number;
  /** Batches the broker did not take yet (one of them may be in flight). */
  waitingBatches: number;
  /** Entries the broker confirmed since start. */
  published: number;
  /** Entries not kept because the buffer was full. */
  overflowed: number;
  /** Entries still held when the process stopped and the broker was away (none with a spool: they wait there). */
  lostOnClose: number;
  /** Entries of requests answered after the log closed (not logged). */
  afterClose: number;
  /** Entries that stopped processes left in the spool, sent by this one. */
  recovered: number;
  /** The last publish error while batches are waiting, else null. */
  error: string | null;
}

export interface RequestLogOptions {
  transport: Transport;
  log: Logger;
  enabled: boolean;
  bufferLimit: number;
  batchSize: number;
  flushMs: number;
  /** Retry backoff while the broker is away (ms). */
  retryBaseMs?: number;
  retryCapMs?: number;
  /** At most one overflow / broker-down warning per this many ms. */
  warnEveryMs?: number;
  /** How long close() keeps trying to publish what is held. */
  closeTimeoutMs?: number;
  /** Folder of the spool (null: memory only). */
  spoolDir?: string | null;
}

export class RequestLogBuffer {
  private collecting: RequestLogEntry[] = [];
  /** Batches to publish, oldest first; the first one may be in flight. */
  private readonly batches: RequestLogEntry[][] = [];
  private held = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private publishing: Promise<void> | null = null;
  private failures = 0;
  private lastError: string | null = null;
  private closed = false;
  private published = 0;
  private lostOnClose = 0;
  private afterClose = 0;
  private recovered = 0;
  private recovering: Promise<void> | null = null;
  private recoverAgain = false;
  private readonly spool: RequestLogSpool | null;
  private readonly overflow: OverflowReport;
  private readonly retryBaseMs: number;
  private readonly retryCapMs: number;

  constructor(private readonly options: RequestLogOptions) {
    this.retryBaseMs = options.retryBaseMs ?? 250;
    this.retryCapMs = options.retryCapMs ?? 10_000;
    this.overflow = new OverflowReport(options.log, options.warnEveryMs ?? 10_000, options.bufferLimit, () => this.lastError);
    this.spool = options.enabled && options.spoolDir ? new RequestLogSpool(options.spoolDir, options.log) : null;
    // The broker is back: publish what waits now rather than at the next backoff.
    options.transport.onStatus((s) => {
      if (s.ok && this.batches.length && !this.closed) this.retryNow();
      if (s.ok && this.recoverAgain && !this.closed) void this.recover();
    });
  }

  /** Sends what stopped processes left in the spool (at start; again when the broker comes back). */
  recover(): Promise<void> {
    const dir = this.options.spoolDir;
    if (!this.spool || !dir) return Promise.resolve();
    this.recovering ??= RequestLogSpool.recover(
      dir,
      this.options.batchSize,
      (batch) => this.options.transport.publish(REQUEST_LOG_QUEUE, [Buffer.from(JSON.stringify(batch))]),
      this.options.log,
    )
      .then((n) => {
        this.recovered += n;
        this.recoverAgain = false;
      })
      .catch((err: Error) => {
        this.recoverAgain = true;
        this.options.log.warn(
          { error: err.message },
          'request log: sending what a stopped process left failed; trying again when the broker is back',
        );
        // Also on a timer: the broker's "back" event may have come before
        // this failure was known (a start racing the first connection).
        setTimeout(() => {
          if (this.recoverAgain && !this.closed) void this.recover();
        }, this.retryBaseMs * 4).unref();
      })
      .finally(() => (this.recovering = null));
    return this.recovering;
  }

  get enabled(): boolean {
    return this.options.enabled;
  }

  add(entry: RequestLogEntry): void {
    if (!this.options.enabled) return;
    if (this.closed) {
      this.afterClose++;
      this.options.log.warn(
        { afterClose: this.afterClose, path: entry.path },
        'request log: a request answered after the request log closed was not logged',
      );
      return;
    }
    if (this.held >= this.options.bufferLimit) {
      this.overflow.add();
      return;
    }
    const e = normalizeEntry(entry);
    this.collecting.push(e);
    this.spool?.append(e);
    this.held++;
    if (this.collecting.length >= this.options.batchSize) this.flush();
    else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => this.flush(), this.options.flushMs);
      this.flushTimer.unref();
    }
  }

  /** Closes the batch being collected and publishes (what the broker takes). */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.collecting.length) {
      this.batches.push(this.collecting);
      this.collecting = [];
    }
    this.pump();
  }

  stats(): RequestLogStats {
    return {
      enabled: this.options.enabled,
      buffered: this.held,
      waitingBatches: this.batches.length,
      published: this.published,
      overflowed: this.overflow.total,
      lostOnClose: this.lostOnClose,
      afterClose: this.afterClose,
      recovered: this.recovered,
      error: this.batches.length ? this.lastError : null,
    };
  }

  /** Resolves when nothing is held (tests, close). */
  async drained(): Promise<void> {
    while (this.collecting.length || this.batches.length) {
      this.flush();
      if (this.publishing) await this.publishing;
      else await new Promise((r) => setTimeout(r, 20));
    }
  }

  private retryNow(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.pump();
  }

  // One publish loop at a time; it stops at the first failure and comes back
  // after a backoff (or when the transport reports the broker back).
  private pump(): void {
    if (this.publishing || this.retryTimer || !this.batches.length) return;
    this.publishing = this.publishAll().finally(() => (this.publishing = null));
  }

  private async publishAll(): Promise<void> {
    while (this.batches.length) {
      const batch = this.batches[0];
      try {
        await this.options.transport.publish(REQUEST_LOG_QUEUE, [Buffer.from(JSON.stringify(batch))]);
      } catch (err) {
        this.lastError = (err as Error).message || String(err);
        if (this.closed) return;
        const ceiling = Math.min(this.retryCapMs, this.retryBaseMs * 2 ** this.failures++);
        const delay = ceiling / 2 + Math.random() * (ceiling / 2);
        this.warnWaiting();
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.pump();
        }, delay);
        this.retryTimer.unref();
        return;
      }
      // close() gave up on (and counted) what was held while this one was in flight.
      if (this.closed) return;
      this.batches.shift();
      this.spool?.confirmed(batch.length);
      this.held -= batch.length;
      this.published += batch.length;
      if (this.failures) {
        this.options.log.info({ waiting: this.held, published: this.published }, 'request log: the broker takes batches again');
      }
      this.failures = 0;
      this.lastError = null;
    }
  }

  private warnWaiting(): void {
    if (this.failures !== 1) return; // once per outage; overflow has its own line
    this.options.log.warn(
      { error: this.lastError, buffered: this.held, bufferLimit: this.options.bufferLimit },
      'request log: the broker is unreachable; batches wait in memory',
    );
  }

  /** Publishes what is held (for up to closeTimeoutMs); reports what could not go. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    const deadline = Date.now() + (this.options.closeTimeoutMs ?? 5000);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)).unref());
    if (this.recovering) await Promise.race([this.recovering, sleep(deadline - Date.now())]);
    // Entries still arriving (the last answers) join the loop's batches.
    while ((this.batches.length || this.collecting.length) && Date.now() < deadline) {
      this.flush();
      this.retryNow();
      if (this.publishing) await Promise.race([this.publishing, sleep(deadline - Date.now())]);
      if (this.batches.length) await sleep(Math.min(100, deadline - Date.now()));
    }
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.overflow.close();
    if (this.collecting.length) this.flush();
    if (this.held && this.spool?.active) {
      this.options.log.warn(
        { spooled: this.held, dir: this.spool.dir, error: this.lastError },
        `request log: stopped with ${this.held} request(s) the broker never took; they stay in the spool and the next start sends them`,
      );
    } else if (this.held) {
      this.lostOnClose += this.held;
      this.options.log.error(
        { lost: this.held, error: this.lastError },
        `request log: stopped with ${this.held} request(s) the broker never took`,
      );
    }
    this.spool?.close();
    this.batches.length = 0;
    this.held = 0;
  }
}
