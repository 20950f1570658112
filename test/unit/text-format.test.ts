import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatBytes, formatCount, formatDate, formatDateTime, formatMegabytes, formatMoney, formatNumber, formatPercent, formatPrice, formatTime, plural, pluralCategory, type PluralForms } from '../../src/text/format.ts';
import { formatMoney as domainFormatMoney } from '../../src/domain/shared/money.ts';

const NBSP = '\u00a0';
const MINUS = '\u2212';

test('money: Russian groups with a no-break space and ends in ₽, English writes RUB first; kopecks always or only when there are any', () => {
  assert.equal(formatMoney(12345, 'ru'), `123,45${NBSP}₽`);
  assert.equal(formatMoney(12345, 'en'), 'RUB 123.45');
  assert.equal(formatMoney(123456789, 'ru'), `1${NBSP}234${NBSP}567,89${NBSP}₽`);
  assert.equal(formatMoney(123456789, 'en'), 'RUB 1,234,567.89');
  assert.equal(formatMoney(-5, 'ru'), `-0,05${NBSP}₽`);
  assert.equal(formatMoney(-5, 'en'), '-RUB 0.05');
  assert.equal(formatMoney(0, 'ru'), `0,00${NBSP}₽`);
  assert.equal(formatPrice(10000, 'ru'), `100${NBSP}₽`);
  assert.equal(formatPrice(350, 'ru'), `3,50${NBSP}₽`);
  assert.equal(formatPrice(350, 'en'), 'RUB 3.50');
  assert.equal(formatPrice(150000000, 'en'), 'RUB 1,500,000');
  assert.throws(() => formatMoney(0.5, 'ru'), RangeError);
  // Every amount reads back to its kopecks, and the domain's formatMoney is this one.
  fc.assert(
    fc.property(fc.integer({ min: -1e13, max: 1e13 }), (k) => {
      const ru = formatMoney(k, 'ru');
      const m = /^(-?)([\d\u00a0]+),(\d\d)\u00a0₽$/.exec(ru);
      assert.ok(m, ru);
      assert.equal((m[1] ? -1 : 1) * (Number(m[2]!.replace(/\u00a0/g, '')) * 100 + Number(m[3])), k === 0 ? 0 : k);
      assert.equal(domainFormatMoney(k, 'ru'), ru);
      assert.equal(domainFormatMoney(k, 'en'), formatMoney(k, 'en'));
    }),
  );
});

test('numbers: decimal comma and no-break grouping in Russian, point and comma in English', () => {
  assert.equal(formatNumber(1234.5, 'ru'), `1${NBSP}234,5`);
  assert.equal(formatNumber(1234.5, 'en'), '1,234.5');
  assert.equal(formatNumber(2.125, 'ru', 1), '2,1');
});

test('volumes: МБ/ГБ with a decimal comma; a non-zero volume never shows as zero', () => {
  // The web detail defect: a 1,648,764-byte session was "Интернет · 0.0".
  assert.equal(formatBytes(1_648_764, 'ru'), `1,6${NBSP}МБ`);
  assert.equal(formatBytes(1_648_764, 'en'), `1.6${NBSP}MB`);
  assert.equal(formatBytes(0, 'ru'), `0${NBSP}Б`);
  assert.equal(formatBytes(300, 'en'), `300${NBSP}B`);
  assert.equal(formatBytes(12 * 1024 + 5, 'ru'), `12${NBSP}кБ`);
  assert.equal(formatBytes(25 * 1024 ** 2, 'ru'), `25${NBSP}МБ`);
  assert.equal(formatBytes(2.5 * 1024 ** 3, 'ru'), `2,5${NBSP}ГБ`);
  assert.equal(formatBytes(2 * 1024 ** 3, 'en'), `2${NBSP}GB`);
  assert.equal(formatBytes(1023.99 * 1024 ** 2, 'ru'), `1${NBSP}ГБ`, 'never "1 024 МБ"');
  assert.equal(formatMegabytes(1536, 'ru'), `1,5${NBSP}ГБ`);
  assert.equal(formatMegabytes(500, 'en'), `500${NBSP}MB`);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 39 }), (b) => {
      for (const lang of ['ru', 'en'] as const) {
        const s = formatBytes(b, lang);
        const n = Number(s.replace(/[^\d,.]/g, '').replace(lang === 'ru' ? ',' : /,/g, lang === 'ru' ? '.' : ''));
        assert.ok(n > 0, `${b} → ${s}`);
        assert.ok(n < 1024, `${b} → ${s}: a smaller number of a bigger unit`);
        if (lang === 'ru') assert.ok(!s.includes('.'), s);
      }
    }),
  );
});

test('percentages: a true minus and a no-break space in Russian, "-34.9%" in English', () => {
  assert.equal(formatPercent(-0.349, 'ru'), `${MINUS}34,9${NBSP}%`);
  assert.equal(formatPercent(-0.349, 'en'), '-34.9%');
  assert.equal(formatPercent(0.5, 'ru'), `50${NBSP}%`);
  assert.equal(formatPercent(0.125, 'en', { signed: true }), '+12.5%');
  assert.equal(formatPercent(0, 'en', { signed: true }), '0%');
  assert.equal(formatPercent(0.12345, 'ru', { fraction: 2 }), `12,35${NBSP}%`);
});

test('dates and times in the subscriber zone; a calendar day stays that day; chart labels are day and month, not "11/9"', () => {
  const at = new Date('2026-11-09T21:30:00Z'); // 00:30 on 10 November in Moscow
  assert.equal(formatDate(at, 'ru', 'Europe/Moscow'), '10 ноября 2026 г.');
  assert.equal(formatDate(at, 'en', 'Europe/Moscow'), '10 November 2026');
  assert.equal(formatDate(at, 'ru', 'UTC'), '9 ноября 2026 г.');
  assert.equal(formatDate(at, 'ru', 'Europe/Moscow', 'short'), '10.11.2026');
  assert.equal(formatDate(at, 'en', 'Europe/Moscow', 'short'), '10/11/2026');
  assert.equal(formatDate('2026-11-09', 'ru', 'Asia/Vladivostok', 'dayMonth'), '9 нояб.');
  assert.equal(formatDate('2026-11-09', 'en', 'America/Los_Angeles', 'dayMonth'), '9 Nov');
  assert.equal(formatDate('2026-11-01', 'ru', 'Europe/Moscow', 'monthYear'), 'нояб. 2026 г.');
  assert.equal(formatDate('2026-11-01', 'en', 'Europe/Moscow', 'monthYear'), 'Nov 2026');
  assert.equal(formatDate('2026-03-01', 'ru', 'Europe/Moscow', 'month'), 'март 2026 г.');
  assert.equal(formatTime(at, 'ru', 'Europe/Moscow'), '00:30');
  assert.equal(formatTime(new Date('2026-11-09T12:05:00Z'), 'en', 'Europe/Moscow'), '15:05');
  assert.match(formatDateTime(at, 'ru', 'Europe/Moscow'), /^10 ноября 2026 г\.(,| в) 00:30$/);
  assert.match(formatDateTime(at, 'en', 'Europe/Moscow'), /^10 November 2026,? (at )?00:30$/);
  assert.throws(() => formatDate('not a date', 'ru'), RangeError);
});

const SYMBOLS: PluralForms = { one: 'символ', few: 'символа', many: 'символов', other: 'символа' };
const DAYS: PluralForms = { one: 'day', other: 'days' };

test('plurals by the locale rules: "52 символа", never "52 символов"', () => {
  assert.equal(formatCount(52, 'ru', SYMBOLS), `52${NBSP}символа`);
  assert.equal(formatCount(1, 'ru', SYMBOLS), `1${NBSP}символ`);
  assert.equal(formatCount(11, 'ru', SYMBOLS), `11${NBSP}символов`);
  assert.equal(formatCount(21, 'ru', SYMBOLS), `21${NBSP}символ`);
  assert.equal(formatCount(112, 'ru', SYMBOLS), `112${NBSP}символов`);
  assert.equal(formatCount(1.5, 'ru', SYMBOLS), `1,5${NBSP}символа`);
  assert.equal(formatCount(1, 'en', DAYS), `1${NBSP}day`);
  assert.equal(formatCount(21, 'en', DAYS), `21${NBSP}days`);
  assert.equal(formatCount(0, 'en', DAYS), `0${NBSP}days`);
  assert.equal(pluralCategory(101n, 'ru'), 'one');
  assert.equal(pluralCategory(10n ** 14n + 11n, 'ru'), 'many');
  assert.equal(pluralCategory(101n, 'en'), 'other');
  // The Russian rule, written out independently: the last two digits decide.
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2_000_000_000 }), (n) => {
      const d100 = n % 100;
      const d10 = n % 10;
      const want = d100 >= 11 && d100 <= 14 ? 'символов' : d10 === 1 ? 'символ' : d10 >= 2 && d10 <= 4 ? 'символа' : 'символов';
      assert.equal(plural(n, 'ru', SYMBOLS), want, String(n));
      assert.equal(plural(BigInt(n), 'ru', SYMBOLS), want, String(n));
    }),
  );
});
