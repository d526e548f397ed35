// The request log's warning about entries it could not keep (the buffer was
// full): the first overflow is reported at once; later ones at most every
// `everyMs`, and a timer makes sure the last of a burst is reported too.
// Every entry is counted (`total`, in the request log's stats).
import type { Logger } from '#app/log';

export class OverflowReport {
  /** Entries not kept since start. */
  total = 0;
  /** Entries not yet mentioned in a warning. */
  private unreported = 0;
  private lastWarnAt = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: Logger,
    private readonly everyMs: number,
    private readonly bufferLimit: number,
    /** The last publish error, for the warning. */
    private readonly lastError: () => string | null,
  ) {}

  add(): void {
    this.total++;
    this.unreported++;
    const now = Date.now();
    if (now - this.lastWarnAt >= this.everyMs) return this.report(now);
    if (!this.timer) {
      this.timer = setTimeout(
        () => {
          this.timer = null;
          this.report(Date.now());
        },
        this.everyMs - (now - this.lastWarnAt),
      );
      this.timer.unref();
    }
  }

  /** Reports what is still unreported, and stops the timer. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.report(Date.now());
  }

  private report(now: number): void {
    if (!this.unreported) return;
    this.lastWarnAt = now;
    this.log.warn(
      { overflowed: this.unreported, overflowedTotal: this.total, bufferLimit: this.bufferLimit, error: this.lastError() },
      `request log: buffer full; ${this.unreported} request(s) not logged`,
    );
    this.unreported = 0;
  }
}
