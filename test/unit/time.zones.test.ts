import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDate, utcToZonedInput, zonedToUtc } from '#app/services/time';

describe('time zones', () => {
  it('converts a typed wall-clock time in the user zone to UTC, DST included', () => {
    assert.equal(zonedToUtc('2026-01-15T09:00', 'Europe/Berlin')!.toISOString(), '2026-01-15T08:00:00.000Z');
    assert.equal(zonedToUtc('2026-07-15T09:00', 'Europe/Berlin')!.toISOString(), '2026-07-15T07:00:00.000Z');
    assert.equal(zonedToUtc('2026-03-29T01:59', 'Europe/Berlin')!.toISOString(), '2026-03-29T00:59:00.000Z');
    assert.equal(zonedToUtc('2026-03-29T03:00', 'Europe/Berlin')!.toISOString(), '2026-03-29T01:00:00.000Z');
    // 02:30 does not exist that night: clocks jump from 02:00 to 03:00.
    assert.equal(zonedToUtc('2026-03-29T02:30', 'Europe/Berlin')!.toISOString(), '2026-03-29T01:30:00.000Z');
    // 02:30 happens twice on 25 October: the first one (summer time).
    assert.equal(zonedToUtc('2026-10-25T02:30', 'Europe/Berlin')!.toISOString(), '2026-10-25T00:30:00.000Z');
    assert.equal(zonedToUtc('2026-06-01T12:00', 'America/New_York')!.toISOString(), '2026-06-01T16:00:00.000Z');
    assert.equal(zonedToUtc('2026-06-01T12:00', 'UTC')!.toISOString(), '2026-06-01T12:00:00.000Z');
  });

  it('round-trips to the datetime-local value', () => {
    for (const tz of ['Europe/Berlin', 'Asia/Kolkata', 'America/Los_Angeles', 'UTC']) {
      for (const v of ['2026-01-15T09:00', '2026-07-31T23:45', '2026-10-25T04:00']) {
        assert.equal(utcToZonedInput(zonedToUtc(v, tz), tz), v, `${v} in ${tz}`);
      }
    }
  });

  it('refuses impossible dates and times', () => {
    assert.equal(zonedToUtc('2026-02-30T10:00', 'UTC'), null);
    assert.equal(zonedToUtc('2026-01-01T24:00', 'UTC'), null);
    assert.equal(zonedToUtc('tomorrow', 'UTC'), null);
    assert.equal(parseDate('2026-02-30'), null);
    assert.equal(parseDate('2028-02-29'), '2028-02-29');
    assert.equal(parseDate('2026-13-01'), null);
  });
});
