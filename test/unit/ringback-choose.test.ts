import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseTone, inWindow, localMinute, minuteOf, type ToneRule } from '../../src/domain/ringback/choose-tone.ts';

const rule = (id: number, melody: string, o: Partial<ToneRule> = {}): ToneRule => ({ id, melody, callers: null, group: null, fromMinute: null, toMinute: null, ...o });
const A = '79001110001';
const B = '79001110002';
const C = '79001110003';

test('a caller hears the most specific rule: the caller alone, then a group, then everyone; a time of day before all day; the newest last', () => {
  const rules = [
    rule(1, 'all_day'),
    rule(2, 'evening', { fromMinute: minuteOf('18:00'), toMinute: minuteOf('23:00') }),
    rule(3, 'family', { callers: [A, B], group: 'Семья' }),
    rule(4, 'mum', { callers: [A] }),
    rule(5, 'family_night', { callers: [A, B], group: 'Семья', fromMinute: minuteOf('22:00'), toMinute: minuteOf('07:00') }),
  ];
  assert.equal(chooseTone(rules, A, minuteOf('12:00'))?.melody, 'mum');
  assert.equal(chooseTone(rules, A, minuteOf('23:30'))?.melody, 'mum', 'the caller alone beats a group at night');
  assert.equal(chooseTone(rules, B, minuteOf('12:00'))?.melody, 'family');
  assert.equal(chooseTone(rules, B, minuteOf('23:30'))?.melody, 'family_night', 'the group at its time of day, past midnight');
  assert.equal(chooseTone(rules, B, minuteOf('06:59'))?.melody, 'family_night');
  assert.equal(chooseTone(rules, B, minuteOf('07:00'))?.melody, 'family', 'a window ends before its last minute');
  assert.equal(chooseTone(rules, C, minuteOf('19:00'))?.melody, 'evening');
  assert.equal(chooseTone(rules, C, minuteOf('17:59'))?.melody, 'all_day');
  assert.equal(chooseTone([...rules, rule(6, 'newer')], C, minuteOf('10:00'))?.melody, 'newer', 'of equals, the newest');
  assert.equal(chooseTone([rule(7, 'x', { callers: [A] })], C, 600), null, 'no rule for this caller: ordinary ringing');
  assert.equal(chooseTone([], A, 600), null);
});

test('times of day: windows wrap midnight, local time follows the region', () => {
  assert.equal(inWindow(minuteOf('23:00'), minuteOf('22:00'), minuteOf('06:00')), true);
  assert.equal(inWindow(minuteOf('12:00'), minuteOf('22:00'), minuteOf('06:00')), false);
  assert.equal(localMinute(new Date('2026-03-10T21:30:00Z'), 'Europe/Moscow'), minuteOf('00:30'));
  assert.equal(localMinute(new Date('2026-03-10T21:30:00Z'), 'Asia/Vladivostok'), minuteOf('07:30'));
});
