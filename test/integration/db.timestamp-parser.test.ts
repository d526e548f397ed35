// The pool's timestamptz parser (app/db/pg-types.ts) against PostgreSQL
// itself: for thousands of instants printed in zones with whole-hour,
// half-hour and seconds offsets, the parsed Date is the instant PostgreSQL
// computes (epoch milliseconds, truncated as Date keeps them); the shapes it
// leaves to pg's parser (BC, infinity, five-digit and two-digit years) come
// out as pg's parser makes them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { parseTimestamptz, poolTypes } from '#app/db/pg-types';

const ZONES = [
  'UTC',
  'Asia/Kolkata',
  'America/St_Johns',
  'Europe/Amsterdam',
  'Africa/Monrovia',
  'Pacific/Kiritimati',
  'America/Los_Angeles',
  'Asia/Kathmandu',
];

// Which seconds offsets a zone had, and when, depends on the zone data the
// server was built with (Debian's PostgreSQL has Amsterdam's +00:19:32 of the
// 1930s; the embedded one's data merged Amsterdam into Brussels and has only
// its local mean time, +00:17:30, before 1892). So the instants come from the
// server's own history: a year-by-year walk from 1800 to 1975 crosses every
// zone's local mean time and Monrovia's -00:44:30 (until 1972), whatever the
// zone data says exactly.
const SECONDS_OFFSET = /[+-]\d\d:\d\d:\d\d$/;

async function withClient<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: process.env.ORBIS_TEST_ADMIN_URL, types: poolTypes });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe('the timestamptz parser', () => {
  it('gives the instant PostgreSQL means, in every zone and with microseconds', async () => {
    await withClient(async (c) => {
      let checked = 0;
      for (const zone of ZONES) {
        await c.query(`set time zone '${zone}'`);
        // 1900…2100, random microseconds (some whole seconds, some .5, some
        // with trailing zeros dropped by PostgreSQL), and the historic walk
        // that prints the zone's seconds offsets (e.g. +00:17:30, -00:44:30).
        const { rows } = await c.query<{ ts: Date; text: string; ms: string }>(`
          with s as (
            select timestamptz '1900-01-01 00:00:00+00' + (random() * 200 * 365.25) * interval '1 day'
                   + (case g % 4 when 0 then 0 when 1 then 0.5 else random() end) * interval '1 second' as ts
              from generate_series(1, 1500) g
            union all select timestamptz '1930-06-01 12:00:00.25+00'
            union all select h from generate_series(timestamptz '1800-01-01 00:00:00.125+00', timestamptz '1975-01-01 00:00:00+00',
                                                    interval '1 year 17 days 3 hours 7.654321 seconds') h
            union all select timestamptz '1970-01-01 00:00:00+00'
            union all select timestamptz '1969-12-31 23:59:59.999999+00'
          )
          select ts, ts::text as text, floor(extract(epoch from ts) * 1000)::bigint::text as ms from s`);
        for (const r of rows) {
          assert.ok(r.ts instanceof Date, `${r.text} parsed to a Date`);
          assert.equal(r.ts.getTime(), Number(r.ms), `${zone}: ${r.text}`);
          checked++;
        }
        const seconds = rows.filter((r) => SECONDS_OFFSET.test(r.text)).map((r) => r.text.slice(-9));
        if (zone === 'Europe/Amsterdam')
          assert.ok(
            seconds.some((o) => o.startsWith('+')),
            `a positive seconds offset was in the text: ${seconds.join(' ')}`,
          );
        if (zone === 'Africa/Monrovia')
          assert.ok(
            seconds.some((o) => o.startsWith('-')),
            `a negative seconds offset was in the text: ${seconds.join(' ')}`,
          );
        if (zone === 'UTC') assert.deepEqual(seconds, []);
        if (zone === 'Asia/Kolkata')
          assert.ok(
            rows.some((r) => /\+05:30$/.test(r.text)),
            'a half-hour offset was in the text',
          );
      }
      assert.ok(checked > 10_000);
    });
  });

  it('leaves the unusual shapes to pg', async () => {
    const pgParse = pg.types.getTypeParser(1184, 'text') as (s: string) => unknown;
    for (const text of [
      'infinity',
      '-infinity',
      '0044-03-15 12:00:00+00 BC',
      '12345-01-01 00:00:00+00',
      '0050-06-01 10:00:00+00',
      '2026-11-24 22:47:10+05:30:15',
    ]) {
      const mine = parseTimestamptz(text);
      const theirs = pgParse(text);
      assert.equal(mine instanceof Date ? mine.getTime() : mine, theirs instanceof Date ? theirs.getTime() : theirs, text);
    }
    assert.equal((parseTimestamptz('0050-06-01 10:00:00+00') as Date).getUTCFullYear(), 50);
  });
});
