import { XMLParser } from 'fast-xml-parser';

/**
 * Reads one VoiceXML page the way a voice browser for keypad input would: what it says (each
 * `<audio src>` with its fallback text, or bare text), what it waits for (a `<menu>` of `<choice>`
 * keys, or a `<field>` of digits) and where each answer goes (the `<choice next>` address, the
 * `<submit>` of `<filled>`, `<noinput>`, `<nomatch>` and the hang-up `<catch>`, with the `<var>` and
 * `<assign>` values its namelist names). Nothing here knows the menu: it is all read from the page.
 */

type Node = Record<string, unknown>;

export interface Submit {
  url: string;
  method: 'GET' | 'POST';
  /** Variables named by the namelist, with the values the page gave them (`d` is the caller's input). */
  names: string[];
  vars: Record<string, string>;
}

export interface VxmlPage {
  /** The page's `xml:lang` (ru-RU, en-US), when it has one. */
  lang: string | null;
  prompts: { text: string; src: string | null }[];
  expects: { kind: 'menu'; keys: string[] } | { kind: 'digits'; maxDigits: number } | null;
  /** Key → address for a menu. */
  choices: Record<string, string>;
  filled: Submit | null;
  events: Partial<Record<'noinput' | 'nomatch' | 'hangup', Submit>>;
  /**
   * How long the browser waits for a key once the prompts have played before it throws `noinput`:
   * the page's `timeout` property (in its menu or form, else at document level), or 5 s, the usual
   * platform default. Null when the page waits for nothing.
   */
  timeoutMs: number | null;
  ended: boolean;
}

/** The default `timeout` when a page sets none (VoiceXML 2.1 leaves it to the platform). */
export const DEFAULT_TIMEOUT_MS = 5000;

/** A VoiceXML time designation (`5s`, `2.5s`, `500ms`) in milliseconds; null if it is not one. */
export function timeDesignation(value: string | undefined): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)(s|ms)\s*$/.exec(value ?? '');
  if (!m) return null;
  const ms = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  return Number.isFinite(ms) && ms <= 600_000 ? Math.round(ms) : null;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
});

const nameOf = (n: Node): string => Object.keys(n).find((k) => k !== ':@') ?? '';
const kids = (n: Node): Node[] => {
  const v = n[nameOf(n)];
  return Array.isArray(v) ? (v as Node[]) : [];
};
const attr = (n: Node, a: string): string | undefined => {
  const v = (n[':@'] as Record<string, unknown> | undefined)?.[a];
  return typeof v === 'string' ? v : undefined;
};
const textOf = (n: Node): string =>
  nameOf(n) === '#text' ? String(n['#text'] ?? '') : kids(n).map(textOf).filter(Boolean).join(' ');

function* walk(nodes: Node[], skip: (n: Node) => boolean = () => false): Generator<Node> {
  for (const n of nodes) {
    if (skip(n)) continue;
    yield n;
    yield* walk(kids(n), skip);
  }
}

/** The value of an ECMAScript string literal in an `expr` attribute (`'abc'`); anything else is refused. */
function literal(expr: string): string {
  const m = /^'((?:[^'\\]|\\.)*)'$/.exec(expr.trim()) ?? /^"((?:[^"\\]|\\.)*)"$/.exec(expr.trim());
  if (!m) throw new Error(`unsupported expression ${expr}`);
  return m[1]!.replace(/\\(.)/g, '$1');
}

/** Variables declared with `<var>` at document level, then any `<assign>` inside the handler. */
function submitIn(handler: Node | undefined, docVars: Record<string, string>): Submit | null {
  if (!handler) return null;
  const vars = { ...docVars };
  for (const n of walk(kids(handler))) {
    if (nameOf(n) === 'assign') vars[attr(n, 'name') ?? ''] = literal(attr(n, 'expr') ?? "''");
    if (nameOf(n) === 'submit') {
      const url = attr(n, 'next');
      if (!url) return null;
      const names = (attr(n, 'namelist') ?? '').split(/\s+/).filter(Boolean);
      return { url, method: attr(n, 'method')?.toUpperCase() === 'POST' ? 'POST' : 'GET', names, vars: Object.fromEntries(names.filter((k) => k in vars).map((k) => [k, vars[k]!])) };
    }
  }
  return null;
}

export function readVxml(xml: string): VxmlPage {
  const doc = parser.parse(xml) as Node[];
  const root = doc.find((n) => nameOf(n) === 'vxml');
  if (!root) throw new Error('not a VoiceXML document');
  const top = kids(root);
  const docVars: Record<string, string> = {};
  for (const n of top) if (nameOf(n) === 'var') docVars[attr(n, 'name') ?? ''] = literal(attr(n, 'expr') ?? "''");

  const handlers = new Set(['noinput', 'nomatch', 'catch', 'filled', 'error', 'help']);
  const prompts: VxmlPage['prompts'] = [];
  for (const p of walk(top, (n) => handlers.has(nameOf(n)))) {
    if (nameOf(p) !== 'prompt') continue;
    for (const part of kids(p)) {
      if (nameOf(part) === 'audio') prompts.push({ text: textOf(part), src: attr(part, 'src') ?? null });
      else if (nameOf(part) === '#text' && textOf(part)) prompts.push({ text: textOf(part), src: null });
    }
  }

  const all = [...walk(top)];
  const menu = all.find((n) => nameOf(n) === 'menu');
  const field = all.find((n) => nameOf(n) === 'field');
  const scope = menu ?? field;
  const hangupCatch = top.find((n) => nameOf(n) === 'catch' && (attr(n, 'event') ?? '').split(/\s+/).some((e) => e === 'connection.disconnect.hangup' || e === 'connection.disconnect'));
  const events: VxmlPage['events'] = {};
  const hang = submitIn(hangupCatch, docVars);
  if (hang) events.hangup = hang;
  for (const ev of ['noinput', 'nomatch'] as const) {
    const s = submitIn(scope ? kids(scope).find((n) => nameOf(n) === ev) : undefined, docVars);
    if (s) events[ev] = s;
  }
  const choices: Record<string, string> = {};
  let expects: VxmlPage['expects'] = null;
  let filled: Submit | null = null;
  if (menu) {
    for (const c of kids(menu)) {
      const key = attr(c, 'dtmf');
      const next = attr(c, 'next');
      if (nameOf(c) === 'choice' && key && next) choices[key] = next;
    }
    expects = { kind: 'menu', keys: Object.keys(choices) };
  } else if (field) {
    const repeat = [...walk(kids(field))].map((n) => attr(n, 'repeat')).find((r) => r !== undefined);
    const max = Number(/(\d+)\s*$/.exec(repeat ?? '')?.[1] ?? 20);
    filled = submitIn(kids(field).find((n) => nameOf(n) === 'filled'), docVars);
    expects = filled ? { kind: 'digits', maxDigits: max } : null;
  }
  const ended = expects === null || all.some((n) => nameOf(n) === 'disconnect' || nameOf(n) === 'exit');
  // The nearest `timeout` property: the menu's or form's own, then the document's.
  const timeoutOf = (nodes: Node[]) => nodes.filter((n) => nameOf(n) === 'property' && attr(n, 'name') === 'timeout').map((n) => timeDesignation(attr(n, 'value'))).find((v) => v !== null);
  const form = field ? top.find((n) => nameOf(n) === 'form' && [...walk(kids(n))].includes(field)) : undefined;
  const timeoutMs = ended ? null : (timeoutOf(kids(field ?? menu!)) ?? timeoutOf(form ? kids(form) : []) ?? timeoutOf(top) ?? DEFAULT_TIMEOUT_MS);
  return { lang: attr(root, 'xml:lang') ?? null, prompts, expects: ended ? null : expects, choices, filled, events, timeoutMs, ended };
}
