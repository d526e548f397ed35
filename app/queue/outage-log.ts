// The log of a broker outage as seen by one publisher: one line when
// publishing starts failing, one summary per period while it keeps failing
// (how many publishes were deferred), one line when a publish succeeds again.
// A save during an outage is normal work (the job rows are the outbox and
// the relay publishes them later): a line per save would bury every other
// line (2,330 lines in 50 s were seen).
import type { Logger } from '#app/log';

export class OutageLog {
  private since: number | null = null;
  private deferredTotal = 0;
  private deferredInPeriod = 0;
  private failuresInPeriod = 0;
  private lastError = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: Logger,
    private readonly summaryEveryMs: number,
  ) {}

  get inOutage(): boolean {
    return this.since !== null;
  }

  /** A publish of `jobs` job ids failed with `error`. */
  failed(jobs: number, error: string, fields: Record<string, unknown> = {}): void {
    this.lastError = error;
    this.deferredTotal += jobs;
    if (this.since === null) {
      this.since = Date.now();
      this.log.warn(
        { ...fields, jobs, error, summaryEverySeconds: this.summaryEveryMs / 1000 },
        'publishing jobs failed: the broker is unreachable; jobs wait in the outbox and the relay publishes them when it is back',
      );
      this.timer = setInterval(() => this.summary(), this.summaryEveryMs);
      this.timer.unref();
      return;
    }
    this.deferredInPeriod += jobs;
    this.failuresInPeriod++;
  }

  /** A publish succeeded: ends the outage, if there was one. */
  succeeded(): void {
    if (this.since === null) return;
    this.stopTimer();
    this.log.info(
      { seconds: Math.round((Date.now() - this.since) / 100) / 10, deferred: this.deferredTotal },
      `publishing jobs works again; ${this.deferredTotal} job(s) were deferred during the outage (the relay publishes them)`,
    );
    this.reset();
  }

  private summary(): void {
    if (!this.failuresInPeriod) return;
    this.log.warn(
      {
        deferred: this.deferredInPeriod,
        publishes: this.failuresInPeriod,
        deferredTotal: this.deferredTotal,
        outageSeconds: Math.round((Date.now() - this.since!) / 1000),
        error: this.lastError,
      },
      `publishing jobs still fails: ${this.deferredInPeriod} job(s) deferred in the last ${this.summaryEveryMs / 1000} s`,
    );
    this.deferredInPeriod = 0;
    this.failuresInPeriod = 0;
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private reset(): void {
    this.since = null;
    this.deferredTotal = 0;
    this.deferredInPeriod = 0;
    this.failuresInPeriod = 0;
  }
}
