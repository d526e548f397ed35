// Type parsers for the pool's statements. `timestamptz` values arrive as text like
// "2026-11-24 22:47:10.123456+00"; pg's parser (postgres-date) runs three
// regular expressions per value, ≈ 0.6 µs — 120 µs of a 50-row list page with
// four timestamps a row (docs/benchmarks.md). parseTimestamptz reads the
// usual shape by position and hands anything else (BC, infinity, a year past
// 9999, an unusual offset) to pg's own parser.
import pg from 'pg';

const TIMESTAMPTZ = 1184;
const defaultParse = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (value: string) => Date | number | null;

function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    n = n * 10 + c;
  }
  return n;
}

/** "YYYY-MM-DD HH:MM:SS[.f…]±HH[:MM[:SS]]" to a Date (milliseconds truncated, as Date keeps them). */
export function parseTimestamptz(s: string): Date | number | null {
  const n = s.length;
  if (
    n < 22 ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 32 ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58
  ) {
    return defaultParse(s);
  }
  const year = digits(s, 0, 4);
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    const start = ++i;
    while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    const len = Math.min(3, i - start);
    if (i === start) return defaultParse(s);
    ms = digits(s, start, start + len) * (len === 1 ? 100 : len === 2 ? 10 : 1);
  }
  const sign = s.charCodeAt(i);
  const rest = n - i - 1; // "HH", "HH:MM" or "HH:MM:SS"
  if ((sign !== 43 && sign !== 45) || (rest !== 2 && rest !== 5 && rest !== 8)) return defaultParse(s);
  let offset = digits(s, i + 1, i + 3) * 3600;
  if (rest >= 5) offset += s.charCodeAt(i + 3) === 58 ? digits(s, i + 4, i + 6) * 60 : NaN;
  if (rest === 8) offset += s.charCodeAt(i + 6) === 58 ? digits(s, i + 7, i + 9) : NaN;
  const utc = Date.UTC(year, digits(s, 5, 7) - 1, digits(s, 8, 10), digits(s, 11, 13), digits(s, 14, 16), digits(s, 17, 19), ms);
  if (Number.isNaN(utc) || Number.isNaN(offset) || year < 100) return defaultParse(s); // Date.UTC maps years 0–99 to 19xx
  return new Date(utc - (sign === 43 ? offset : -offset) * 1000);
}

/** The pool's parsers: pg's defaults, but for timestamptz. */
export const poolTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TIMESTAMPTZ && format !== 'binary') return parseTimestamptz;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};
