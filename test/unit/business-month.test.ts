import assert from 'node:assert/strict';
import { test } from 'node:test';
import { businessMonthNow } from '../../web/src/business/month.ts';

test("the business portal's month is Moscow's, whatever the device's zone", () => {
  assert.equal(businessMonthNow(new Date('2026-11-30T20:59:59Z')), '2026-11', '23:59:59 on 30 November in Moscow');
  assert.equal(businessMonthNow(new Date('2026-11-30T21:00:00Z')), '2026-12', 'midnight of 1 December in Moscow, still November in UTC');
  assert.equal(businessMonthNow(new Date('2026-12-31T22:30:00Z')), '2027-01');
});
