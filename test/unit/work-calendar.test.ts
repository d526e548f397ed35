// Working time (issue 17 item 8): a working-time SLA skips nights, weekends
// and holidays, counts a day's hours on the wall clock across a DST change,
// and ends exactly at a day's close rather than the next morning; iCalendar
// holidays (one-day, several days, yearly) are read; a stage's SLA in YAML
// may be given in working time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { parseCardType } from '#app/services/card-types';
import type { Message } from '#app/i18n/message';
import type { ValidationError } from '#app/services/errors';
import { Calendar, holidaysFromICalendar, parseTimeOfDay } from '#app/services/work-calendar';

const H = 3600_000;
const berlin = new Calendar({ timeZone: 'Europe/Berlin', days: [1, 2, 3, 4, 5], start: 9 * 60, end: 17 * 60 });
const at = (iso: string) => new Date(iso);

describe('working time', () => {
  it('counts only working hours of working days', () => {
    // Wednesday 2026-12-02 10:00 Berlin (09:00Z) + 4 h → 14:00 the same day.
    assert.equal(berlin.addWorking(at('2026-12-02T09:00:00Z'), 4 * H).toISOString(), '2026-12-02T13:00:00.000Z');
    // + 16 h = 7 h left today (10–17), 8 h Thursday, 1 h Friday → Friday 10:00 Berlin.
    assert.equal(berlin.addWorking(at('2026-12-02T09:00:00Z'), 16 * H).toISOString(), '2026-12-04T09:00:00.000Z');
  });

  it('skips the weekend', () => {
    // Friday 2026-12-04 15:00 Berlin + 4 h: 2 h Friday, the weekend, 2 h Monday → Monday 11:00.
    assert.equal(berlin.addWorking(at('2026-12-04T14:00:00Z'), 4 * H).toISOString(), '2026-12-07T10:00:00.000Z');
    // Started on a Saturday: counting begins Monday 09:00.
    assert.equal(berlin.addWorking(at('2026-12-05T12:00:00Z'), 1 * H).toISOString(), '2026-12-07T09:00:00.000Z');
  });

  it('skips holidays', () => {
    const withHolidays = new Calendar(berlin.settings, ['2026-12-24', '2026-12-25']);
    // Wednesday 23 Dec 16:00 + 3 h: 1 h on the 23rd, 24th and 25th are holidays, weekend, 2 h Monday 28th → 11:00.
    assert.equal(withHolidays.addWorking(at('2026-12-23T15:00:00Z'), 3 * H).toISOString(), '2026-12-28T10:00:00.000Z');
    assert.equal(berlin.addWorking(at('2026-12-23T15:00:00Z'), 3 * H).toISOString(), '2026-12-24T10:00:00.000Z', 'without them: Thursday');
  });

  it('counts a day’s hours on the wall clock across a DST change', () => {
    // Berlin goes to summer time on Sunday 2027-03-28. Friday 26th 16:00 CET (15:00Z) + 2 h:
    // 1 h Friday, 1 h Monday from 09:00 CEST (07:00Z) → 10:00 CEST = 08:00Z.
    assert.equal(berlin.addWorking(at('2027-03-26T15:00:00Z'), 2 * H).toISOString(), '2027-03-29T08:00:00.000Z');
    // A whole working day on each side is 8 hours, whatever the offset.
    const week = new Calendar({ timeZone: 'Europe/Berlin', days: [1, 2, 3, 4, 5, 6, 7], start: 0, end: 24 * 60 });
    // Saturday 27th 00:00 CET + 24 h of "working" time lands on Sunday 00:00 CET; + 47 h on Monday 00:00 CEST:
    // Sunday the 28th has only 23 hours on the wall clock (00:00 to 24:00 local).
    assert.equal(week.addWorking(at('2027-03-26T23:00:00Z'), 24 * H).toISOString(), '2027-03-27T23:00:00.000Z');
    assert.equal(week.addWorking(at('2027-03-26T23:00:00Z'), 47 * H).toISOString(), '2027-03-28T22:00:00.000Z');
  });

  it('ends exactly at a day’s close, not the next morning', () => {
    assert.equal(berlin.addWorking(at('2026-12-02T08:00:00Z'), 8 * H).toISOString(), '2026-12-02T16:00:00.000Z');
  });

  it('reads times of day', () => {
    assert.equal(parseTimeOfDay('09:30'), 570);
    assert.equal(parseTimeOfDay('24:00'), 1440);
    assert.equal(parseTimeOfDay('25:00'), null);
    assert.equal(parseTimeOfDay('9.30'), null);
  });
});

describe('holidays from an iCalendar file', () => {
  const ics = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//EN',
    'BEGIN:VEVENT',
    'UID:1',
    'DTSTART;VALUE=DATE:20270101',
    'DTEND;VALUE=DATE:20270109',
    'SUMMARY:Новогодние каникулы',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:2',
    'DTSTART;VALUE=DATE:20260612',
    'DTEND;VALUE=DATE:20260613',
    'RRULE:FREQ=YEARLY',
    'SUMMARY:День России',
    'END:VEVENT',
    'END:VCALENDAR',
  ].join('\r\n');

  it('reads several-day events and yearly ones within the years asked', () => {
    const days = holidaysFromICalendar(ics, new Date('2026-12-01T00:00:00Z'), 2);
    const names = Object.fromEntries(days.map((d) => [d.day, d.name]));
    assert.equal(names['2027-01-01'], 'Новогодние каникулы');
    assert.equal(names['2027-01-08'], 'Новогодние каникулы');
    assert.equal(names['2027-01-09'], undefined, 'DTEND is exclusive');
    assert.equal(names['2026-06-12'], 'День России');
    assert.equal(names['2027-06-12'], 'День России');
    assert.equal(names['2028-06-12'], 'День России');
    assert.equal(names['2030-06-12'], undefined, 'not beyond the years asked');
  });

  it('refuses what is not iCalendar, saying why', () => {
    for (const text of ['', '  ', 'BEGIN:VEVENT', 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:nonsense\r\nEND:VEVENT\r\nEND:VCALENDAR'])
      assert.throws(
        () => holidaysFromICalendar(text),
        (err: unknown) => err instanceof Error && err.name === 'ValidationError',
        JSON.stringify(text),
      );
    assert.throws(
      () => holidaysFromICalendar('hello'),
      (err: ValidationError) => (err.fieldTexts.ics as Message).key === 'admin.calendar.errors.ics',
    );
    assert.throws(
      () => holidaysFromICalendar('BEGIN:VCALENDAR\r\nEND:VCALENDAR'),
      (err: ValidationError) => (err.fieldTexts.ics as Message).key === 'admin.calendar.errors.icsEmpty',
    );
  });
});

describe('a stage’s SLA in working time', () => {
  const yaml = (sla: string) => `
name: t
label: T
plural: Ts
prefix: T
fields: []
process:
  initial: a
  stages:
    - { name: a, label: A, sla: ${sla} }
    - { name: b, label: B, final: true }
  transitions:
    - { name: go, label: Go, from: [a], to: b, roles: [r] }
permissions:
  r: { read: all, create: all, update: all, delete: all, transition: all }
`;
  it('reads { working: PT16H } and refuses anything else in it', () => {
    const type = parseCardType('t.yaml', YAML.parse(yaml('{ working: PT16H }')));
    assert.equal(type.stages[0].slaWorking, true);
    assert.equal(type.stages[0].slaMs, 16 * H);
    assert.equal(parseCardType('t.yaml', YAML.parse(yaml('P2D'))).stages[0].slaWorking, undefined);
    assert.throws(() => parseCardType('t.yaml', YAML.parse(yaml('{ working: soon }'))), /is not an ISO-8601 duration/);
    assert.throws(() => parseCardType('t.yaml', YAML.parse(yaml('{ hours: PT1H }'))), /sla may only give `working`/);
  });
});
