// A small five-field cron parser, always in UTC, for the beat's slots.
// Written here rather than importing cron-parser (a transitive dependency of
// node-schedule): the beat needs only "the latest slot at or before t", and
// owning 100 tested lines beats depending on another package's internals.
//
// Syntax per field: `*`, `N`, `A-B`, `*/S`, `A-B/S`, `N/S` (N to the end),
// and comma lists of those. Fields: minute hour day-of-month month
// day-of-week (0-7, 0 and 7 are Sunday). As in Vixie cron, when both
// day-of-month and day-of-week are restricted, a day matching either fires.

export class CronError extends Error {
  override name = 'CronError';
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
];

const MINUTE = 60_000;

export interface Cron {
  readonly expression: string;
  matches(at: Date): boolean;
  /** The latest slot at or before `at` (to the minute), or null if none within ~100 years. */
  prev(at: Date): Date | null;
}

function parseField(text: string, spec: FieldSpec, expression: string): Set<number> {
  const values = new Set<number>();
  const fail = (why: string): never => {
    throw new CronError(`invalid cron "${expression}": ${spec.name} "${text}" ${why}`);
  };
  const num = (s: string): number => {
    if (!/^\d+$/.test(s)) fail(`is not a number or range (${spec.min}-${spec.max})`);
    const n = Number(s);
    if (n < spec.min || n > spec.max) fail(`is out of range ${spec.min}-${spec.max}`);
    return n;
  };
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined || range === '') fail('is malformed');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (stepText !== undefined && (!/^\d+$/.test(stepText) || step < 1)) fail('has a step that is not a whole number ≥ 1');
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [spec.min, spec.max];
    else if (range.includes('-')) {
      const [a, b, more] = range.split('-');
      if (more !== undefined) fail('is malformed');
      [lo, hi] = [num(a), num(b)];
      if (lo > hi) fail('has a range that runs backwards');
    } else {
      lo = num(range);
      hi = stepText === undefined ? lo : spec.max;
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return values;
}

export function parseCron(expression: string): Cron {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new CronError(`invalid cron "${expression}": expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  const [minutes, hours, doms, months, dows] = parts.map((p, i) => parseField(p, FIELDS[i], expression));
  if (dows.has(7)) dows.add(0);
  const domAny = parts[2] === '*';
  const dowAny = parts[4] === '*';
  const dayMatches = (d: Date): boolean => {
    const dom = doms.has(d.getUTCDate());
    const dow = dows.has(d.getUTCDay());
    if (domAny || dowAny) return dom && dow;
    return dom || dow;
  };
  return {
    expression,
    matches(at) {
      return minutes.has(at.getUTCMinutes()) && hours.has(at.getUTCHours()) && months.has(at.getUTCMonth() + 1) && dayMatches(at);
    },
    prev(at) {
      // Walk backwards, skipping a whole month, day or hour when it cannot
      // match: a few hundred steps per year of search at most.
      let t = Math.floor(at.getTime() / MINUTE) * MINUTE;
      for (let i = 0; i < 200_000; i++) {
        const d = new Date(t);
        const [y, mo, day, h] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours()];
        if (!months.has(mo + 1)) t = Date.UTC(y, mo, 1) - MINUTE;
        else if (!dayMatches(d)) t = Date.UTC(y, mo, day) - MINUTE;
        else if (!hours.has(h)) t = Date.UTC(y, mo, day, h) - MINUTE;
        else if (!minutes.has(d.getUTCMinutes())) t -= MINUTE;
        else return d;
      }
      return null;
    },
  };
}
