// "in 2 hours", "5 minutes ago", "через 2 часа", "5 минут назад": the
// distance from `now` to an instant in words of the reader's language, through
// Intl.RelativeTimeFormat (CLDR: words and plurals per locale, none of our own).
// The largest unit that is at least one whole unit, rounded; under a minute
// reads "now" ("сейчас").

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

const formats = new Map<string, Intl.RelativeTimeFormat>();

function format(locale: string): Intl.RelativeTimeFormat {
  let f = formats.get(locale);
  if (!f) formats.set(locale, (f = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })));
  return f;
}

/** `value` relative to `now` in `locale`; '' when it is not a date. */
export function formatRelative(value: Date | string | null | undefined, now: Date, locale: string): string {
  if (value == null || value === '') return '';
  const at = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(at.getTime())) return '';
  const diff = at.getTime() - now.getTime();
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return format(locale).format(Math.round(diff / ms), unit);
  }
  return format(locale).format(0, 'second');
}
