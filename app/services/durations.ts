// ISO-8601 durations (a stage's SLA, "P2D", "P1DT4H") read and shown in
// words ("2 days", "1 day 4 hours"). Words come from Intl (CLDR): unit
// names and plurals per locale, no word list of our own — so one locale
// argument is all a translation needs.
//
// What MUST hold: the parts are shown as the card type declares them
// (PT36H stays "36 hours": a working-time SLA is not a calendar day and a
// half), largest unit first, zero parts left out.

const ISO_DURATION = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** The units of a duration, largest first (each an Intl "sanctioned" unit). */
export const DURATION_UNITS = ['year', 'month', 'week', 'day', 'hour', 'minute', 'second'] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];
export type DurationParts = Record<DurationUnit, number>;

/** The parts of an ISO-8601 duration ("P1DT4H"), or null when it is not one. */
export function parseDuration(iso: string): DurationParts | null {
  const m = ISO_DURATION.exec(iso);
  if (!m) return null;
  const values = m.slice(1).map((v) => (v ? Number(v) : 0));
  return Object.fromEntries(DURATION_UNITS.map((unit, i) => [unit, values[i]])) as DurationParts;
}

// Building an Intl formatter costs far more than using one: one per locale and unit.
const unitFormats = new Map<string, Intl.NumberFormat>();
const listFormats = new Map<string, Intl.ListFormat>();

function unitFormat(locale: string, unit: DurationUnit): Intl.NumberFormat {
  const key = `${locale}\u0000${unit}`;
  let f = unitFormats.get(key);
  if (!f) unitFormats.set(key, (f = new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long', maximumFractionDigits: 3 })));
  return f;
}

function listFormat(locale: string): Intl.ListFormat {
  let f = listFormats.get(locale);
  // "narrow" unit lists join with spaces where the language does ("1 day 4 hours").
  if (!f) listFormats.set(locale, (f = new Intl.ListFormat(locale, { type: 'unit', style: 'narrow' })));
  return f;
}

/**
 * "P2D" → "2 days", "P1DT4H" → "1 day 4 hours" (in `locale`, default
 * English). Text that is not an ISO-8601 duration comes back unchanged.
 */
export function formatDuration(iso: string, locale = 'en'): string {
  const parts = parseDuration(iso);
  if (!parts) return iso;
  const words = DURATION_UNITS.filter((u) => parts[u] > 0).map((u) => unitFormat(locale, u).format(parts[u]));
  return words.length ? listFormat(locale).format(words) : unitFormat(locale, 'second').format(0);
}

/** Milliseconds of an ISO-8601 duration (years as 365 days, months as 30), or null when it is not one. */
export function durationMs(iso: string): number | null {
  const p = parseDuration(iso);
  if (!p) return null;
  return ((((p.year * 365 + p.month * 30 + p.week * 7 + p.day) * 24 + p.hour) * 60 + p.minute) * 60 + p.second) * 1000;
}
