import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { paginate, sentences, type Screen } from '../../src/channels/ussd/paginate.ts';
import { fitsPage } from '../../src/text/gsm7.ts';
import { toGsm7Latin } from '../../src/text/translit.ts';

const NBSP = '\u00a0';
const confirmScreen = (head: string, latin = false): Screen => {
  const t = (s: string) => (latin ? toGsm7Latin(s) : s);
  return { head: [t(head)], items: [t('1 Подтвердить')], back: t('0 Отмена'), prev: t('0 Назад'), next: t('00 Далее') };
};

/** The head text of every page, without options and navigation lines. */
function headOf(pages: string[], s: Screen): string[] {
  const nav = new Set([s.next, s.prev, s.back, ...s.items]);
  return pages.map((p) => p.split('\n').filter((l) => !nav.has(l)).join(' '));
}

test('a confirmation breaks between sentences: "Спишем сейчас 33,50 ₽" is read whole on one page', () => {
  // Found on main: "…подключение 30 ₽. Спишем" / "сейчас 33,50 ₽".
  const head = `«Роуминг»: 3,50${NBSP}₽/день + подключение 30${NBSP}₽. Спишем сейчас 33,50${NBSP}₽`;
  const s = confirmScreen(head);
  const pages = paginate(s);
  assert.ok(pages.length >= 2, 'the text does not fit one page beside the navigation');
  const heads = headOf(pages, s);
  assert.equal(heads[0], `«Роуминг»: 3,50${NBSP}₽/день + подключение 30${NBSP}₽.`);
  assert.ok(heads.some((h) => h === `Спишем сейчас 33,50${NBSP}₽`), JSON.stringify(pages));
  for (const p of pages) assert.ok(fitsPage(p), p);
});

test('the same confirmation on a Latin page, where the no-break spaces became spaces, keeps amounts whole', () => {
  const head = `«Везде как дома»: 3,50${NBSP}₽/день + подключение 30${NBSP}₽. Спишем сейчас 1${NBSP}033,50${NBSP}₽. Отключатся: «Гудок», «Безлимит на мессенджеры», «Кино и сериалы», «Музыка»`;
  const s = confirmScreen(head, true);
  const pages = paginate(s);
  for (const p of pages) assert.ok(fitsPage(p), p);
  const joined = headOf(pages, s);
  assert.ok(joined.some((h) => h.includes('Spishem seychas 1 033,50 rub.')), JSON.stringify(pages));
});

test('sentences: split after a full stop and a space, never inside a decimal', () => {
  assert.deepEqual(sentences('Тариф «Ноль». Спишем 3.50 rub. Отключатся: X'), ['Тариф «Ноль».', 'Спишем 3.50 rub.', 'Отключатся: X']);
  assert.deepEqual(sentences('«Да!» Нет? Ладно… Ok'), ['«Да!»', 'Нет?', 'Ладно…', 'Ok']);
  assert.deepEqual(sentences('Обещанный платёж на 3 дн. и 100 ₽. 1 Да'), ['Обещанный платёж на 3 дн. и 100 ₽.', '1 Да']);
  assert.deepEqual(sentences('Итого 3,50 ₽'), ['Итого 3,50 ₽']);
});

test('a sentence longer than a page breaks between words, but never between a number and its unit', () => {
  // Every shift of the amounts against the page ends, so each one lands on a page break at some point.
  for (let k = 0; k < 30; k++) {
    const filler = 'ой '.repeat(30 + k);
    const s: Screen = { head: [`${filler}дорого: 12 345 rub и ещё ${filler} 30 ₽ и 1,6 МБ и RUB 500 и 15 % ${filler}`], items: [], back: null, prev: '0 Назад', next: '00 Далее' };
    const pages = paginate(s);
    assert.ok(pages.length > 3);
    const text = headOf(pages, s);
    for (const p of pages) assert.ok(fitsPage(p), p);
    for (const want of ['12 345 rub', '30 ₽', '1,6 МБ', 'RUB 500', '15 %']) assert.ok(text.some((h) => h.includes(want)), `${want} was split: ${JSON.stringify(text)}`);
  }
});

// Sentences of words and amounts, with amounts written the ways the menus write them.
const word = fc.oneof(fc.stringMatching(/^[а-щыэюя]{1,10}$/), fc.stringMatching(/^[a-z]{1,10}$/));
const amount = fc.tuple(fc.integer({ min: 0, max: 99_999 }), fc.constantFrom('₽', 'rub', 'МБ', 'ГБ', '%', 'дней', 'мин', 'RUB')).map(([n, u]) => (u === 'RUB' ? `RUB ${n}` : `${n} ${u}`));
const sentence = fc.array(fc.oneof(word, word, amount), { minLength: 1, maxLength: 14 }).map((ws) => {
  const t = `${ws.join(' ')}.`;
  return t[0]!.toUpperCase() + t.slice(1);
});
const UNIT_START = /^(?:₽|rub|МБ|ГБ|%|дней|мин)/;

test('property: every sentence that fits a page is on one page; no page ends with a number whose unit starts the next', () => {
  fc.assert(
    fc.property(fc.array(sentence, { minLength: 1, maxLength: 8 }), fc.boolean(), (ss, latin) => {
      const line = ss.join(' ');
      const s: Screen = latin
        ? { head: [toGsm7Latin(line)], items: ['1 Confirm'], back: '0 Otmena', prev: '0 Nazad', next: '00 Dalee' }
        : { head: [line], items: ['1 Подтвердить'], back: '0 Отмена', prev: '0 Назад', next: '00 Далее' };
      const pages = paginate(s);
      for (const p of pages) assert.ok(fitsPage(p), `over the limit: ${JSON.stringify(p)}`);
      // Transliteration drops "ъ" and "ь", which can leave two spaces in a row; pages keep one.
      const norm = (x: string) => x.replace(/ +/g, ' ').trim();
      const heads = headOf(pages, s).map(norm);
      const worst = [s.next, s.back!, s.prev];
      for (const raw of ss) {
        const sent = norm(latin ? toGsm7Latin(raw) : raw);
        if (fitsPage([sent, ...worst].join('\n'))) assert.ok(heads.some((h) => h.includes(sent)), `split: ${JSON.stringify(sent)} in ${JSON.stringify(pages)}`);
      }
      const lines = pages.map((p) => p.split('\n').filter((l) => !worst.includes(l) && !s.items.includes(l)));
      for (let i = 0; i + 1 < lines.length; i++) {
        const end = lines[i]!.at(-1) ?? '';
        const start = lines[i + 1]![0] ?? '';
        assert.ok(!(/\d$/.test(end) && UNIT_START.test(start)), `number parted from its unit: ${JSON.stringify(end)} | ${JSON.stringify(start)}`);
        assert.ok(!(/RUB$/.test(end) && /^\d/.test(start)), `currency parted from its number: ${JSON.stringify(end)} | ${JSON.stringify(start)}`);
      }
    }),
    { numRuns: 300 },
  );
});
