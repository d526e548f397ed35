// Every date and time a person reads goes through here: one style for a date
// with its time, one for a date alone, in the reader's time zone. Pages,
// the CSV's display text, the history, the admin pages and the JSON the live
// scripts show all call these, so a user sees one format everywhere.
//
// `locale` is the product's language ('en' until translations come); it maps
// to the Intl locale whose style we chose: day first and a 24-hour clock
// ("05 Dec 2026, 21:46"), unambiguous for readers on both sides of the
// Atlantic. Values that are not dates give '' (a page shows nothing rather
// than "Invalid Date").

export type Locale = string;
export const DEFAULT_LOCALE: Locale = 'en';

/** The Intl locale that gives a product locale its chosen style. */
const INTL_LOCALE: Record<string, string> = { en: 'en-GB' };

const DATE_TIME: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
};
const NUMERIC_DAY = new Set(['ru']);
const DATE_ONLY: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'short', day: '2-digit' };

// Building an Intl.DateTimeFormat costs ~0.3 ms; a 50-row list formats 50+
// times per page, so one formatter per (style, locale, zone) is kept (a
// handful of zones; an unknown zone throws before anything is cached).
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(style: 'datetime' | 'date', locale: Locale, timeZone: string): Intl.DateTimeFormat {
  const key = `${style}\u0000${locale}\u0000${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    // Russian writes the day without a leading zero: "5 дек. 2026 г., 21:45".
    const day = NUMERIC_DAY.has(locale) ? ({ day: 'numeric' } as const) : {};
    f = new Intl.DateTimeFormat(INTL_LOCALE[locale] ?? locale, { ...(style === 'date' ? DATE_ONLY : DATE_TIME), ...day, timeZone });
    formatters.set(key, f);
  }
  return f;
}

function toDate(value: Date | string | null | undefined): Date | null {
  if (value == null || value === '') return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** An instant as date and time in `timeZone`: "05 Dec 2026, 21:46". */
export function formatDateTime(value: Date | string | null | undefined, timeZone: string, locale: Locale = DEFAULT_LOCALE): string {
  const d = toDate(value);
  return d ? formatter('datetime', locale, timeZone).format(d) : '';
}

/**
 * A date alone: "05 Dec 2026". A calendar date ("2026-12-05", a date field)
 * has no zone and is shown as it is; an instant is shown as its date in
 * `timeZone`.
 */
export function formatDate(value: Date | string | null | undefined, timeZone: string, locale: Locale = DEFAULT_LOCALE): string {
  if (typeof value === 'string' && CALENDAR_DATE.test(value))
    return formatter('date', locale, 'UTC').format(new Date(`${value}T00:00:00Z`));
  const d = toDate(value);
  return d ? formatter('date', locale, timeZone).format(d) : '';
}

/**
 * A wall-clock time with no zone (a camera's EXIF "2026-06-01T14:03:00"):
 * shown as written, in the date-and-time style.
 */
export function formatWallClock(value: string | null | undefined, locale: Locale = DEFAULT_LOCALE): string {
  if (!value || !/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return '';
  return formatDateTime(`${value.replace(' ', 'T')}Z`, 'UTC', locale);
}
