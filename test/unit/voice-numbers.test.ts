import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { enCardinal, ruCardinal, ruPlural, sayClock, sayCount, sayData, sayMoney } from '../../src/text/spoken.ts';

// Independent readers of the words back into numbers: a said number must read back as itself.
const RU_VALUES: Record<string, number> = {
  ноль: 0, один: 1, одна: 1, одно: 1, два: 2, две: 2, три: 3, четыре: 4, пять: 5, шесть: 6, семь: 7, восемь: 8, девять: 9,
  десять: 10, одиннадцать: 11, двенадцать: 12, тринадцать: 13, четырнадцать: 14, пятнадцать: 15, шестнадцать: 16, семнадцать: 17,
  восемнадцать: 18, девятнадцать: 19, двадцать: 20, тридцать: 30, сорок: 40, пятьдесят: 50, шестьдесят: 60, семьдесят: 70,
  восемьдесят: 80, девяносто: 90, сто: 100, двести: 200, триста: 300, четыреста: 400, пятьсот: 500, шестьсот: 600, семьсот: 700,
  восемьсот: 800, девятьсот: 900,
};
const RU_SCALE: Record<string, number> = { тысяча: 1e3, тысячи: 1e3, тысяч: 1e3, миллион: 1e6, миллиона: 1e6, миллионов: 1e6, миллиард: 1e9, миллиарда: 1e9, миллиардов: 1e9 };

function readRu(s: string): number {
  const words = s.split(' ');
  let sign = 1;
  if (words[0] === 'минус') {
    sign = -1;
    words.shift();
  }
  let total = 0;
  let group = 0;
  for (const w of words) {
    if (w in RU_VALUES) group += RU_VALUES[w]!;
    else if (w in RU_SCALE) {
      total += (group || 1) * RU_SCALE[w]!;
      group = 0;
    } else throw new Error(`unknown word ${w} in "${s}"`);
  }
  return sign * (total + group);
}

const EN_VALUES: Record<string, number> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19, twenty: 20, thirty: 30,
  forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90,
};
function readEn(s: string): number {
  const words = s.split(/[ -]/);
  let sign = 1;
  if (words[0] === 'minus') {
    sign = -1;
    words.shift();
  }
  let total = 0;
  let group = 0;
  for (const w of words) {
    if (w in EN_VALUES) group += EN_VALUES[w]!;
    else if (w === 'hundred') group *= 100;
    else if (w === 'thousand' || w === 'million' || w === 'billion') {
      total += group * { thousand: 1e3, million: 1e6, billion: 1e9 }[w];
      group = 0;
    } else throw new Error(`unknown word ${w} in "${s}"`);
  }
  return sign * (total + group);
}

test('Russian cardinals read back as themselves: every number to 20 000, and 0 … 10⁹ sampled, negatives too', () => {
  for (let n = 0; n <= 20_000; n++) assert.equal(readRu(ruCardinal(n)), n, ruCardinal(n));
  fc.assert(fc.property(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), fc.constantFrom('m', 'f', 'n'), (n, g) => readRu(ruCardinal(n, g)) === n), { numRuns: 5000 });
});

test('English cardinals read back as themselves over 0 … 10⁹', () => {
  for (let n = 0; n <= 20_000; n++) assert.equal(readEn(enCardinal(n)), n, enCardinal(n));
  fc.assert(fc.property(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), (n) => readEn(enCardinal(n)) === n), { numRuns: 5000 });
});

test('Russian fixtures: gender, plural forms, thousands, millions, negatives', () => {
  const cases: [string, string][] = [
    [sayMoney(1, 'ru'), 'одна копейка'],
    [sayMoney(2, 'ru'), 'две копейки'],
    [sayMoney(5, 'ru'), 'пять копеек'],
    [sayMoney(11, 'ru'), 'одиннадцать копеек'],
    [sayMoney(21, 'ru'), 'двадцать одна копейка'],
    [sayMoney(100, 'ru'), 'один рубль'],
    [sayMoney(200, 'ru'), 'два рубля'],
    [sayMoney(500, 'ru'), 'пять рублей'],
    [sayMoney(1100, 'ru'), 'одиннадцать рублей'],
    [sayMoney(1200, 'ru'), 'двенадцать рублей'],
    [sayMoney(1400, 'ru'), 'четырнадцать рублей'],
    [sayMoney(2100, 'ru'), 'двадцать один рубль'],
    [sayMoney(0, 'ru'), 'ноль рублей'],
    [sayMoney(12345, 'ru'), 'сто двадцать три рубля сорок пять копеек'],
    [sayMoney(-5001, 'ru'), 'минус пятьдесят рублей одна копейка'],
    [sayMoney(100_000, 'ru'), 'одна тысяча рублей'],
    [sayMoney(200_000, 'ru'), 'две тысячи рублей'],
    [sayMoney(500_000, 'ru'), 'пять тысяч рублей'],
    [sayMoney(2_100_000, 'ru'), 'двадцать одна тысяча рублей'],
    [sayMoney(1_100_000, 'ru'), 'одиннадцать тысяч рублей'],
    [sayMoney(100_000_000, 'ru'), 'один миллион рублей'],
    [sayMoney(200_200_200, 'ru'), 'два миллиона две тысячи два рубля'],
    [sayMoney(-100_000_001, 'ru'), 'минус один миллион рублей одна копейка'],
    [ruCardinal(1_000_000_000), 'один миллиард'],
    [ruCardinal(2_000_001_000, 'f'), 'два миллиарда одна тысяча'],
    [sayCount(1, 'minute', 'ru'), 'одна минута'],
    [sayCount(22, 'minute', 'ru'), 'двадцать две минуты'],
    [sayCount(115, 'minute', 'ru'), 'сто пятнадцать минут'],
    [sayCount(1, 'message', 'ru'), 'одно сообщение'],
    [sayCount(2, 'message', 'ru'), 'два сообщения'],
    [sayCount(50, 'message', 'ru'), 'пятьдесят сообщений'],
    [sayCount(21, 'message', 'ru'), 'двадцать одно сообщение'],
    [sayCount(22, 'message', 'ru'), 'двадцать два сообщения'],
    [sayCount(1001, 'message', 'ru'), 'одна тысяча одно сообщение'],
    [sayCount(11, 'message', 'ru'), 'одиннадцать сообщений'],
    [sayCount(1, 'gigabyte', 'ru'), 'один гигабайт'],
    [sayCount(3, 'gigabyte', 'ru'), 'три гигабайта'],
    [sayCount(25, 'gigabyte', 'ru'), 'двадцать пять гигабайт'],
    [sayCount(1, 'day', 'ru'), 'один день'],
    [sayCount(3, 'day', 'ru'), 'три дня'],
    [sayCount(7, 'day', 'ru'), 'семь дней'],
    [sayData(2.5 * 1024 ** 3, 'ru'), 'два гигабайта пятьсот двенадцать мегабайт'],
    [sayData(0, 'ru'), 'ноль мегабайт'],
  ];
  for (const [got, want] of cases) assert.equal(got, want);
});

test('English fixtures', () => {
  const cases: [string, string][] = [
    [sayMoney(1, 'en'), 'one kopeck'],
    [sayMoney(100, 'en'), 'one rouble'],
    [sayMoney(12345, 'en'), 'one hundred twenty-three roubles and forty-five kopecks'],
    [sayMoney(-5001, 'en'), 'minus fifty roubles and one kopeck'],
    [sayMoney(0, 'en'), 'zero roubles'],
    [sayMoney(100_000, 'en'), 'one thousand roubles'],
    [enCardinal(1_000_021), 'one million twenty-one'],
    [enCardinal(90), 'ninety'],
    [sayCount(1, 'minute', 'en'), 'one minute'],
    [sayCount(2, 'message', 'en'), 'two text messages'],
    [sayData(1024 ** 3, 'en'), 'one gigabyte'],
  ];
  for (const [got, want] of cases) assert.equal(got, want);
});

test('every ending: the noun form follows the last two digits, for all of 0 … 1000 and sampled up to 10⁹', () => {
  const forms = ['one', 'few', 'many'] as const;
  const expected = (n: number) => {
    const d100 = n % 100;
    const d10 = n % 10;
    if (d100 >= 11 && d100 <= 14) return 'many';
    return d10 === 1 ? 'one' : d10 >= 2 && d10 <= 4 ? 'few' : 'many';
  };
  // Spelled-out checks of the rule on the tricky ones, independent of `expected`.
  for (const [n, f] of [[0, 'many'], [1, 'one'], [2, 'few'], [4, 'few'], [5, 'many'], [11, 'many'], [12, 'many'], [14, 'many'], [15, 'many'], [21, 'one'], [22, 'few'], [101, 'one'], [111, 'many'], [112, 'many'], [1001, 'one'], [1011, 'many']] as const) {
    assert.equal(ruPlural(n, forms), f, String(n));
  }
  for (let n = 0; n <= 1000; n++) assert.equal(ruPlural(n, forms), expected(n), String(n));
  fc.assert(fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), (n) => ruPlural(n, forms) === expected(n) && ruPlural(-n, forms) === expected(n)));
  // The numeral agrees with a feminine noun wherever it ends in 1 or 2 (but not 11, 12).
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), (n) => {
      const words = sayCount(n, 'minute', 'ru').split(' ');
      const numeral = words[words.length - 2]!;
      const noun = words[words.length - 1]!;
      if (n % 100 !== 11 && n % 10 === 1) return numeral === 'одна' && noun === 'минута';
      if (n % 100 !== 12 && n % 10 === 2) return numeral === 'две' && noun === 'минуты';
      return !['одна', 'две', 'один', 'два'].includes(numeral) || n % 1000 === 0;
    }),
  );
});

test('money as words reads back to its kopecks in both languages', () => {
  fc.assert(
    fc.property(fc.integer({ min: -1_000_000_000_00, max: 1_000_000_000_00 }), (minor) => {
      const ru = sayMoney(minor, 'ru');
      const m = /^(минус )?(?:(.+?) (?:рубль|рубля|рублей))?(?: ?(.+?) (?:копейка|копейки|копеек))?$/.exec(ru);
      assert.ok(m, ru);
      const value = (m[2] ? readRu(m[2]) * 100 : 0) + (m[3] ? readRu(m[3]) : 0);
      assert.equal(m[1] ? -value : value, minor, ru);
      const en = sayMoney(minor, 'en');
      const e = /^(minus )?(?:(.+?) roubles?)?(?:(?: and )?(.+?) kopecks?)?$/.exec(en);
      assert.ok(e, en);
      const v2 = (e[2] ? readEn(e[2]) * 100 : 0) + (e[3] ? readEn(e[3]) : 0);
      assert.equal(e[1] ? -v2 : v2, minor, en);
    }),
    { numRuns: 3000 },
  );
});

test('refuses what it cannot say exactly', () => {
  assert.throws(() => sayMoney(1.5, 'ru'), RangeError);
  assert.throws(() => ruCardinal(Number.MAX_SAFE_INTEGER + 1), RangeError);
  assert.throws(() => ruCardinal(10n ** 15n), RangeError);
});

test('a time of day is said on the clock, never as a duration ("на три часа сорок две минуты")', () => {
  const msk = 'Europe/Moscow';
  assert.equal(sayClock(new Date('2026-12-07T00:42:00Z'), msk, 'ru'), 'три сорок две');
  assert.equal(sayClock(new Date('2026-12-07T12:42:00Z'), msk, 'ru'), 'пятнадцать сорок две');
  assert.equal(sayClock(new Date('2026-12-07T06:05:00Z'), msk, 'ru'), 'девять ноль пять');
  assert.equal(sayClock(new Date('2026-12-07T09:00:00Z'), msk, 'ru'), 'двенадцать ноль-ноль');
  assert.equal(sayClock(new Date('2026-12-07T18:21:00Z'), msk, 'ru'), 'двадцать один двадцать одна');
  assert.equal(sayClock(new Date('2026-12-07T21:01:00Z'), msk, 'ru'), 'ноль ноль одна');
  assert.equal(sayClock(new Date('2026-12-07T00:42:00Z'), msk, 'en'), 'three forty-two a.m.');
  assert.equal(sayClock(new Date('2026-12-07T12:42:00Z'), msk, 'en'), 'three forty-two p.m.');
  assert.equal(sayClock(new Date('2026-12-07T06:05:00Z'), msk, 'en'), 'nine oh five a.m.');
  assert.equal(sayClock(new Date('2026-12-07T09:00:00Z'), msk, 'en'), 'twelve p.m.');
  assert.equal(sayClock(new Date('2026-12-07T21:00:00Z'), msk, 'en'), 'twelve a.m.');
  for (let m = 0; m < 24 * 60; m += 7) {
    const ru = sayClock(new Date(Date.UTC(2026, 11, 7, 0, m) - 3 * 3600_000), msk, 'ru');
    assert.ok(!/час|минут/.test(ru), ru);
  }
});

test('noun forms follow the CLDR plural rules for fractions as well: 1,5 рубля', () => {
  assert.equal(ruPlural(1.5, ['рубль', 'рубля', 'рублей']), 'рубля');
  assert.equal(ruPlural(10n ** 14n + 1n, ['рубль', 'рубля', 'рублей']), 'рубль');
});
