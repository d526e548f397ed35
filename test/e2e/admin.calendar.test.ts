// /admin/calendar in a real browser (issue 17 item 8): the working week
// saved, a refused time named at its field, holidays imported from an .ics
// file chosen in the file picker (read into the form by the page), one added
// by hand and one removed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { makeUser, startTestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';

describe('/admin/calendar in a real browser', () => {
  it('saves the week, imports an .ics file and edits holidays', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await startTestApp();
    await makeUser(app.ctx, 'root@example.com', { superuser: true });
    const page = await newPage(browser, app.url);
    await signIn(page, 'root@example.com', 'correct horse battery');
    await page.goto('/admin/calendar');

    await page.fill('#f-time_zone', 'Europe/Moscow');
    await page.uncheck('#day-5');
    await page.fill('#f-start', '10:00');
    await page.fill('#f-end', '08:00');
    await page.click('[data-testid=week-form] button[type=submit]');
    assert.match(await page.locator('[data-field-error=end]').innerText(), /after the start/);
    assert.equal(await page.inputValue('#f-time_zone'), 'Europe/Moscow', 'kept');
    await page.fill('#f-end', '19:00');
    await page.click('[data-testid=week-form] button[type=submit]');
    await page.waitForSelector('text=Working week saved; it applies now.');
    assert.deepEqual(app.ctx.services.calendar.calendar.settings, { timeZone: 'Europe/Moscow', days: [1, 2, 3, 4], start: 600, end: 1140 });

    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ics-')), 'holidays.ics');
    const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN'];
    lines.push(
      'BEGIN:VEVENT',
      'UID:1',
      'DTSTART;VALUE=DATE:20310101',
      'DTEND;VALUE=DATE:20310103',
      'SUMMARY:Новый год',
      'END:VEVENT',
      'END:VCALENDAR',
    );
    fs.writeFileSync(file, lines.join('\r\n'));
    await page.setInputFiles('#f-ics-file', file);
    await page.waitForFunction(() => (document.getElementById('f-ics') as HTMLTextAreaElement).value.includes('BEGIN:VCALENDAR'));
    await page.click('[data-testid=import-form] button[type=submit]');
    await page.waitForSelector('text=2 holidays imported.');
    assert.equal(await page.locator('[data-testid=holidays] tr[data-day]').count(), 2);

    await page.fill('#f-day', '2031-03-08');
    await page.fill('#f-name', 'Women’s day');
    await page.click('[data-testid=holiday-form] button[type=submit]');
    await page.waitForSelector('text=2031-03-08 is a holiday now.');
    await page.click('tr[data-day="2031-01-02"] button');
    await page.waitForSelector('text=2031-01-02 is no longer a holiday.');
    assert.deepEqual(
      await page.locator('[data-testid=holidays] tr[data-day]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-day'))),
      ['2031-01-01', '2031-03-08'],
    );
    await screenshot(page, 'admin-calendar');
  });
});
