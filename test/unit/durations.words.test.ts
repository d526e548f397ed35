import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durationMs, formatDuration } from '#app/services/durations';

describe('durations in words', () => {
  for (const [iso, en, ru] of [
    ['P2D', '2 days', '2 дня'],
    ['P1D', '1 day', '1 день'],
    ['P1DT4H', '1 day 4 hours', '1 день 4 часа'],
    ['PT4H', '4 hours', '4 часа'],
    ['PT36H', '36 hours', '36 часов'],
    ['P1W2DT30M', '1 week 2 days 30 minutes', '1 неделя 2 дня 30 минут'],
    ['P1Y2M', '1 year 2 months', '1 год 2 месяца'],
    ['PT1.5S', '1.5 seconds', '1,5 секунды'],
    ['P0D', '0 seconds', '0 секунд'],
  ] as const) {
    it(`${iso} reads "${en}" (and "${ru}" in Russian)`, () => {
      assert.equal(formatDuration(iso), en);
      assert.equal(formatDuration(iso, 'en'), en);
      assert.equal(formatDuration(iso, 'ru'), ru);
    });
  }

  it('gives back text that is not an ISO-8601 duration unchanged', () => {
    for (const s of ['', 'P', '2 days', 'PT', 'P1H']) assert.equal(formatDuration(s), s);
  });

  it('still counts milliseconds as the card types expect', () => {
    assert.equal(durationMs('P1DT4H'), 28 * 3600_000);
    assert.equal(durationMs('P1H'), null);
  });
});
