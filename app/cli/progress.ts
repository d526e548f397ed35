// A progress bar for commands: redrawn in place on a terminal; otherwise
// (logs, CI, cron) nothing until the caller prints its summary lines.
import type { CommandIO } from '#app/cli/command';

export class ProgressBar {
  private done = 0;
  private lastDraw = 0;

  constructor(
    private readonly io: CommandIO,
    private readonly label: string,
    private readonly total: number,
  ) {}

  tick(n = 1): void {
    this.done += n;
    if (!this.io.interactive) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && this.done < this.total) return;
    this.lastDraw = now;
    const width = 30;
    const ratio = this.total ? Math.min(1, this.done / this.total) : 1;
    const filled = Math.round(ratio * width);
    this.io.stdout.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total}`);
  }

  finish(): void {
    if (this.io.interactive && this.total) this.io.stdout.write('\n');
  }
}
