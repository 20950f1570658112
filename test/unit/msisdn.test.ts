import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatMsisdn, normalizeMsisdn } from '../../src/domain/shared/msisdn.ts';
import { phoneNumber } from '../../web/src/format.ts';

test('normalises every common Russian form to E.164 digits', () => {
  for (const input of ['+7 900 123-45-67', '89001234567', '9001234567', '8 (900) 123 45 67', '+7(900)1234567', '7 900 123 45 67', ' 9001234567 ']) {
    assert.equal(normalizeMsisdn(input), '79001234567', input);
  }
});

test('keeps international numbers written with + or 00', () => {
  assert.equal(normalizeMsisdn('+44 20 7946 0958'), '442079460958');
  assert.equal(normalizeMsisdn('00442079460958'), '442079460958');
});

test('rejects what is not a phone number', () => {
  for (const bad of ['', 'abc', '12345', '+7 900 123', '790012345678', '7900123456a', '💩', '9'.repeat(40), '+0 123 456 789', '8900123456']) {
    assert.equal(normalizeMsisdn(bad), null, bad);
  }
});

test('formats Russian numbers for people', () => {
  assert.equal(formatMsisdn('79001234567'), '+7 900 123-45-67');
  assert.equal(formatMsisdn('442079460958'), '+442079460958');
});

test('the web app writes a number exactly as the server does: one format in the app, reports, bills and exports', () => {
  for (const n of ['79001234567', '79253351245', '442079460958', '4915112345678', '8111', '900', 'Alice']) {
    assert.equal(phoneNumber(n), formatMsisdn(n), n);
  }
  assert.equal(formatMsisdn('79253351245'), '+7 925 335-12-45');
  assert.equal(formatMsisdn('8111'), '8111', 'a short code stays as it is');
});
