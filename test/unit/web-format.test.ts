// The web app's locale formatting (web/src/format.ts), all through Intl: volumes, percentages,
// chart days and months, plural forms, in Russian and English.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dateOnly, dateTime, dayDate, dayLabel, money, monthLabel, monthShort, parseRubles, percent, phoneNumber, pluralForm, setDisplayZone, volume } from '../../web/src/format.ts';
import { firstLang } from '../../web/src/i18n.ts';

/** Intl puts a no-break space (U+00A0 or U+202F) between digits groups and before units: compare with plain spaces. */
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

test('volumes: the largest unit reached, one decimal, decimal comma in Russian', () => {
  assert.equal(plain(volume(1_648_764, 'ru')), '1,6 МБ');
  assert.equal(plain(volume(1_648_764, 'en')), '1.6 MB');
  assert.equal(plain(volume(3 * 1024 ** 2, 'ru')), '3 МБ');
  assert.equal(plain(volume(512, 'ru')), '512 Б');
  assert.equal(plain(volume(2048, 'en')), '2 kB');
  assert.equal(plain(volume(Math.round(2.5 * 1024 ** 3), 'ru')), '2,5 ГБ');
  assert.equal(plain(volume(150 * 1024 ** 3 + 1, 'en')), '150 GB');
  assert.equal(plain(volume(0, 'ru')), '0 Б');
});

test('percentages: signed, one decimal, by locale', () => {
  assert.match(plain(percent(-34.9, 'ru')), /^[-−]34,9 %$/);
  assert.equal(percent(-34.9, 'en'), '-34.9%');
  assert.equal(plain(percent(5, 'ru')), '+5 %');
  assert.equal(percent(12.25, 'en'), '+12.3%');
  assert.equal(plain(percent(0, 'ru')), '0 %');
});

test('chart days and months: short, by locale, no «г.»', () => {
  assert.equal(dayLabel('2026-11-09', 'ru'), '9 нояб.');
  assert.equal(dayLabel('2026-11-09', 'en'), '9 Nov');
  assert.equal(plain(monthLabel('2026-11', 'ru')), 'нояб. 2026');
  assert.equal(plain(monthLabel('2026-11', 'en')), 'Nov 2026');
  assert.equal(plain(monthLabel('2027-01', 'en')), 'Jan 2027');
  assert.equal(monthShort('2026-11', 'ru'), 'нояб.');
  assert.equal(monthShort('2026-11', 'en'), 'Nov');
});

test('plural forms come from Intl.PluralRules', () => {
  assert.equal(pluralForm(52, 'ru'), 'few'); // 52 символа
  assert.equal(pluralForm(55, 'ru'), 'many'); // 55 символов
  assert.equal(pluralForm(61, 'ru'), 'one'); // 61 символ
  assert.equal(pluralForm(11, 'ru'), 'many');
  assert.equal(pluralForm(1, 'en'), 'one');
  assert.equal(pluralForm(52, 'en'), 'other');
});

test('money keeps kopecks only when there are some', () => {
  assert.equal(plain(money(10_000, 'ru')), '100 ₽');
  assert.equal(plain(money(3350, 'ru')), '33,50 ₽');
});

test('amounts typed the way people type them parse to kopecks: "1 000,50", "1 500"', () => {
  assert.equal(parseRubles('1 000,50'), 100_050);
  assert.equal(parseRubles('1 500'), 150_000);
  // Grouped as Intl writes it (no-break and narrow no-break spaces), or by the English comma.
  assert.equal(parseRubles('1\u00a0500'), 150_000);
  assert.equal(parseRubles('1\u202f000,5'), 100_050);
  assert.equal(parseRubles('1,500.50'), 150_050);
  assert.equal(parseRubles('150,5'), 15_050);
  assert.equal(parseRubles('150.50'), 15_050);
  assert.equal(parseRubles('1,50'), 150);
  assert.equal(parseRubles('10 000 ₽'), 1_000_000);
  assert.equal(parseRubles('300 руб.'), 30_000);
  // Not amounts: a group that is not three digits, more than two decimals, zero, words.
  for (const bad of ['1 50', '1,5001', '0', '0,00', 'abc', '', '12 345 678', '1.234.567']) assert.equal(parseRubles(bad), null, bad);
});

test('the first visit follows the browser\'s languages (Accept-Language), Russian when neither is listed', () => {
  assert.equal(firstLang(['en-US', 'en']), 'en');
  assert.equal(firstLang(['de-DE', 'en-GB', 'ru']), 'en');
  assert.equal(firstLang(['ru-RU', 'en-US']), 'ru');
  assert.equal(firstLang(['de-DE']), 'ru');
  assert.equal(firstLang([]), 'ru');
});

test('one phone number format everywhere: +7 925 335-12-45', () => {
  assert.equal(phoneNumber('79253351245'), '+7 925 335-12-45');
  assert.equal(phoneNumber('4915112345678'), '+4915112345678');
  assert.equal(phoneNumber('900'), '900');
});

test("times in the number's region whatever the device's zone: a Vladivostok number across the Moscow midnight", () => {
  // 20:30 UTC on 6 December: 23:30 in Moscow, already 06:30 on the 7th in Vladivostok.
  const at = '2026-12-06T20:30:00Z';
  try {
    setDisplayZone('Asia/Vladivostok');
    assert.match(plain(dateTime(at, 'ru')), /^7 дек\. 2026 г\., 06:30/);
    assert.match(plain(dateTime(at, 'en')), /^7 Dec 2026, 06:30/);
    assert.equal(plain(dateOnly(at, 'ru')), '7 дек. 2026 г.');
    setDisplayZone('Europe/Moscow');
    assert.match(plain(dateTime(at, 'ru')), /^6 дек\. 2026 г\., 23:30/);
    // Named where the device is elsewhere (the zone differs), so it is not read as the device's time.
    const device = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (device !== 'Europe/Moscow') assert.match(plain(dateTime(at, 'en')), /23:30 \S+$/);
  } finally {
    setDisplayZone(undefined);
  }
  // A due date is the schedule's day, whatever the zone: no day lost to UTC.
  assert.equal(plain(dayDate('2027-01-07', 'en')), '7 Jan 2027');
});
