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

/** Breaks a long text line into pieces that each fit a page beside the widest navigation. */
function wrap(line: string, fits: (s: string) => boolean): string[] {
  if (fits(line)) return [line];
  const out: string[] = [];
  let cur = '';
  for (const word of line.split(/ +/)) {
    const candidate = cur ? `${cur} ${word}` : word;
    if (fits(candidate)) {
      cur = candidate;
      continue;
    }
    if (cur) out.push(cur);
    if (fits(word)) {
      cur = word;
      continue;
    }
    // A single word longer than a page: hard split by code points.
    let rest = Array.from(word);
    while (rest.length > 0) {
      let n = rest.length;
      while (n > 1 && !fits(rest.slice(0, n).join(''))) n--;
      out.push(rest.slice(0, n).join(''));
      rest = rest.slice(n);
    }
    cur = out.pop() ?? '';
  }
  if (cur) out.push(cur);
  return out;
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
