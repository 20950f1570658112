/**
 * What an SMS command looks like after the subscriber's phone and thumbs: any case, extra spaces,
 * ё for е, and Latin letters that look Cyrillic (and back). Words are compared by a skeleton in
 * which look-alike letters of both alphabets are one letter.
 */
const LOOKALIKE: Record<string, string> = {
  А: 'A', В: 'B', Е: 'E', Ё: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', Х: 'X', У: 'Y',
  A: 'A', B: 'B', E: 'E', K: 'K', M: 'M', H: 'H', O: 'O', P: 'P', C: 'C', T: 'T', X: 'X', Y: 'Y',
};

export function words(text: string): string[] {
  return text
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex -- control characters become spaces
    .replace(/[\u0000-\u001f\u200b-\u200f\u2028-\u202e\ufeff]/g, ' ')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => w.toUpperCase().replace(/Ё/g, 'Е'));
}

export function skeleton(word: string): string {
  return [...word.toUpperCase().replace(/Ё/g, 'Е')].map((c) => LOOKALIKE[c] ?? c).join('');
}

export function sameWord(typed: string, keyword: string): boolean {
  return skeleton(typed) === skeleton(keyword);
}

/** A sender a reply may go to: a real subscriber number, not a short code or a name. */
export function isPersonalNumber(sender: string): boolean {
  return /^\+?\d{11,15}$/.test(sender.trim());
}
