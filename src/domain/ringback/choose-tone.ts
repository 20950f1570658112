/**
 * Which melody a caller hears: the rules of one number, resolved most specific first. Pure: the
 * store, the channels and the ringback platform's documentation (docs/ringback.md) share it.
 *
 *   1. who: a rule naming the caller alone, then a group (or list) holding the caller, then all callers;
 *   2. when: a rule for a time of day that holds the call's local time, then an all-day rule;
 *   3. the newest rule of those left.
 *
 * A rule for other callers, or for another time of day, does not apply. No rule applies: the
 * caller hears the network's ordinary ringing.
 */
export interface ToneRule {
  id: number;
  melody: string;
  /** Null: every caller. */
  callers: string[] | null;
  /** The group's name, when `callers` is a named group. */
  group: string | null;
  /** Minutes after local midnight; both null for all day. `from > to` passes midnight. */
  fromMinute: number | null;
  toMinute: number | null;
}

/** Whether `minute` (after local midnight) falls in [from, to); a window passing midnight wraps. */
export function inWindow(minute: number, from: number, to: number): boolean {
  if (from === to) return true;
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

function who(rule: ToneRule, caller: string): number {
  if (rule.callers === null) return 0;
  if (!rule.callers.includes(caller)) return -1;
  return rule.callers.length === 1 && rule.group === null ? 2 : 1;
}

function when(rule: ToneRule, minute: number): number {
  if (rule.fromMinute === null || rule.toMinute === null) return 0;
  return inWindow(minute, rule.fromMinute, rule.toMinute) ? 1 : -1;
}

/** The rule deciding what `caller` hears at `minute` (local minutes after midnight), or null. */
export function chooseTone(rules: readonly ToneRule[], caller: string, minute: number): ToneRule | null {
  let best: ToneRule | null = null;
  let bestKey: [number, number, number] = [-1, -1, -1];
  for (const r of rules) {
    const w = who(r, caller);
    const t = when(r, minute);
    if (w < 0 || t < 0) continue;
    const key: [number, number, number] = [w, t, r.id];
    if (key[0] > bestKey[0] || (key[0] === bestKey[0] && (key[1] > bestKey[1] || (key[1] === bestKey[1] && key[2] > bestKey[2])))) {
      best = r;
      bestKey = key;
    }
  }
  return best;
}

/** "HH:MM" → minutes after midnight. */
export function minuteOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** Minutes after midnight → "HH:MM". */
export function hhmm(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/** The local time of day of `at` in `timeZone`, in minutes after midnight. */
export function localMinute(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const h = Number(parts.find((p) => p.type === 'hour')!.value);
  const m = Number(parts.find((p) => p.type === 'minute')!.value);
  return h * 60 + m;
}
