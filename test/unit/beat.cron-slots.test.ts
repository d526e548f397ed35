// The beat's cron parser: five UTC fields, the latest slot at or before a
// time, and errors that name the field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CronError, parseCron } from '#app/beat/cron';
import { dueSlots } from '#app/beat/beat';
import { compileSchedule } from '#app/beat/schedule';
import { SCHEDULE } from '#app/jobs/index';

const prev = (expr: string, at: string) => parseCron(expr).prev(new Date(at))?.toISOString() ?? null;

describe('cron', () => {
  it('finds the latest slot at or before a time', () => {
    assert.equal(prev('* * * * *', '2026-03-01T10:07:59.999Z'), '2026-03-01T10:07:00.000Z');
    assert.equal(prev('15 3 * * *', '2026-03-01T03:15:00Z'), '2026-03-01T03:15:00.000Z');
    assert.equal(prev('15 3 * * *', '2026-03-01T03:14:59Z'), '2026-02-28T03:15:00.000Z');
    assert.equal(prev('*/15 * * * *', '2026-03-01T10:44:00Z'), '2026-03-01T10:30:00.000Z');
    assert.equal(prev('0 9-17/4 * * *', '2026-03-01T16:00:00Z'), '2026-03-01T13:00:00.000Z');
    assert.equal(prev('0 0 1 1 *', '2026-03-01T00:00:00Z'), '2026-01-01T00:00:00.000Z');
    assert.equal(prev('30 8 * * 1-5', '2026-03-01T12:00:00Z'), '2026-02-27T08:30:00.000Z'); // Sunday → Friday
    assert.equal(prev('0 0 * * 7', '2026-03-03T00:00:00Z'), '2026-03-01T00:00:00.000Z'); // 7 is Sunday
    assert.equal(prev('0 0 29 2 *', '2026-03-01T00:00:00Z'), '2024-02-29T00:00:00.000Z');
    assert.equal(prev('5,10 0 * * *', '2026-03-01T00:07:00Z'), '2026-03-01T00:05:00.000Z');
  });

  it('fires on either day field when both are restricted (Vixie cron)', () => {
    const c = parseCron('0 0 13 * 5'); // the 13th, or any Friday
    assert.equal(c.matches(new Date('2026-03-13T00:00:00Z')), true); // a Friday the 13th
    assert.equal(c.matches(new Date('2026-03-06T00:00:00Z')), true); // a Friday
    assert.equal(c.matches(new Date('2026-04-13T00:00:00Z')), true); // a Monday the 13th
    assert.equal(c.matches(new Date('2026-03-07T00:00:00Z')), false);
  });

  it('refuses bad expressions naming the field', () => {
    // The reason after the field is cron-parser's own wording.
    for (const [expr, msg] of [
      ['* * * *', /expected 5 fields/],
      ['* * * * * *', /expected 5 fields/], // no seconds field: a slot is a minute
      ['60 * * * *', /minute "60": .*\b60\b.*0-59/],
      ['* 24 * * *', /hour "24": .*\b24\b.*0-23/],
      ['* * 0 * *', /day of month "0": .*1-31/],
      ['* * * FOO *', /month "FOO": .*foo/i],
      ['* * * * 8', /day of week "8": .*0-7/],
      ['*/0 * * * *', /minute "\*\/0": .*repeat/],
      ['5-1 * * * *', /minute "5-1": .*range/],
    ] as const) {
      assert.throws(
        () => parseCron(expr),
        (err: Error) => err instanceof CronError && msg.test(err.message),
        expr,
      );
    }
  });

  it('takes month and weekday names and the last day of the month', () => {
    assert.equal(prev('0 6 * JAN MON', '2026-03-01T00:00:00Z'), '2026-01-26T06:00:00.000Z');
    assert.equal(prev('0 0 L * *', '2026-03-01T00:00:00Z'), '2026-02-28T00:00:00.000Z');
  });

  it('lists due slots oldest first, latest `cap` of them, only the current one on a first run', () => {
    const c = parseCron('* * * * *');
    const at = new Date('2026-03-01T10:10:30Z');
    assert.deepEqual(
      dueSlots(c, at, null, 1000).slots.map((d) => d.toISOString()),
      ['2026-03-01T10:10:00.000Z'],
    );
    const due = dueSlots(c, at, new Date('2026-03-01T10:07:00Z'), 1000);
    assert.deepEqual(
      due.slots.map((d) => d.toISOString()),
      ['2026-03-01T10:08:00.000Z', '2026-03-01T10:09:00.000Z', '2026-03-01T10:10:00.000Z'],
    );
    assert.equal(due.more, false);
    const capped = dueSlots(c, at, new Date('2026-03-01T10:00:00Z'), 2);
    assert.deepEqual(
      capped.slots.map((d) => d.toISOString()),
      ['2026-03-01T10:09:00.000Z', '2026-03-01T10:10:00.000Z'],
    );
    assert.equal(capped.more, true);
    assert.deepEqual(dueSlots(c, at, new Date('2026-03-01T10:30:00Z'), 1000).slots, [], 'a clock behind the last run fires nothing');
  });

  it('compiles the schedule and refuses a bad entry with its name', () => {
    assert.equal(compileSchedule(SCHEDULE).length, SCHEDULE.length);
    assert.throws(
      () => compileSchedule([{ name: 'x', kind: 'jobs.sweep', cron: '0 0 30 2 *', catchUp: 'once', payload: {} }]),
      /schedule entry "x": cron "0 0 30 2 \*" never fires/,
    );
    assert.throws(() => compileSchedule([SCHEDULE[0], SCHEDULE[0]]), /appears twice/);
  });
});
