// /admin/calendar (issue 17 item 8): an administrator sets the working week
// and hours (bad input named at the field and kept), adds, imports and
// removes holidays; a card entering a stage whose SLA is in working time is
// due after that much working time of this calendar — across a weekend and
// a holiday — and a change of the calendar applies to the next card at once.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { makeUser, startTestApp, type TestApp, type TestClient } from '#test/support/app';
import { sessionUserFor } from '#test/support/cards';

const PASSWORD = 'correct horse battery';
const H = 3600_000;

describe('/admin/calendar', () => {
  let app: TestApp;
  let admin: TestClient;
  before(async () => {
    // The shipped complaint type with its first stage's SLA in working time.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-types-'));
    for (const f of fs.readdirSync('conf/cardtypes')) fs.copyFileSync(path.join('conf/cardtypes', f), path.join(dir, f));
    const file = path.join(dir, 'complaint.yaml');
    const yaml = fs.readFileSync(file, 'utf8');
    assert.match(yaml, /sla: PT4H/);
    fs.writeFileSync(file, yaml.replace('sla: PT4H', 'sla: { working: PT16H }'));
    app = await startTestApp({ ORBIS_CARDTYPES_DIR: dir });
    await makeUser(app.ctx, 'root@example.com', { superuser: true });
    admin = app.client();
    assert.equal((await admin.login('root@example.com', PASSWORD)).status, 303);
  });

  const save = (body: Record<string, string | string[]>) => admin.post('/admin/calendar', body, { from: '/admin/calendar' });

  it('names each bad field of the week, keeps the input and saves nothing', async () => {
    const res = await save({ time_zone: 'Moon/Base', days: [], start: '18:00', end: '09:00' });
    assert.equal(res.status, 400);
    assert.match(res.text, /data-field-error="time_zone">unknown time zone/);
    assert.match(res.text, /data-field-error="days">Choose at least one working day\./);
    assert.match(res.text, /data-field-error="end">The end must be after the start\./);
    assert.match(res.text, /value="Moon\/Base"/);
    assert.equal(app.ctx.services.calendar.calendar.settings.timeZone, 'UTC', 'unchanged');
  });

  it('counts a working-time SLA across a weekend and a holiday, and a change applies to the next card at once', async () => {
    assert.equal((await save({ time_zone: 'Europe/Moscow', days: ['1', '2', '3', '4', '5'], start: '09:00', end: '18:00' })).status, 303);
    const added = await admin.post('/admin/calendar/holidays', { day: '2030-01-07', name: 'Рождество' }, { from: '/admin/calendar' });
    assert.equal(added.status, 303);
    const calendar = app.ctx.services.calendar.calendar;
    assert.deepEqual(calendar.settings, { timeZone: 'Europe/Moscow', days: [1, 2, 3, 4, 5], start: 540, end: 1080 });
    assert.equal(calendar.isHoliday('2030-01-07'), true);

    // Friday 2030-01-04 14:00 Moscow (11:00Z) + 16 working hours: 4 h Friday, the weekend, Monday the 7th a
    // holiday, 9 h Tuesday, 3 h Wednesday → Wednesday 12:00 Moscow = 09:00Z.
    const from = Date.parse('2030-01-04T11:00:00Z');
    assert.equal(calendar.addWorking(new Date(from), 16 * H).toISOString(), '2030-01-09T09:00:00.000Z');

    // A card made now is due after 16 working hours of this calendar, whatever today is.
    const op = await sessionUserFor(app.ctx, 'op@example.com', { roles: ['operator'] });
    const input = { title: 'Cold tea', customer: 'ACME', channel: 'phone', severity: 'low', details: 'Cold.' };
    const before = Date.now();
    const card = await app.ctx.services.cards.create(op, 'complaint', input);
    const expected = app.ctx.services.calendar.calendar.addWorking(new Date(before), 16 * H).getTime();
    assert.ok(Math.abs(card.due_at!.getTime() - expected) < 60_000, `${card.due_at?.toISOString()} ≈ ${new Date(expected).toISOString()}`);
    assert.ok(card.due_at!.getTime() - before > 16 * H, 'working time is longer than calendar time');

    // Every day a working day, all day long: the same SLA is then 16 hours of calendar time.
    await save({ time_zone: 'UTC', days: ['1', '2', '3', '4', '5', '6', '7'], start: '00:00', end: '24:00' });
    const t0 = Date.now();
    const next = await app.ctx.services.cards.create(op, 'complaint', input);
    assert.ok(Math.abs(next.due_at!.getTime() - (t0 + 16 * H)) < 60_000, 'the new calendar applies at once');
  });

  it('imports holidays from iCalendar text, refuses what is not one, and removes one', async () => {
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//t//EN',
      'BEGIN:VEVENT',
      'UID:a',
      'DTSTART;VALUE=DATE:20300501',
      'DTEND;VALUE=DATE:20300503',
      'SUMMARY:May days',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const ok = await admin.post('/admin/calendar/holidays/import', { ics }, { from: '/admin/calendar' });
    assert.equal(ok.status, 303);
    const page = await admin.get('/admin/calendar');
    assert.match(page.text, /2 holidays imported\./);
    assert.match(page.text, /<tr data-day="2030-05-01">[\s\S]*?May days/);
    assert.match(page.text, /<tr data-day="2030-05-02">/);

    const bad = await admin.post('/admin/calendar/holidays/import', { ics: 'not a calendar at all' }, { from: '/admin/calendar' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /data-field-error="ics">This is not an iCalendar file: /);
    assert.match(bad.text, />not a calendar at all<\/textarea>/, 'the text is kept');

    const gone = await admin.post('/admin/calendar/holidays/2030-05-02/delete', {}, { from: '/admin/calendar' });
    assert.equal(gone.status, 303);
    assert.equal(app.ctx.services.calendar.calendar.isHoliday('2030-05-02'), false);
    assert.equal(app.ctx.services.calendar.calendar.isHoliday('2030-05-01'), true);
    const nonsense = await admin.post('/admin/calendar/holidays/2030-02-30/delete', {}, { from: '/admin/calendar' });
    assert.equal(nonsense.status, 400);
    const badDay = await admin.post('/admin/calendar/holidays', { day: '2030-02-30', name: 'x' }, { from: '/admin/calendar' });
    assert.match(badDay.text, /data-field-error="day">“2030-02-30” is not a date\./);
  });

  it('is for superusers only, with CSRF', async () => {
    await makeUser(app.ctx, 'plain@example.com', { roles: ['operator'] });
    const op = app.client();
    await op.login('plain@example.com', PASSWORD);
    assert.equal((await op.get('/admin/calendar')).status, 403);
    assert.equal((await op.post('/admin/calendar/holidays', { day: '2031-01-01', name: 'x' }, { from: '/' })).status, 403);
    assert.equal((await admin.post('/admin/calendar/holidays', { day: '2031-01-01', name: 'x' }, { csrf: false })).status, 403);
    assert.equal(app.ctx.services.calendar.calendar.isHoliday('2031-01-01'), false);
  });
});
