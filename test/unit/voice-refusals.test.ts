import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sayRefusal, speakable } from '../../src/channels/voice/voice-texts.ts';
import { errorMessage } from '../../src/domain/shared/error-messages.ts';

test('a refusal is the error code\'s message with its money in words, the words around it kept apart', () => {
  const funds = { code: 'INSUFFICIENT_FUNDS' as const, params: { required: 3350, available: 120_000 } };
  assert.equal(sayRefusal(funds, 'ru'), 'Недостаточно средств: нужно тридцать три рубля пятьдесят копеек, доступно одна тысяча двести рублей');
  assert.equal(sayRefusal(funds, 'en'), 'Not enough money: thirty-three roubles and fifty kopecks needed, one thousand two hundred roubles available');
  assert.equal(speakable('Баланс -5,01\u00a0₽', 'ru'), 'Баланс минус пять рублей одна копейка');
  assert.equal(sayRefusal({ code: 'PROMISED_PAYMENT_UNAVAILABLE', params: { reason: 'trust_limit' } }, 'ru'), errorMessage('PROMISED_PAYMENT_UNAVAILABLE', { reason: 'trust_limit' }, 'ru'));
});

test('an amount out of bounds is said with both bounds as money, in the nominative a speech engine reads right', () => {
  const r = { code: 'AMOUNT_NOT_ALLOWED' as const, params: { min: 1000, max: 1_500_000 } };
  assert.equal(sayRefusal(r, 'ru'), 'Такую сумму принять нельзя: наименьшая — десять рублей, наибольшая — пятнадцать тысяч рублей');
  assert.equal(sayRefusal(r, 'en'), 'The amount must be between ten roubles and fifteen thousand roubles');
  assert.equal(sayRefusal({ code: 'AMOUNT_NOT_ALLOWED', params: { min: 100, max: 25_050 } }, 'ru'), 'Такую сумму принять нельзя: наименьшая — один рубль, наибольшая — двести пятьдесят рублей пятьдесят копеек');
});
