import { fitsPage } from '../../text/gsm7.ts';

/**
 * Splits one screen into pages that each fit the handset: 182 GSM-7 septets, or 80 UCS-2 units
 * when the page needs a character outside the GSM alphabet. Each page is measured in the alphabet
 * it actually needs, so a page of Latin options takes more than a page with one Cyrillic word.
 *
 * Navigation convention (on every page that has somewhere to go): "00 Next" opens the next page,
 * "0 Back" the previous page, or on a first page the menu above (on a confirmation "0 Cancel").
 * Option numbers run on across pages, so any option can be chosen from any page.
 */
export interface Screen {
  /** Text above the options; wraps across pages on word boundaries when long. */
  head: string[];
  /** Option lines ("3 Tariff"): an option is never split; one too long for any page is shortened. */
  items: string[];
  /** The "0 …" line of the first page; null where there is nothing above (a root menu). */
  back: string | null;
  /** The "0 …" line of later pages. */
  prev: string;
  /** The "00 …" line. */
  next: string;
  /** The last page ends the session: it carries no navigation. */
  final?: boolean;
}

const ELLIPSIS = '...';

function render(units: string[], nav: string[]): string {
  return [...units, ...nav].join('\n');
}

/** Cuts a line (at a code point, never inside a surrogate pair) until `fits` accepts it. */
export function shorten(line: string, fits: (s: string) => boolean): string {
  if (fits(line)) return line;
  const cps = Array.from(line);
  let lo = 0;
  let hi = cps.length;
  // Binary search on how many code points to keep: the fit is monotonic in the length.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(cps.slice(0, mid).join('').trimEnd() + ELLIPSIS)) lo = mid;
    else hi = mid - 1;
  }
  return cps.slice(0, lo).join('').trimEnd() + ELLIPSIS;
}

/**
 * The sentences of a line: a break after ".", "!", "?" or "…" (and any closing quote or bracket)
 * followed by a space and a capital, a digit or an opening quote. "3.50" and "3,50" have no space
 * after the point, and an abbreviation inside a sentence ("на 3 дн. и") is followed by a small letter.
 */
export function sentences(line: string): string[] {
  return line
    .split(/(?<=[.!?…]["»)]*) +(?=[«"„(\p{Lu}\d])/u)
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

/** Units and currencies a number is never parted from ("30 ₽", "1,6 МБ", "RUB 100", "3 дн."). */
const UNIT = /^(?:₽|руб|rub|коп|kop|%|[кКМГТ]?Б|[kKMGT]?B|[кКМГТ]Б|[KMGT]b|мин|min|SMS|СМС|sms|дн|день|дня|дней|days?|мес|mes|months?|шт|ч|h|сек|sec|мегабайт\S*|гигабайт\S*|рубл\S*|копе\S*)(?=$|[/.,;:!?)»"'])/;
const NUMBER = /^[-−+]?\d[\d.,]*$/;

function glued(prev: string, next: string): boolean {
  const last = prev.slice(prev.lastIndexOf(' ') + 1);
  if (NUMBER.test(last) && UNIT.test(next)) return true;
  // Thousands written apart: "1 234,56 rub" on a Latin page, where the no-break space became a space.
  if (/^[-−+]?\d{1,3}$/.test(last) && /^\d{3}(?:[.,]\d+)?(?!\d)/.test(next)) return true;
  // A currency written first: "RUB 100".
  return /^(?:RUB|EUR|USD)$/.test(last) && /^[-−+]?\d/.test(next);
}

/** The words of a sentence, each number held together with its thousands and its unit. */
function chunks(sentence: string): string[] {
  const out: string[] = [];
  for (const word of sentence.split(/ +/)) {
    const prev = out[out.length - 1];
    if (prev !== undefined && glued(prev, word)) out[out.length - 1] = `${prev} ${word}`;
    else out.push(word);
  }
  return out;
}

/** Packs pieces greedily, joined by a space, into lines that each fit; a piece too long is given to `split`. */
function pack(pieces: string[], fits: (s: string) => boolean, split: (piece: string) => string[]): string[] {
  const out: string[] = [];
  let cur = '';
  for (const piece of pieces) {
    const candidate = cur ? `${cur} ${piece}` : piece;
    if (fits(candidate)) {
      cur = candidate;
      continue;
    }
    if (cur) out.push(cur);
    if (fits(piece)) {
      cur = piece;
      continue;
    }
    const parts = split(piece);
    cur = parts.pop() ?? '';
    out.push(...parts);
  }
  if (cur) out.push(cur);
  return out;
}

/** A single word longer than a page: hard split by code points. */
function hardSplit(word: string, fits: (s: string) => boolean): string[] {
  const out: string[] = [];
  let rest = Array.from(word);
  while (rest.length > 0) {
    let n = rest.length;
    while (n > 1 && !fits(rest.slice(0, n).join(''))) n--;
    out.push(rest.slice(0, n).join(''));
    rest = rest.slice(n);
  }
  return out;
}

/**
 * Breaks a long text line into pieces that each fit a page beside the widest navigation. Pieces
 * end between sentences, so a sentence that states an amount ("Спишем сейчас 33,50 ₽") is read
 * whole on one page. Only a sentence longer than a page is broken inside, between words, and then
 * never between a number and its currency or unit.
 */
function wrap(line: string, fits: (s: string) => boolean): string[] {
  if (fits(line)) return [line];
  return pack(sentences(line), fits, (sentence) => pack(chunks(sentence), fits, (word) => hardSplit(word, fits)));
}

export function paginate(s: Screen): string[] {
  const worstNav = [s.next, s.back ?? s.prev, s.prev].filter((x, i, a) => a.indexOf(x) === i);
  const fitsAlone = (u: string) => fitsPage(render([u], worstNav));
  const head = s.head.flatMap((l) => wrap(l, fitsAlone));
  const units = [...head, ...s.items.map((i) => shorten(i, fitsAlone))];
  const nav = (page: number, more: boolean): string[] => {
    if (s.final && !more) return [];
    const back = page === 0 ? s.back : s.prev;
    return [...(more ? [s.next] : []), ...(back !== null ? [back] : [])];
  };
  const pages: string[] = [];
  let cur: string[] = [];
  units.forEach((u, i) => {
    const more = i < units.length - 1;
    const candidate = [...cur, u];
    if (cur.length === 0 || fitsPage(render(candidate, nav(pages.length, more)))) {
      cur = candidate;
      return;
    }
    pages.push(render(cur, nav(pages.length, true)));
    cur = [u];
  });
  pages.push(render(cur, nav(pages.length, false)));
  return pages;
}
