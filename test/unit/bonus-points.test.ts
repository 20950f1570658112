import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { pointsFor } from '../../src/domain/bonus/earn-points.ts';

test('points for a charge: floor(kopecks × rate / 100), whole points, rounded down once per charge', () => {
  assert.equal(pointsFor(3_000, 1), 30);
  assert.equal(pointsFor(350, 1), 3);
  assert.equal(pointsFor(99, 1), 0);
  assert.equal(pointsFor(250, 2), 5);
  assert.equal(pointsFor(0, 1), 0);
  assert.equal(pointsFor(1_000, 0), 0);
});

test('a fractional rate is taken as the decimal it is written as, not its binary approximation', () => {
  assert.equal(pointsFor(300, 0.7), 2, '0,7 × 3 ₽ = 2,1');
  assert.equal(pointsFor(1_000, 0.7), 7, '0,7 × 10 ₽ = 7 exactly, not 6,9999…');
  assert.equal(pointsFor(10_000, 0.29), 29, '0,29 × 100 ₽ = 29 exactly (0.29 × 100 is 28.999… in binary)');
  assert.equal(pointsFor(100, 1.1), 1);
  assert.equal(pointsFor(1_000, 1e-7), 0);
  // Against exact integer arithmetic over rates with up to three decimals.
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1e12 }), fc.integer({ min: 1, max: 10_000 }), (spent, milli) => {
      const expected = Number((BigInt(spent) * BigInt(milli)) / 100_000n);
      return pointsFor(spent, milli / 1000) === expected;
    }),
  );
});

test('points over charges are the sum of each charge’s points, not the points of the sum', () => {
  const charges = [250, 250, 250, 750];
  assert.equal(charges.reduce((s, c) => s + pointsFor(c, 1), 0), 13);
  assert.equal(pointsFor(charges.reduce((s, c) => s + c, 0), 1), 15);
});
