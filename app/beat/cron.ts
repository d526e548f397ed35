// The beat's slot arithmetic on cron-parser (the parser node-schedule ships
// with and drives the beat's timer with): five fields, always UTC, a slot is
// a minute. This module only adds what the beat needs on top: exactly five
// fields (cron-parser would take a sixth, seconds, and fire every second),
// errors that name the field, and "slots at or before t" (cron-parser's
// prev() is strictly before its start).
//
// Syntax is cron-parser's: `*`, `N`, `A-B`, `*/S`, `A-B/S`, comma lists,
// month and weekday names (JAN, MON), `L` (last day of the month), `W#N`.
// Fields: minute hour day-of-month month day-of-week (0-7, 0 and 7 are
// Sunday). As in Vixie cron, when both day-of-month and day-of-week are
// restricted, a day matching either fires.
import cronParser from 'cron-parser';

export class CronError extends Error {
  override name = 'CronError';
}

const FIELD_NAMES = ['minute', 'hour', 'day of month', 'month', 'day of week'] as const;

const MINUTE = 60_000;

export interface Cron {
  readonly expression: string;
  /** Whether `at`'s minute is a slot. */
  matches(at: Date): boolean;
  /** The latest slot at or before `at` (to the minute), or null if none can be found. */
  prev(at: Date): Date | null;
  /** Slots at or before `at`, newest first, while the caller keeps asking. */
  backFrom(at: Date): Generator<Date, void, undefined>;
}

function iterator(expression: string, from: Date) {
  // utc: true rather than tz: 'UTC' — the same slots, measured ~1.5× faster.
  return cronParser.parseExpression(expression, { currentDate: from, utc: true });
}

/** cron-parser's reason, made one line that names the field where one field alone is at fault. */
function explain(expression: string, parts: string[], err: Error): CronError {
  for (let i = 0; i < parts.length; i++) {
    const alone = parts.map((p, j) => (j === i ? p : '*')).join(' ');
    try {
      iterator(alone, new Date(0));
    } catch (fieldErr) {
      return new CronError(`invalid cron "${expression}": ${FIELD_NAMES[i]} "${parts[i]}": ${(fieldErr as Error).message}`);
    }
  }
  if (/explicit day of month/i.test(err.message)) return new CronError(`cron "${expression}" never fires (no such day in those months)`);
  return new CronError(`invalid cron "${expression}": ${err.message}`);
}

export function parseCron(expression: string): Cron {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5)
    throw new CronError(
      `invalid cron "${expression}": expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`,
    );
  const normal = parts.join(' ');
  try {
    iterator(normal, new Date(0));
  } catch (err) {
    throw explain(expression, parts, err as Error);
  }
  // cron-parser's prev() finds slots strictly before its start: start one
  // second into `at`'s minute so that the minute itself counts.
  const start = (at: Date): Date => new Date(Math.floor(at.getTime() / MINUTE) * MINUTE + 1000);
  function* backFrom(at: Date): Generator<Date, void, undefined> {
    const it = iterator(normal, start(at));
    for (;;) {
      let slot: Date;
      try {
        slot = it.prev().toDate();
      } catch {
        return; // cron-parser's search limit: nothing found within its reach
      }
      yield slot;
    }
  }
  // Each cron-parser step costs milliseconds (measured 2–7 ms to step back
  // one slot of '* * * * *', 12–22 ms for a daily slot, on a loaded 2-core
  // machine), and the beat asks for the latest slot on every tick: remember
  // the last answer with the span it holds for, [slot, next slot).
  let known: { slot: Date; until: number } | null = null;
  const prev = (at: Date): Date | null => {
    const t = at.getTime();
    if (known && t >= known.slot.getTime() && t < known.until) return known.slot;
    const first = backFrom(at).next();
    if (first.done) return null;
    let until = Infinity;
    try {
      until = iterator(normal, first.value).next().toDate().getTime();
    } catch {
      // no later slot within cron-parser's reach: the span is open-ended
    }
    known = { slot: first.value, until };
    return first.value;
  };
  return {
    expression,
    matches: (at) => prev(at)?.getTime() === Math.floor(at.getTime() / MINUTE) * MINUTE,
    prev,
    backFrom,
  };
}
