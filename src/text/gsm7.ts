/**
 * The GSM 03.38 default alphabet, written out here so that a page's alphabet (and so its length
 * limit) is decided exactly as the network decides it. A USSD page is 160 octets: 182 septets of
 * GSM 7-bit, or 80 UTF-16 code units of UCS-2 as soon as one character is outside the alphabet.
 */
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** The extension table: each costs two septets (escape + code). */
const EXTENSION = '\f^{}\\[~]|€';

const basic = new Set(BASIC);
const extension = new Set(EXTENSION);

export const GSM7_PAGE_LIMIT = 182;
export const UCS2_PAGE_LIMIT = 80;

export function isGsm7(text: string): boolean {
  for (const ch of text) if (!basic.has(ch) && !extension.has(ch)) return false;
  return true;
}

/** Characters of the basic table only: what transliterated pages are held to. */
export function isGsm7Basic(text: string): boolean {
  for (const ch of text) if (!basic.has(ch)) return false;
  return true;
}

export function gsm7Septets(text: string): number {
  let n = 0;
  for (const ch of text) n += extension.has(ch) ? 2 : 1;
  return n;
}

/** The length that counts against the limit of the alphabet the text needs. */
export function pageLength(text: string): { alphabet: 'gsm7' | 'ucs2'; length: number; limit: number } {
  return isGsm7(text)
    ? { alphabet: 'gsm7', length: gsm7Septets(text), limit: GSM7_PAGE_LIMIT }
    : { alphabet: 'ucs2', length: text.length, limit: UCS2_PAGE_LIMIT };
}

export function fitsPage(text: string): boolean {
  const p = pageLength(text);
  return p.length <= p.limit;
}

/**
 * How many SMS a text is sent as: one of 160 septets (GSM 7-bit) or 70 UCS-2 units, else parts of
 * 153 or 67 (a concatenated part gives 7 septets or 3 units to its header).
 */
export function smsParts(text: string): number {
  const p = isGsm7(text) ? { length: gsm7Septets(text), single: 160, part: 153 } : { length: text.length, single: 70, part: 67 };
  return p.length <= p.single ? 1 : Math.ceil(p.length / p.part);
}
