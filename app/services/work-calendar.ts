// The installation's working-days calendar (issue 17 item 8): which days of
// the week are working days, the working hours, the time zone they are in,
// and holidays (typed in, or imported from an iCalendar file). A stage's SLA
// given in working time (`sla: { working: PT16H }`) ends after that much
// working time: nights, weekends and holidays do not count.
//
// What MUST hold:
// - Working time is counted in the calendar's time zone on the wall clock:
//   a 09:00–18:00 day is nine hours on the day clocks change too (each day's
//   bounds are turned into instants separately, app/services/time.ts).
// - A deadline that falls exactly at a day's end stays there (it does not
//   roll to the next morning).
// - The calendar is one row and a holiday table; a change is announced to
//   every process (app/services/change-signals.ts), which reloads it.
// - A calendar with no working day is refused (a working-time SLA would
//   never end).
import ICAL from 'ical.js';
import type { Database } from '#app/db/connection';
import { msg, type Text } from '#app/i18n/message';
import type { ChangeSignals } from '#app/services/change-signals';
import { ValidationError } from '#app/services/errors';
import { isRealDate, zonedToUtc } from '#app/services/time';
import { isTimeZone } from '#app/services/users';

export const CALENDAR_CHANNEL = 'orbis_work_calendar';
const DAY_MS = 86_400_000;
/** How far a working-time deadline is looked for before giving up (ten years of days). */
const MAX_DAYS = 3660;

export interface CalendarSettings {
  timeZone: string;
  /** ISO weekdays that are working days: 1 Monday … 7 Sunday. */
  days: number[];
  /** Minutes after midnight. */
  start: number;
  end: number;
}

export interface Holiday {
  day: string; // YYYY-MM-DD
  name: string;
}

export const DEFAULT_CALENDAR: CalendarSettings = { timeZone: 'UTC', days: [1, 2, 3, 4, 5], start: 9 * 60, end: 18 * 60 };

/** A pure calendar: counts working time (tests use it without a database). */
export class Calendar {
  private readonly holidays: Set<string>;
  constructor(
    readonly settings: CalendarSettings,
    holidays: Iterable<string> = [],
  ) {
    this.holidays = new Set(holidays);
  }

  isHoliday(day: string): boolean {
    return this.holidays.has(day);
  }

  /** The instant `ms` of working time after `from`. */
  addWorking(from: Date, ms: number): Date {
    const { timeZone, days, start, end } = this.settings;
    if (!days.length || end <= start) throw new Error('the calendar has no working time');
    let left = ms;
    let at = from.getTime();
    // The calendar date `from` falls on in the calendar's zone, then day by day.
    let day = localDay(from, timeZone);
    for (let i = 0; i < MAX_DAYS; i++, day = nextDay(day)) {
      if (!days.includes(isoWeekday(day)) || this.holidays.has(day)) continue;
      const open = instant(day, start, timeZone);
      const close = instant(day, end, timeZone);
      const from0 = Math.max(at, open);
      if (from0 >= close) continue;
      if (left <= close - from0) return new Date(from0 + left);
      left -= close - from0;
      at = close;
    }
    throw new Error('no working time within ten years');
  }
}

/** The instant of `minutes` after midnight of `day` on `timeZone`'s wall clock (1440: the next midnight). */
function instant(day: string, minutes: number, timeZone: string): number {
  if (minutes >= 24 * 60) return zonedToUtc(`${nextDay(day)}T00:00`, timeZone)!.getTime();
  return zonedToUtc(`${day}T${hhmm(minutes)}`, timeZone)!.getTime();
}

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** YYYY-MM-DD of `date` in `timeZone`. */
export function localDay(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
  return parts; // en-CA formats as YYYY-MM-DD
}

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
}

function isoWeekday(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay() || 7;
}

/** "09:30" → 570; null when not a time of day. */
export function parseTimeOfDay(value: string): number | null {
  const m = /^([01]?\d|2[0-4]):([0-5]\d)$/.exec(value.trim());
  if (!m) return null;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return minutes <= 24 * 60 ? minutes : null;
}

/**
 * The holidays of an iCalendar text: each all-day (or timed) event's days,
 * from its start up to its end (exclusive), and yearly repeating events
 * within `years` years of `from`. Throws ValidationError when it is not one.
 */
export function holidaysFromICalendar(text: string, from = new Date(), years = 3): Holiday[] {
  if (!text.trim()) throw new ValidationError(msg('admin.calendar.errors.icsEmpty'), { ics: msg('admin.calendar.errors.icsEmpty') });
  try {
    return readHolidays(new ICAL.Component(ICAL.parse(text)), from, years);
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    // Whatever the parser or its walk throws on a text that is not iCalendar: the field's message, never a 500.
    const why = String((err as Error)?.message ?? err).slice(0, 200);
    throw new ValidationError(msg('admin.calendar.errors.ics', { why }), { ics: msg('admin.calendar.errors.ics', { why }) });
  }
}

function readHolidays(root: ICAL.Component, from: Date, years: number): Holiday[] {
  const out = new Map<string, string>();
  const until = ICAL.Time.fromJSDate(new Date(from.getTime() + years * 366 * DAY_MS), true);
  const add = (start: ICAL.Time, end: ICAL.Time | null, name: string) => {
    let day = start.toString().slice(0, 10);
    const last = end ? end.toString().slice(0, 10) : null;
    for (let i = 0; i < 366; i++) {
      if (!out.has(day)) out.set(day, name);
      day = nextDay(day);
      if (!last || day >= last) break;
    }
  };
  for (const vevent of root.getAllSubcomponents('vevent')) {
    const event = new ICAL.Event(vevent);
    const name = (event.summary ?? '').slice(0, 200);
    if (!event.startDate) continue;
    if (event.isRecurring()) {
      const it = event.iterator();
      for (let next = it.next(), n = 0; next && next.compare(until) < 0 && n < 1000; next = it.next(), n++) {
        const details = event.getOccurrenceDetails(next);
        add(details.startDate, details.endDate, name);
      }
    } else add(event.startDate, event.endDate, name);
  }
  if (!out.size) {
    throw new ValidationError(msg('admin.calendar.errors.icsEmpty'), { ics: msg('admin.calendar.errors.icsEmpty') });
  }
  return [...out].map(([day, name]) => ({ day, name })).sort((a, b) => a.day.localeCompare(b.day));
}

/** The calendar kept in the database, current in every process. */
export class WorkCalendar {
  private current = new Calendar(DEFAULT_CALENDAR);

  constructor(
    private readonly db: Database,
    private readonly signals: ChangeSignals,
  ) {
    signals.on(CALENDAR_CHANNEL, () => this.load());
  }

  /** The calendar as of the last change any process made. */
  get calendar(): Calendar {
    return this.current;
  }

  async load(): Promise<void> {
    try {
      const [row] = await this.db.rows<{ time_zone: string; days: number[]; start_minute: number; end_minute: number }>(
        'select time_zone, days, start_minute, end_minute from work_calendar where id = 1',
      );
      const holidays = await this.db.rows<{ day: string }>(`select to_char(day, 'YYYY-MM-DD') as day from holidays`);
      const settings = row ? { timeZone: row.time_zone, days: row.days, start: row.start_minute, end: row.end_minute } : DEFAULT_CALENDAR;
      this.current = new Calendar(
        settings,
        holidays.map((h) => h.day),
      );
    } catch (err) {
      // Before `db upgrade` made the tables: the default calendar holds.
      if ((err as { parent?: { code?: string } }).parent?.code === '42P01' || (err as { code?: string }).code === '42P01') return;
      throw err;
    }
  }

  async holidays(): Promise<Holiday[]> {
    return this.db.rows<Holiday>(`select to_char(day, 'YYYY-MM-DD') as day, name from holidays order by day`);
  }

  /** Saves the week and hours; each field's problem named, nothing saved on one. */
  async save(input: { timeZone: string; days: string[]; start: string; end: string }): Promise<void> {
    const fields: Record<string, Text> = {};
    if (!isTimeZone(input.timeZone)) fields.time_zone = msg('accounts.timeZone.unknown', { zone: input.timeZone });
    const days = [...new Set(input.days.map(Number))].filter((d) => Number.isInteger(d) && d >= 1 && d <= 7).sort();
    if (!days.length || days.length !== new Set(input.days).size) fields.days = msg('admin.calendar.errors.days');
    const start = parseTimeOfDay(input.start);
    const end = parseTimeOfDay(input.end);
    if (start === null) fields.start = msg('admin.calendar.errors.time', { value: input.start });
    if (end === null) fields.end = msg('admin.calendar.errors.time', { value: input.end });
    else if (start !== null && end <= start) fields.end = msg('admin.calendar.errors.endBeforeStart');
    if (Object.keys(fields).length) throw new ValidationError(Object.values(fields)[0], fields);
    await this.db.transaction(async (t) => {
      await this.db.exec(
        `insert into work_calendar (id, time_zone, days, start_minute, end_minute) values (1, $1, $2, $3, $4)
         on conflict (id) do update set time_zone = excluded.time_zone, days = excluded.days, start_minute = excluded.start_minute,
           end_minute = excluded.end_minute, updated_at = now()`,
        [input.timeZone, days, start, end],
        t,
      );
      await this.signals.announce(CALENDAR_CHANNEL, 'settings', t);
    });
    await this.load();
  }

  /** Adds holidays (a day already there keeps its name unless `replace`); returns how many were new. */
  async addHolidays(list: Holiday[]): Promise<number> {
    for (const h of list) {
      const [y, m, d] = h.day.split('-').map(Number);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(h.day) || !isRealDate(y, m, d)) {
        throw new ValidationError(msg('admin.calendar.errors.day', { value: h.day }), {
          day: msg('admin.calendar.errors.day', { value: h.day }),
        });
      }
      if (h.name.length > 200) throw new ValidationError(msg('admin.calendar.errors.name'), { name: msg('admin.calendar.errors.name') });
    }
    const added = await this.db.transaction(async (t) => {
      let n = 0;
      for (const h of list)
        n += await this.db.exec('insert into holidays (day, name) values ($1, $2) on conflict (day) do nothing', [h.day, h.name.trim()], t);
      await this.signals.announce(CALENDAR_CHANNEL, 'holidays', t);
      return n;
    });
    await this.load();
    return added;
  }

  async removeHoliday(day: string): Promise<void> {
    await this.db.transaction(async (t) => {
      await this.db.exec('delete from holidays where day = $1::date', [day], t);
      await this.signals.announce(CALENDAR_CHANNEL, 'holidays', t);
    });
    await this.load();
  }
}

/** A stage's deadline: calendar time, or working time when the SLA says so. */
export function slaDeadline(from: number, ms: number, working: boolean, calendar: Calendar): Date {
  return working ? calendar.addWorking(new Date(from), ms) : new Date(from + ms);
}
