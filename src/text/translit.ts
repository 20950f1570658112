import { isGsm7Basic } from './gsm7.ts';

/**
 * Russian → Latin for feature phones, close to the scheme of Russian passports (ICAO 9303) but
 * readable without diacritics or apostrophes: ж zh, х kh, ц ts, ч ch, ш sh, щ shch, ю yu, я ya,
 * й and ы y, ё and э e, ъ and ь dropped. "Обещанный платёж" → "Obeshchannyy platezh".
 */
const map: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'y', к: 'k', л: 'l', м: 'm',
  н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'shch',
  ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
  // Ukrainian and Belarusian letters that turn up in names
  і: 'i', ї: 'yi', є: 'ye', ґ: 'g', ў: 'u',
};

/** Typography and symbols outside the GSM basic table, written the way a phone can show them. */
const symbols: Record<string, string> = {
  '«': '"', '»': '"', '„': '"', '“': '"', '”': '"', '‘': "'", '’': "'", '`': "'", '´': "'",
  '—': '-', '–': '-', '‑': '-', '−': '-', '…': '...', '₽': 'rub', '№': 'No', '•': '-', '×': 'x',
  '\u00a0': ' ', '\u202f': ' ', '\t': ' ', '[': '(', ']': ')', '{': '(', '}': ')', '^': '', '~': '-', '|': '/', '\\': '/', '€': 'EUR',
};

function isUpper(ch: string | undefined): boolean {
  return ch !== undefined && ch !== ch.toLowerCase() && ch === ch.toUpperCase();
}

export function transliterate(text: string): string {
  const chars = Array.from(text.normalize('NFC'));
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    const lower = ch.toLowerCase();
    const latin = map[lower];
    if (latin === undefined) {
      out += ch;
      continue;
    }
    if (!isUpper(ch) || latin === '') out += latin;
    // A capital inside a capitalised word stays all capitals ("ЩИ" → "SHCHI"), else only the first letter.
    else if (isUpper(chars[i + 1]) || (isUpper(chars[i - 1]) && !/[a-zа-яё]/i.test(chars[i + 1] ?? ''))) out += latin.toUpperCase();
    else out += latin[0]!.toUpperCase() + latin.slice(1);
  }
  return out;
}

/**
 * Any text made safe for a GSM 7-bit page using only the basic table: Cyrillic transliterated,
 * accents stripped, typography replaced, and whatever is left (emoji, other scripts) shown as '?'.
 */
export function toGsm7Latin(text: string): string {
  // Accents go too (é → e), so Latin pages read the same on every handset font.
  const t = transliterate(text).normalize('NFD').replace(/[\u0300-\u036f]/g, '').normalize('NFC');
  let out = '';
  for (const ch of t) {
    if (isGsm7Basic(ch)) out += ch;
    else out += symbols[ch] ?? '?';
  }
  return out;
}
