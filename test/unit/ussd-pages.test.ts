import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fitsPage, gsm7Septets, isGsm7, isGsm7Basic, pageLength } from '../../src/text/gsm7.ts';
import { paginate, type Screen } from '../../src/channels/ussd/paginate.ts';
import { texts } from '../../src/channels/ussd/texts.ts';
import { toGsm7Latin, transliterate } from '../../src/text/translit.ts';

test('GSM 03.38: basic and extension characters, septets, the alphabet a page needs', () => {
  assert.equal(isGsm7('Hello @£$¥ èé ÄÖÑÜ §¿ à'), true);
  assert.equal(isGsm7('Привет'), false);
  assert.equal(isGsm7('₽'), false);
  assert.equal(isGsm7('`'), false, 'the backquote is not in the GSM alphabet');
  assert.equal(isGsm7('€[]'), true);
  assert.equal(isGsm7Basic('€'), false);
  assert.equal(gsm7Septets('a€{'), 5);
  assert.deepEqual(pageLength('x'.repeat(182)), { alphabet: 'gsm7', length: 182, limit: 182 });
  assert.equal(fitsPage('x'.repeat(183)), false);
  assert.equal(fitsPage('я'.repeat(80)), true);
  assert.equal(fitsPage('я'.repeat(81)), false);
  assert.equal(fitsPage('x'.repeat(100) + 'я'), false, 'one Cyrillic letter makes the whole page UCS-2');
  assert.equal(fitsPage('😀'.repeat(40)), true, 'an emoji is two UCS-2 units');
  assert.equal(fitsPage('😀'.repeat(41)), false);
});

test('transliteration is readable and GSM-7 clean', () => {
  assert.equal(toGsm7Latin('Обещанный платёж'), 'Obeshchannyy platezh');
  assert.equal(toGsm7Latin('Ребёнок под присмотром'), 'Rebenok pod prismotrom');
  assert.equal(toGsm7Latin('ЩИ и Щука, Юрий, Яндекс'), 'SHCHI i Shchuka, Yuriy, Yandeks');
  assert.equal(toGsm7Latin('Подъезд, объём, мышь'), 'Podezd, obem, mysh');
  assert.equal(toGsm7Latin('«Гудок» — 2,50 ₽/день'), '"Gudok" - 2,50 rub/den');
  assert.equal(toGsm7Latin('café ½ 😀 `x` ~{}'), 'cafe ? ? \'x\' -()');
  assert.equal(transliterate('Hello'), 'Hello');
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
      const out = toGsm7Latin(s);
      assert.ok(isGsm7Basic(out), JSON.stringify(out));
      assert.ok(!out.includes('`'));
    }),
    { numRuns: 500 },
  );
  // Every menu word, transliterated, stays in the basic table.
  for (const [k, v] of Object.entries(texts.ru)) {
    const s = typeof v === 'function' ? String((v as (...a: unknown[]) => string)('Тест', 'Тест', 'Тест', ['Тест'])) : Array.isArray(v) ? v.join(' ') : String(v);
    assert.ok(isGsm7Basic(toGsm7Latin(s)), k);
  }
});

const cyrillic = fc.stringMatching(/^[А-Яа-яЁё ,.]{0,120}$/);
const label = fc.oneof(
  fc.string({ maxLength: 60 }),
  cyrillic,
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.stringMatching(/^[A-Za-z ]{150,400}$/),
);
const words = fc.array(fc.oneof(fc.stringMatching(/^[A-Za-z]{1,12}$/), fc.stringMatching(/^[а-я]{1,12}$/), fc.constant('😀')), { maxLength: 120 }).map((w) => w.join(' '));

const screen: fc.Arbitrary<Screen> = fc.record({
  head: fc.array(fc.oneof(words, label), { maxLength: 3 }),
  items: fc.array(label, { maxLength: 40 }).map((xs) => xs.map((x, i) => `${i + 1} ${x.replace(/\n/g, ' ')}`)),
  back: fc.constantFrom(null, '0 Назад', '0 Back', '0 Otmena'),
  prev: fc.constantFrom('0 Назад', '0 Back', '0 Nazad'),
  next: fc.constantFrom('00 Далее', '00 Next', '00 Dalee'),
  final: fc.boolean(),
});

test('property: every page fits the limit of its own alphabet; options are never split, kept in order', () => {
  fc.assert(
    fc.property(screen, (s) => {
      const pages = paginate(s);
      assert.ok(pages.length >= 1);
      for (const p of pages) assert.ok(fitsPage(p), `over the limit (${pageLength(p).length}/${pageLength(p).limit}): ${JSON.stringify(p)}`);
      // Each option appears whole on exactly one page (or, when no page could hold it, shortened with "...").
      let from = 0;
      const lines = pages.flatMap((p, i) => p.split('\n').map((l) => ({ l, i })));
      for (const item of s.items) {
        const at = lines.findIndex((x, k) => k >= from && (x.l === item || (x.l.endsWith('...') && item.startsWith(x.l.slice(0, -3)))));
        assert.ok(at >= 0, `option lost: ${JSON.stringify(item)}`);
        from = at + 1;
      }
      // Navigation: every page but the last offers the next; later pages go back.
      pages.forEach((p, i) => {
        const ls = p.split('\n');
        if (i < pages.length - 1) assert.ok(ls.includes(s.next), `no next on page ${i}`);
        if (i > 0 && !(s.final && i === pages.length - 1)) assert.ok(ls.includes(s.prev), `no back on page ${i}`);
      });
    }),
    { numRuns: 400 },
  );
});

test('a Latin page takes more than a Cyrillic one: pages are cut to the alphabet they need', () => {
  const items = texts.ru.root.map((l, i) => `${i + 1} ${l}`);
  const cyr = paginate({ head: [], items, back: null, prev: texts.ru.back, next: texts.ru.next });
  const lat = paginate({ head: [], items: items.map(toGsm7Latin), back: null, prev: toGsm7Latin(texts.ru.back), next: toGsm7Latin(texts.ru.next) });
  assert.equal(cyr.length, 2);
  assert.equal(lat.length, 1);
  assert.equal(pageLength(lat[0]!).alphabet, 'gsm7');
});
