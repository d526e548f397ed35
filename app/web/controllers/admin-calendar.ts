// /admin/calendar (issue 17 item 8): the working week and hours with their
// time zone, and the holidays — typed in one at a time or read from an
// iCalendar file (its text pasted, or put there by the page's file picker).
// Superusers only; every form with its CSRF token; a change applies at once
// in every process.
import type { Request, Response } from 'express';
import type { Services } from '#app/context';
import { localizeAll, msg } from '#app/i18n/message';
import { ValidationError } from '#app/services/errors';
import { isRealDate } from '#app/services/time';
import { holidaysFromICalendar } from '#app/services/work-calendar';
import { flash } from '#app/web/flash';
import { signedIn } from '#app/web/handler';

// i18n-keys: admin.calendar.weekday.*
export type AdminCalendarDeps = Pick<Services, 'calendar'>;

/** The largest iCalendar text accepted (a country's holidays for years is a few kB). */
const MAX_ICS = 500_000;
const str = (v: unknown, max = 200) => (typeof v === 'string' ? v.slice(0, max) : '');
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

function validDay(day: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  return Boolean(m && isRealDate(Number(m[1]), Number(m[2]), Number(m[3])));
}

export function adminCalendarController({ calendar }: AdminCalendarDeps) {
  async function render(req: Request, res: Response, status = 200, extra: Record<string, unknown> = {}) {
    const s = calendar.calendar.settings;
    res.status(status).render('admin/calendar.njk', {
      week: { time_zone: s.timeZone, days: s.days.map(String), start: hhmm(s.start), end: hhmm(s.end) },
      holidays: await calendar.holidays(),
      holiday: { day: '', name: '' },
      ics: '',
      errors: {},
      ...extra,
    });
  }

  return {
    show: signedIn(async (req, res) => render(req, res)),

    saveWeek: signedIn(async (req, res) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const days = (Array.isArray(b.days) ? b.days : [b.days]).filter((d): d is string => typeof d === 'string');
      const week = { time_zone: str(b.time_zone), days, start: str(b.start, 10), end: str(b.end, 10) };
      try {
        await calendar.save({ timeZone: week.time_zone, days, start: week.start, end: week.end });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return render(req, res, 400, { week, errors: localizeAll(req.t, err.fieldTexts) });
      }
      flash(req, req.t('admin.calendar.flash.weekSaved'));
      res.redirect(303, '/admin/calendar');
    }),

    addHoliday: signedIn(async (req, res) => {
      const holiday = { day: str(req.body?.day, 20).trim(), name: str(req.body?.name, 400) };
      try {
        if (!validDay(holiday.day))
          throw new ValidationError(msg('admin.calendar.errors.day', { value: holiday.day }), {
            day: msg('admin.calendar.errors.day', { value: holiday.day }),
          });
        if (holiday.name.length > 200)
          throw new ValidationError(msg('admin.calendar.errors.name'), { name: msg('admin.calendar.errors.name') });
        await calendar.addHolidays([holiday]);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return render(req, res, 400, { holiday, errors: localizeAll(req.t, err.fieldTexts) });
      }
      flash(req, req.t('admin.calendar.flash.holidayAdded', { day: holiday.day }));
      res.redirect(303, '/admin/calendar');
    }),

    importHolidays: signedIn(async (req, res) => {
      const ics = typeof req.body?.ics === 'string' ? req.body.ics : '';
      try {
        if (ics.length > MAX_ICS)
          throw new ValidationError(msg('admin.calendar.errors.icsLarge'), { ics: msg('admin.calendar.errors.icsLarge') });
        const added = await calendar.addHolidays(holidaysFromICalendar(ics));
        flash(req, req.t('admin.calendar.flash.imported', { count: added }));
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return render(req, res, 400, { ics: ics.slice(0, MAX_ICS), errors: localizeAll(req.t, err.fieldTexts) });
      }
      res.redirect(303, '/admin/calendar');
    }),

    removeHoliday: signedIn({ day: 'text' }, async (req, res, { params }) => {
      if (!validDay(params.day))
        return render(req, res, 400, { errors: { day: req.t('admin.calendar.errors.day', { value: params.day }) } });
      await calendar.removeHoliday(params.day);
      flash(req, req.t('admin.calendar.flash.holidayRemoved', { day: params.day }));
      res.redirect(303, '/admin/calendar');
    }),
  };
}
