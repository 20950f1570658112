import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isGsm7Basic } from '../../src/text/gsm7.ts';
import type { PriceFacts } from '../../src/text/price-facts.ts';
import { stateChargedToday, statePrice } from '../../src/text/price.ts';

const NBSP = '\u00a0';
const facts = (f: Partial<PriceFacts> & Pick<PriceFacts, 'price' | 'period'>): PriceFacts => ({ connectionFee: 0, commission: 0, chargedToday: 0, ...f });

const turbo = facts({ price: 10_000, period: 'once', chargedToday: 10_000 }); // "Турбо-кнопка 1 ГБ"
const monthly = facts({ price: 7_500, period: 'month', chargedToday: 7_500 });
const roaming = facts({ price: 350, period: 'day', connectionFee: 3_000, chargedToday: 3_350 }); // «Везде как дома»
const promised = facts({ price: 10_000, period: 'once', commission: 700 });
const free = facts({ price: 0, period: 'month' });

test('on a screen: "100 ₽ разово", "75 ₽/мес", "3,50 ₽/день + подключение 30 ₽" and the English equivalents', () => {
  assert.equal(statePrice(turbo, 'ru'), `100${NBSP}₽ разово`);
  assert.equal(statePrice(monthly, 'ru', 'text'), `75${NBSP}₽/мес`);
  assert.equal(statePrice(roaming, 'ru'), `3,50${NBSP}₽/день + подключение 30${NBSP}₽`);
  assert.equal(statePrice(promised, 'ru'), `100${NBSP}₽ разово + комиссия 7${NBSP}₽`);
  assert.equal(statePrice(free, 'ru'), 'бесплатно');
  assert.equal(statePrice(facts({ price: 0, period: 'month', connectionFee: 5_000 }), 'ru'), `подключение 50${NBSP}₽`);
  assert.equal(statePrice(turbo, 'en'), 'RUB 100 once');
  assert.equal(statePrice(monthly, 'en'), 'RUB 75/month');
  assert.equal(statePrice(roaming, 'en'), 'RUB 3.50/day + RUB 30 to connect');
  assert.equal(statePrice(promised, 'en'), 'RUB 100 once + RUB 7 fee');
  assert.equal(statePrice(free, 'en'), 'free');
});

test('in USSD Latin: the Russian statement transliterated, in the GSM basic table', () => {
  assert.equal(statePrice(turbo, 'ru', 'translit'), '100 rub razovo');
  assert.equal(statePrice(monthly, 'ru', 'translit'), '75 rub/mes');
  assert.equal(statePrice(roaming, 'ru', 'translit'), '3,50 rub/den + podklyuchenie 30 rub');
  assert.equal(statePrice(promised, 'ru', 'translit'), '100 rub razovo + komissiya 7 rub');
  assert.equal(statePrice(roaming, 'en', 'translit'), 'RUB 3.50/day + RUB 30 to connect');
  assert.equal(stateChargedToday(roaming, 'ru', 'translit'), 'Spishem seychas 33,50 rub');
});

test('spoken: the same facts in words with the numerals agreeing', () => {
  assert.equal(statePrice(turbo, 'ru', 'speech'), 'сто рублей разово');
  assert.equal(statePrice(monthly, 'ru', 'speech'), 'семьдесят пять рублей в месяц');
  assert.equal(statePrice(roaming, 'ru', 'speech'), 'три рубля пятьдесят копеек в день и тридцать рублей за подключение');
  assert.equal(statePrice(promised, 'ru', 'speech'), 'сто рублей разово и комиссия семь рублей');
  assert.equal(statePrice(facts({ price: 2_100, period: 'day' }), 'ru', 'speech'), 'двадцать один рубль в день');
  assert.equal(statePrice(facts({ price: 201, period: 'day' }), 'ru', 'speech'), 'два рубля одна копейка в день');
  assert.equal(statePrice(free, 'ru', 'speech'), 'бесплатно');
  assert.equal(statePrice(turbo, 'en', 'speech'), 'one hundred roubles once');
  assert.equal(statePrice(monthly, 'en', 'speech'), 'seventy-five roubles a month');
  assert.equal(statePrice(roaming, 'en', 'speech'), 'three roubles and fifty kopecks a day and thirty roubles to connect');
  assert.equal(statePrice(promised, 'en', 'speech'), 'one hundred roubles once and a fee of seven roubles');
  assert.equal(statePrice(facts({ price: 100, period: 'month' }), 'en', 'speech'), 'one rouble a month');
});

test('what is charged today, in each style; nothing charged is said so', () => {
  assert.equal(stateChargedToday(roaming, 'ru'), `Спишем сейчас 33,50${NBSP}₽`);
  assert.equal(stateChargedToday(roaming, 'en'), 'RUB 33.50 is charged now');
  assert.equal(stateChargedToday(roaming, 'ru', 'speech'), 'сейчас спишем тридцать три рубля пятьдесят копеек');
  assert.equal(stateChargedToday(roaming, 'en', 'speech'), 'thirty-three roubles and fifty kopecks is charged now');
  assert.equal(stateChargedToday(promised, 'ru'), 'Сейчас ничего не спишем');
  assert.equal(stateChargedToday(promised, 'en', 'speech'), 'nothing is charged now');
});

test('refuses facts that are not whole kopecks', () => {
  assert.throws(() => statePrice(facts({ price: 1.5, period: 'day' }), 'ru'), RangeError);
  assert.throws(() => statePrice(facts({ price: 100, period: 'day', connectionFee: -1 }), 'ru'), RangeError);
  assert.throws(() => stateChargedToday(facts({ price: 100, period: 'day', chargedToday: Number.NaN }), 'en'), RangeError);
});

const anyFacts: fc.Arbitrary<PriceFacts> = fc.record({
  price: fc.integer({ min: 0, max: 10_000_000 }),
  period: fc.constantFrom('once', 'day', 'month'),
  connectionFee: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000_000 })),
  commission: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100_000 })),
  chargedToday: fc.integer({ min: 0, max: 10_000_000 }),
});

test('property: every style states every non-zero amount, and Latin stays in the GSM basic table', () => {
  fc.assert(
    fc.property(anyFacts, (f) => {
      const text = statePrice(f, 'ru');
      const amounts = [...text.matchAll(/([\d\u00a0]+(?:,\d\d)?)\u00a0₽/g)].map((m) => Math.round(Number(m[1]!.replace(/\u00a0/g, '').replace(',', '.')) * 100));
      const want = [f.price > 0 || (f.connectionFee === 0 && f.commission === 0) ? f.price : null, f.connectionFee || null, f.commission || null].filter((x) => x !== null);
      if (want.every((x) => x === 0)) assert.equal(text, 'бесплатно');
      else assert.deepEqual(amounts, want, text);
      for (const lang of ['ru', 'en'] as const) {
        assert.ok(isGsm7Basic(statePrice(f, lang, 'translit')));
        assert.ok(isGsm7Basic(stateChargedToday(f, lang, 'translit')));
        assert.ok(!/\d/.test(statePrice(f, lang, 'speech')), 'speech has no digits');
        assert.ok(!/\d/.test(stateChargedToday(f, lang, 'speech')));
      }
    }),
  );
});

test('the kept melodies a connection resumes follow the price, and what is charged now is the whole — on a screen, in Latin and spoken', () => {
  const ringback = facts({
    price: 250,
    period: 'day',
    chargedToday: 250 + 150 + 2_500,
    melodies: [
      { title: { ru: 'Калинка', en: 'Kalinka' }, price: 150, period: 'day' },
      { title: { ru: 'Коробейники', en: 'Korobeiniki' }, price: 2_500, period: 'month' },
    ],
  });
  assert.equal(statePrice(ringback, 'ru'), `2,50${NBSP}₽/день и мелодии: «Калинка» 1,50${NBSP}₽/день, «Коробейники» 25${NBSP}₽/мес`);
  assert.equal(statePrice(ringback, 'en'), 'RUB 2.50/day plus melodies: "Kalinka" RUB 1.50/day, "Korobeiniki" RUB 25/month');
  assert.equal(stateChargedToday(ringback, 'ru'), `Всего спишем сейчас 29${NBSP}₽`);
  assert.equal(stateChargedToday(ringback, 'en'), 'RUB 29 in all is charged now');
  assert.equal(statePrice(ringback, 'ru', 'translit'), '2,50 rub/den i melodii: "Kalinka" 1,50 rub/den, "Korobeyniki" 25 rub/mes');
  assert.equal(stateChargedToday(ringback, 'ru', 'translit'), 'Vsego spishem seychas 29 rub');
  assert.ok(isGsm7Basic(statePrice(ringback, 'ru', 'translit')));
  assert.equal(statePrice(ringback, 'ru', 'speech'), 'два рубля пятьдесят копеек в день и мелодии: Калинка, один рубль пятьдесят копеек в день; Коробейники, двадцать пять рублей в месяц');
  assert.equal(stateChargedToday(ringback, 'en', 'speech'), 'twenty-nine roubles in all is charged now');
});
