import { randomUUID } from 'node:crypto';
import { refusalWords } from '../../domain/actions/refusal-words.ts';
import type { Core } from '../../domain/core.ts';
import type { Ctx, Lang } from '../../domain/shared/context.ts';
import { isDomainError, type DomainError } from '../../domain/shared/errors.ts';
import { getProfile } from '../../domain/subscribers/get-profile.ts';
import { saveUssdSession, startUssdHop, type UssdCaller, type UssdDialTarget, type UssdFrame } from './ussd-session.ts';
import { fitsPage } from '../../text/gsm7.ts';
import { nodes, serviceRoots, type MenuCtx, type Outcome, type View } from './menu.ts';
import { paginate, shorten } from './paginate.ts';
import { texts } from './texts.ts';
import { toGsm7Latin } from '../../text/translit.ts';

/**
 * The USSD engine every gateway calls (HTTP aggregators now, SMPP later): one hop in, one page
 * out. The session lives in the store, so any instance can answer the next hop.
 */
export interface UssdRequest {
  /** The gateway's session id. */
  sessionId: string;
  /** The caller's number as the authenticated gateway reports it. */
  msisdn: string;
  /** The dial string: "*111#", or a full one such as "*111*2*1#". */
  serviceCode: string;
  /** What the subscriber typed on this hop ("" on the first). */
  input: string;
  isFirst: boolean;
  /**
   * For gateways that send every input so far joined by '*' (the HTTP aggregator form): the
   * whole history. The engine takes the part it has not seen and answers a repeat with the
   * reply it already gave, without acting again.
   */
  history?: string;
}

export interface UssdReply {
  text: string;
  /** True: the session is over (END); false: the handset waits for input (CON). */
  end: boolean;
}

export interface UssdEngineOptions {
  /** The link "*111*1#" texts. */
  appUrl: string;
  /** Silence after which a session starts over. */
  sessionTtlSeconds?: number;
}

const MAX_INPUT = 182;

interface HopState {
  stack: UssdFrame[];
  notice: string | null;
  done: Outcome | null;
}

/** "*111*2*1#" → ["111", "2", "1"]; null when it is not a dial string. */
export function parseDialString(s: string): string[] | null {
  // A segment may be a phone number (11 digits), as in *111*974*3*79001234567#.
  const m = /^\*?(\d{1,11}(?:\*\d{1,11}){0,9})#?$/.exec(s.trim());
  return m ? m[1]!.split('*') : null;
}

function splitHistory(h: string): string[] {
  return h === '' ? [] : h.split('*');
}

/** Only digits and '*' can come from a keypad: anything else is dropped before it is read. */
function cleanInput(s: string): string {
  return s.slice(0, MAX_INPUT * 2).trim().slice(0, MAX_INPUT);
}

export function createUssdEngine(core: Core, options: UssdEngineOptions) {
  const ttlMs = (options.sessionTtlSeconds ?? 120) * 1000;

  /** A refusal in the shared words of the error table, with catalog names instead of codes. */
  function refusal(e: DomainError, lang: Lang): Promise<string> {
    return refusalWords(core.db, { code: e.code, params: e.params }, lang);
  }

  function menuCtx(caller: UssdCaller, ctx: Ctx): MenuCtx {
    let profile: ReturnType<MenuCtx['profile']> | null = null;
    return {
      core,
      ctx,
      msisdn: caller.msisdn,
      lang: caller.language,
      style: caller.script === 'latin' ? 'translit' : 'text',
      t: texts[caller.language],
      appUrl: options.appUrl,
      profile: () => (profile ??= getProfile(core, ctx, { msisdn: caller.msisdn })),
    };
  }

  async function render(m: MenuCtx, f: UssdFrame): Promise<View> {
    const node = nodes[f.n];
    if (!node || !('render' in node)) return { kind: 'text', text: m.t.invalid, end: true };
    try {
      return await node.render(m, f.a ?? '');
    } catch (e) {
      if (!isDomainError(e)) throw e;
      return { kind: 'text', text: await refusal(e, m.lang), end: false };
    }
  }

  function pages(m: MenuCtx, view: View, depth: number, notice: string | null, out: (s: string) => string): string[] {
    const own = view.kind === 'menu' ? (view.head ? [view.head] : []) : view.kind === 'input' ? [view.head] : [view.text];
    const head = [...(notice ? [notice] : []), ...own].flatMap((l) => l.split('\n'));
    return paginate({
      head: head.map(out),
      items: view.kind === 'menu' ? view.items.map((it, i) => out(`${i + 1} ${it.label}`)) : [],
      back: depth > 1 ? out(view.kind === 'menu' && view.confirm ? m.t.cancel : m.t.back) : null,
      prev: out(m.t.back),
      next: out(m.t.next),
      final: view.kind === 'text' && view.end,
    });
  }

  /** Applies one input to the screen on top of the stack. */
  async function apply(m: MenuCtx, st: HopState, raw: string, out: (s: string) => string): Promise<void> {
    const input = cleanInput(raw);
    const top = st.stack[st.stack.length - 1]!;
    const view = await render(m, top);
    const count = pages(m, view, st.stack.length, null, out).length;
    st.notice = null;
    if (input === '') {
      st.notice = m.t.empty;
      top.p = 0;
      return;
    }
    if (input === '00' && top.p < count - 1) {
      top.p += 1;
      return;
    }
    if (input === '0') {
      if (top.p > 0) top.p -= 1;
      else if (st.stack.length > 1) st.stack.pop();
      else st.notice = m.t.invalid;
      return;
    }
    // A confirmation confirms only from the page that shows "1 Confirm", after its price: a long
    // text split over pages cannot be confirmed unseen from its first page.
    if (view.kind === 'menu' && view.confirm && input === '1' && top.p < count - 1) {
      top.p += 1;
      return;
    }
    if (view.kind === 'input') {
      // A typed number (an amount, or a phone number of up to 15 digits) opens the screen that judges it (through the action registry).
      if (/^\d{1,15}$/.test(input)) st.stack.push({ n: view.to, a: view.arg !== undefined ? `${view.arg}*${input}` : input, p: 0 });
      else st.notice = m.t.invalid;
      return;
    }
    const item = /^\d{1,3}$/.test(input) && view.kind === 'menu' ? view.items[Number(input) - 1] : undefined;
    if (!item) {
      st.notice = m.t.invalid;
      top.p = 0;
      return;
    }
    const node = nodes[item.to.n];
    if (node && 'act' in node) {
      try {
        st.done = await node.act(m, item.to.a ?? '');
      } catch (e) {
        if (!isDomainError(e)) throw e;
        st.done = { text: await refusal(e, m.lang) };
      }
      return;
    }
    st.stack.push({ n: item.to.n, ...(item.to.a !== undefined ? { a: item.to.a } : {}), p: 0 });
  }

  /**
   * The stack a dial string opens: a product's or tariff's own code (looked up with the hop's
   * first read, see `dialLookup`), or a menu path.
   */
  async function open(m: MenuCtx, segments: string[], out: (s: string) => string, target: UssdDialTarget | null): Promise<HopState | null> {
    if (segments.length > 1 && target?.kind === 'product') return { stack: [{ n: 'root', p: 0 }, { n: 'prod', a: target.code, p: 0 }], notice: null, done: null };
    if (segments.length > 1 && target?.kind === 'tariff') return { stack: [{ n: 'root', p: 0 }, { n: 'tariff.q', a: target.code, p: 0 }], notice: null, done: null };
    // The longest known service prefix, then the rest as menu choices.
    for (let k = Math.min(segments.length, 2); k >= 1; k--) {
      const root = serviceRoots[segments.slice(0, k).join('*')];
      if (!root) continue;
      const st: HopState = { stack: root.map((t) => ({ n: t.n, ...(t.a !== undefined ? { a: t.a } : {}), p: 0 })), notice: null, done: null };
      await walk(m, st, segments.slice(k), out);
      return st;
    }
    return null;
  }

  /** Follows choices given in advance, stopping at any confirmation: a paid action is never taken unseen. */
  async function walk(m: MenuCtx, st: HopState, inputs: string[], out: (s: string) => string): Promise<void> {
    for (const input of inputs) {
      const view = await render(m, st.stack[st.stack.length - 1]!);
      if (view.kind === 'menu' && view.confirm) return;
      await apply(m, st, input, out);
      if (st.notice || st.done) return;
    }
  }

  async function reply(m: MenuCtx, st: HopState, caller: UssdCaller): Promise<UssdReply> {
    if (st.done) {
      const latin = (st.done.script ?? caller.script) === 'latin';
      const text = latin ? toGsm7Latin(st.done.text) : st.done.text;
      return { text: shorten(text, fitsPage), end: true };
    }
    const out = outFor(caller.script);
    const top = st.stack[st.stack.length - 1]!;
    const view = await render(m, top);
    const list = pages(m, view, st.stack.length, st.notice, out);
    top.p = Math.min(top.p, list.length - 1);
    const last = top.p === list.length - 1;
    return { text: list[top.p]!, end: view.kind === 'text' && view.end && last };
  }

  async function handleUssd(req: UssdRequest): Promise<UssdReply> {
    // A new session's dial string, known before anything is read, so that the product or tariff
    // it may name is looked up in the same statement as the caller and their session.
    const dialInText = parseDialString(req.input) !== null && /[#*]/.test(req.input);
    const newServiceCode = dialInText ? req.input.trim() : req.serviceCode.trim();
    const newSegments = req.isFirst ? parseDialString(newServiceCode) : null;
    const hop = await startUssdHop(core, req.msisdn, dialLookup(newSegments));
    if (!hop) return { text: texts.ru.notServed, end: true };
    const caller = hop.caller;
    const now = core.clock.now();
    const row = hop.session;
    const same = row !== null && row.sessionId === req.sessionId;
    const fresh = row !== null && now.getTime() - row.updatedAt.getTime() <= ttlMs;
    const history = req.history !== undefined ? splitHistory(req.history.slice(0, 4096)) : null;
    if (same && fresh && history && history.length <= row.consumed) return row.lastReply;

    const out = outFor(caller.script);
    let st: HopState;
    let consumed: number;
    let startedAt = now;
    let serviceCode: string;
    const ctxFor = (n: number): Ctx => ({
      actor: { kind: 'subscriber', subscriberId: caller.subscriberId },
      channel: 'ussd',
      requestId: randomUUID(),
      lang: caller.language,
      idempotencyKey: `ussd:${req.sessionId}:${startedAt.getTime()}:${n}`,
    });

    // A dial (isFirst) always opens a new session, even under the id of one still open: over SMPP
    // the id may be the number itself, and a dialogue the subscriber walked away from is not
    // where a new code should land.
    if (same && fresh && !row.ended && !req.isFirst) {
      consumed = history ? history.length : row.consumed + 1;
      startedAt = row.startedAt;
      serviceCode = row.serviceCode;
      const m = menuCtx(caller, ctxFor(consumed));
      st = { stack: row.stack, notice: null, done: null };
      await apply(m, st, history ? history.slice(row.consumed).join('*') : req.input, out);
      return finish(m, st);
    }
    if (!req.isFirst) {
      // An input for a session that went quiet too long, ended, or was replaced by a newer dial:
      // start over from its service's menu, acting on nothing that was typed for the old one.
      consumed = history ? history.length : (same ? row.consumed + 1 : 0);
      serviceCode = same ? row.serviceCode : req.serviceCode;
      const m = menuCtx(caller, ctxFor(consumed));
      const segments = parseDialString(serviceCode) ?? ['111'];
      st = (await open(m, segments.slice(0, 1), out, null)) ?? { stack: [{ n: 'root', p: 0 }], notice: null, done: null };
      st.notice = m.t.expired;
      return finish(m, st);
    }
    // A new session: the dial string, from the service code or a full one sent as the first text.
    serviceCode = newServiceCode;
    consumed = 0;
    const m = menuCtx(caller, ctxFor(consumed));
    const opened = newSegments ? await open(m, newSegments, out, hop.dialTarget) : null;
    if (!opened) return { text: out(m.t.unknownCode), end: true };
    st = opened;
    return finish(m, st);

    async function finish(m: MenuCtx, s: HopState): Promise<UssdReply> {
      const r = await reply(m, s, caller!);
      await saveUssdSession(core, caller!, {
        sessionId: req.sessionId,
        serviceCode,
        stack: s.stack,
        consumed,
        lastReply: r,
        ended: r.end,
        startedAt,
        updatedAt: now,
      });
      return r;
    }
  }

  /**
   * One screen as the caller would read it, whole (before it is cut into pages) and in their
   * language and script: `{ n: 'prod', a: productCode }` is a product's confirmation (its
   * statement of price and what is charged now), `{ n: 'tariff.q', a: tariffCode }` a tariff's,
   * `{ n: 'pp.q', a: roubles }` a promised payment's; a refused one is the refusal's message.
   * Reads only: for tests that compare what the channels state.
   */
  async function screen(msisdn: string, target: { n: string; a?: string }): Promise<{ text: string; confirm: boolean }> {
    const hop = await startUssdHop(core, msisdn, null);
    if (!hop) throw new Error(`no subscriber ${msisdn}`);
    const caller = hop.caller;
    const ctx: Ctx = { actor: { kind: 'subscriber', subscriberId: caller.subscriberId }, channel: 'ussd', requestId: randomUUID(), lang: caller.language };
    const m = menuCtx(caller, ctx);
    const view = await render(m, { n: target.n, ...(target.a !== undefined ? { a: target.a } : {}), p: 0 });
    const out = outFor(caller.script);
    const text = view.kind === 'menu' ? [view.head ?? '', ...view.items.map((it, i) => `${i + 1} ${it.label}`)].filter(Boolean).join('\n') : view.kind === 'input' ? view.head : view.text;
    return { text: text.split('\n').map(out).join('\n'), confirm: view.kind === 'menu' && view.confirm === true };
  }

  return { handleUssd, screen };
}

/** The catalog code a dial string of several segments may be ("*111*56#"); null for a bare service code. */
function dialLookup(segments: string[] | null): string | null {
  return segments && segments.length > 1 ? `*${segments.join('*')}#` : null;
}

function outFor(script: 'cyrillic' | 'latin'): (s: string) => string {
  return script === 'latin' ? toGsm7Latin : (s) => s;
}
