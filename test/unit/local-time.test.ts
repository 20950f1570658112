import assert from 'node:assert/strict';
import { test } from 'node:test';
import { billingDayIn, dailyPeriod, monthlyPeriod, startOfNextLocalDay } from '../../src/domain/shared/local-time.ts';

test('a local day starts at the region’s own midnight', () => {
  // 23:30 UTC on 9 March is already 10 March in Vladivostok (UTC+10) and still 9 March in Kaliningrad (UTC+2).
  const at = new Date('2026-03-09T23:30:00Z');
  assert.equal(dailyPeriod(at, 'Asia/Vladivostok').start.toISOString(), '2026-03-09T14:00:00.000Z');
  assert.equal(dailyPeriod(at, 'Europe/Kaliningrad').start.toISOString(), '2026-03-09T22:00:00.000Z');
  assert.equal(startOfNextLocalDay(at, 'Europe/Moscow').toISOString(), '2026-03-10T21:00:00.000Z');
});

test('billing day 31 falls on the last day of short months and comes back after', () => {
  const tz = 'Europe/Moscow';
  const jan31 = new Date('2026-01-30T21:00:00Z'); // 31 Jan 00:00 MSK
  assert.equal(billingDayIn(jan31, tz, 31, 1).toISOString(), '2026-02-27T21:00:00.000Z'); // 28 Feb
  assert.equal(billingDayIn(jan31, tz, 31, 2).toISOString(), '2026-03-30T21:00:00.000Z'); // 31 Mar
  assert.equal(billingDayIn(jan31, tz, 31, 3).toISOString(), '2026-04-29T21:00:00.000Z'); // 30 Apr
  assert.equal(billingDayIn(new Date('2028-01-15T12:00:00Z'), tz, 30, 1).toISOString(), '2028-02-28T21:00:00.000Z'); // 29 Feb, leap year
});

test('a monthly period contains its instant and ends on the next billing day', () => {
  const tz = 'Asia/Yekaterinburg';
  for (const iso of ['2026-01-01T00:00:00Z', '2026-02-28T18:59:59Z', '2026-02-28T19:00:00Z', '2026-12-31T23:00:00Z']) {
    const at = new Date(iso);
    for (const day of [1, 15, 28, 29, 30, 31]) {
      const p = monthlyPeriod(at, tz, day);
      assert.ok(p.start.getTime() <= at.getTime() && at.getTime() < p.end.getTime(), `${iso} day ${day}`);
      const days = (p.end.getTime() - p.start.getTime()) / 86_400_000;
      assert.ok(days >= 28 && days <= 31, `${iso} day ${day}: ${days} days`);
    }
  }
});
