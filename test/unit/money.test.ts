import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { assertMinor, formatMoney, roundMinor } from '../../src/domain/shared/money.ts';

test('formats kopecks in Russian and English', () => {
  assert.equal(formatMoney(12345, 'ru'), '123,45\u00a0₽');
  assert.equal(formatMoney(-5, 'ru'), '-0,05\u00a0₽');
  assert.equal(formatMoney(123456789, 'ru'), '1\u00a0234\u00a0567,89\u00a0₽');
  assert.equal(formatMoney(123456789, 'en'), 'RUB 1,234,567.89');
});

test('refuses floats as money', () => {
  assert.throws(() => assertMinor(1.5), RangeError);
  assert.throws(() => formatMoney(0.1, 'ru'), RangeError);
});

test('rounding books half a kopeck away from zero and never changes whole amounts', () => {
  assert.equal(roundMinor(0.5), 1);
  assert.equal(roundMinor(-0.5), -1);
  assert.equal(roundMinor(2.49), 2);
  fc.assert(fc.property(fc.integer({ min: -1e12, max: 1e12 }), (n) => roundMinor(n) === n));
  fc.assert(fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), (x) => Math.abs(roundMinor(x) - x) <= 0.5));
});
