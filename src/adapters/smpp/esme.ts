import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import smpp, { type PDU, type Session } from 'smpp';
import type { PartProgress, SmsTransport } from '../../domain/notifications/sms-transport.ts';

/** SMPP 3.4 command statuses the ESME acts on. */
export const ESME_ROK = 0x00;
export const ESME_RINVCMDID = 0x03;
export const ESME_RSYSERR = 0x08;
export const ESME_RMSGQFUL = 0x14;
export const ESME_RTHROTTLED = 0x58;

/** A message that reached the ESME: deliver_sm or data_sm, decoded to plain fields. */
export interface InboundSm {
  command: 'deliver_sm' | 'data_sm';
  source: string;
  destination: string;
  esmClass: number;
  text: string;
  /** The ussd_service_op TLV (0x0501), when present. */
  ussdServiceOp: number | null;
  /** The receipted_message_id TLV, when present (delivery receipts). */
  receiptedMessageId: string | null;
  /** One part of a concatenated message: from the UDH (IEI 00 or 08) or the sar_* TLVs. */
  part: { ref: number; total: number; seq: number } | null;
  /** The user_message_reference TLV (the handset's TP-MR), when the SMSC passes it on. */
  userMessageReference: number | null;
  /**
   * The its_session_info TLV (0x1383, SMPP 3.4 5.3.2.43) of an interactive dialogue such as USSD:
   * octet 1 the session number, octet 2 the sequence number (bits 7–1) and the end-of-session
   * flag (bit 0). Null when absent or not two octets.
   */
  itsSessionInfo: ItsSessionInfo | null;
}

export interface ItsSessionInfo {
  session: number;
  sequence: number;
  end: boolean;
}

export function decodeItsSessionInfo(v: unknown): ItsSessionInfo | null {
  if (!Buffer.isBuffer(v) || v.length !== 2) return null;
  return { session: v[0]!, sequence: v[1]! >> 1, end: (v[1]! & 1) === 1 };
}

export function encodeItsSessionInfo(i: ItsSessionInfo): Buffer {
  return Buffer.from([i.session & 0xff, ((i.sequence & 0x7f) << 1) | (i.end ? 1 : 0)]);
}

/** What a handler answers: true when it took the message (the next handlers are not asked). */
export type InboundHandler = (sm: InboundSm) => Promise<boolean>;

export interface EsmeOptions {
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType?: string;
  /** Keep-alive period. */
  enquireLinkMs?: number;
  /** How long one request waits for its response (and for a bind, when the link is down). */
  requestTimeoutMs?: number;
  /** Requests in flight at once (submit_sm and the rest): several submit_sm wait for their answers side by side. */
  window?: number;
  /** submit_sm sent per second on this bind, throttled retries included; 0: no limit. */
  submitRate?: number;
  /** Reconnect back-off: first delay, doubled up to the maximum. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /**
   * Throttled submits (ESME_RTHROTTLED, ESME_RMSGQFUL): first delay, doubled each time, and the
   * attempts of one submit_sm. The delay holds every submit_sm on the bind, not only the refused one.
   */
  throttleBackoffMs?: number;
  throttleAttempts?: number;
  log?: Logger;
}

export class SmppError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

const GSM_BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXT: Record<string, number> = { '\f': 0x0a, '^': 0x14, '{': 0x28, '}': 0x29, '\\': 0x2f, '[': 0x3c, '~': 0x3d, ']': 0x3e, '|': 0x40, '€': 0x65 };

/** The text as GSM 7-bit septets (one per octet, escapes for the extension table); null when it needs UCS-2. */
export function gsm7Septets(text: string): number[][] | null {
  const out: number[][] = [];
  for (const ch of text) {
    const i = ch === '\x1b' ? -1 : GSM_BASIC.indexOf(ch);
    if (i >= 0) out.push([i]);
    else if (ch in GSM_EXT) out.push([0x1b, GSM_EXT[ch]!]);
    else return null;
  }
  return out;
}

export interface EncodedSm {
  dataCoding: 0 | 8;
  /** The short_message bodies: one, or several each starting with a concatenation UDH. */
  parts: Buffer[];
  concatenated: boolean;
}

function ucs2(s: string): Buffer {
  return Buffer.from(s, 'utf16le').swap16();
}

/**
 * Encodes a text for submit_sm: GSM-7 (data_coding 0) when every character is in the GSM
 * alphabet, UCS-2 (data_coding 8) otherwise. Up to 160 septets / 70 UCS-2 characters go in one
 * message; longer texts are split into parts of 153 septets / 67 characters, never splitting an
 * escape sequence or a surrogate pair, each with the UDH 05 00 03 ref total seq. `single`
 * (USSD) keeps the text in one message.
 */
export function encodeSm(text: string, ref: number, opts: { single?: boolean } = {}): EncodedSm {
  const septets = gsm7Septets(text);
  if (opts.single) {
    // USSD: one page, never split (up to 182 GSM-7 or 80 UCS-2 characters fit short_message).
    const body = septets ? Buffer.from(septets.flat()) : ucs2(text);
    if (body.length > 254) throw new SmppError('message too long for one short_message', null);
    return { dataCoding: septets ? 0 : 8, parts: [body], concatenated: false };
  }
  const chunks: Buffer[] = [];
  let dataCoding: 0 | 8;
  if (septets) {
    dataCoding = 0;
    const flat = septets.flat();
    if (flat.length <= 160) return { dataCoding, parts: [Buffer.from(flat)], concatenated: false };
    let cur: number[] = [];
    for (const s of septets) {
      if (cur.length + s.length > 153) {
        chunks.push(Buffer.from(cur));
        cur = [];
      }
      cur.push(...s);
    }
    if (cur.length) chunks.push(Buffer.from(cur));
  } else {
    dataCoding = 8;
    if (text.length <= 70) return { dataCoding, parts: [ucs2(text)], concatenated: false };
    let cur = '';
    for (const ch of text) {
      if (cur.length + ch.length > 67) {
        chunks.push(ucs2(cur));
        cur = '';
      }
      cur += ch;
    }
    if (cur) chunks.push(ucs2(cur));
  }
  const total = chunks.length;
  if (total > 255) throw new SmppError('message too long', null);
  const parts = chunks.map((c, i) => Buffer.concat([Buffer.from([0x05, 0x00, 0x03, ref & 0xff, total, i + 1]), c]));
  return { dataCoding, parts, concatenated: true };
}

/**
 * Where a deliver_sm sits in a concatenated message: the UDH information element 00 (8-bit
 * reference) or 08 (16-bit reference), or the sar_msg_ref_num / sar_total_segments /
 * sar_segment_seqnum TLVs. Null for a message of one part.
 */
export function concatenationOf(pdu: Pick<PDU, 'short_message' | 'message_payload' | 'sar_msg_ref_num' | 'sar_total_segments' | 'sar_segment_seqnum'>): { ref: number; total: number; seq: number } | null {
  for (const v of [pdu.short_message, pdu.message_payload]) {
    const udh = v && typeof v === 'object' && !Buffer.isBuffer(v) ? v.udh : undefined;
    for (const ie of udh ?? []) {
      if (ie[0] === 0x00 && ie[1] === 3 && ie.length >= 5) return valid(ie[2]!, ie[3]!, ie[4]!);
      if (ie[0] === 0x08 && ie[1] === 4 && ie.length >= 6) return valid((ie[2]! << 8) | ie[3]!, ie[4]!, ie[5]!);
    }
  }
  if (typeof pdu.sar_msg_ref_num === 'number' && typeof pdu.sar_total_segments === 'number' && typeof pdu.sar_segment_seqnum === 'number') {
    return valid(pdu.sar_msg_ref_num, pdu.sar_total_segments, pdu.sar_segment_seqnum);
  }
  return null;
}

/** A part numbering that makes sense (1 ≤ seq ≤ total, total ≥ 2); anything else counts as a single message. */
function valid(ref: number, total: number, seq: number): { ref: number; total: number; seq: number } | null {
  return total >= 2 && seq >= 1 && seq <= total ? { ref, total, seq } : null;
}

function messageText(v: unknown, dataCoding: number): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return (dataCoding & 0x0f) === 8 ? Buffer.from(v).swap16().toString('utf16le') : v.toString('latin1');
  const m = (v as { message?: unknown }).message;
  if (typeof m === 'string') return m;
  return Buffer.isBuffer(m) ? messageText(m, dataCoding) : '';
}

interface Pending {
  resolve(p: PDU): void;
  reject(e: Error): void;
}

/**
 * An SMPP 3.4 ESME: one bind_transceiver to the SMSC (or USSD gateway), kept alive with
 * enquire_link, reconnected with a doubling back-off after any drop. Requests carry a timeout and
 * at most `window` are in flight. Inbound deliver_sm/data_sm go to the registered handlers and
 * are answered after they finish; unknown PDUs get generic_nack; stray responses are ignored.
 *
 * Events: 'bound', 'unbound', 'handled' (InboundSm, took: boolean).
 */
export class Esme extends EventEmitter {
  private session: Session | null = null;
  private bound = false;
  private stopped = true;
  private attempt = 0;
  private keepAlive: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly handlers: InboundHandler[] = [];
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly pending = new Set<Pending>();
  private nextRef = 0;
  /** When the next submit_sm may leave (the rate), and until when the SMSC asked us to hold off. */
  private nextSubmitAt = 0;
  private throttledUntil = 0;
  private readonly o: Required<Omit<EsmeOptions, 'log' | 'systemType'>> & Pick<EsmeOptions, 'log' | 'systemType'>;

  constructor(opts: EsmeOptions) {
    super();
    this.o = {
      enquireLinkMs: 30_000,
      requestTimeoutMs: 10_000,
      window: 10,
      reconnectMinMs: 1_000,
      reconnectMaxMs: 60_000,
      throttleBackoffMs: 1_000,
      throttleAttempts: 5,
      submitRate: 0,
      ...opts,
    };
  }

  get isBound(): boolean {
    return this.bound;
  }

  /** Adds a handler for inbound messages; handlers are asked in the order added. */
  onInbound(h: InboundHandler): void {
    this.handlers.push(h);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** Unbinds (politely, when bound) and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const s = this.session;
    if (!s) return;
    if (this.bound) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1000);
        const done = () => {
          clearTimeout(t);
          resolve();
        };
        if (!s.send(new smpp.PDU('unbind'), done)) done();
      });
    }
    await new Promise<void>((resolve) => {
      if (s.socket.destroyed) resolve();
      else s.destroy(() => resolve());
    });
  }

  private connect(): void {
    const s = smpp.connect({ host: this.o.host, port: this.o.port });
    this.session = s;
    s.on('connect', () => {
      const bind = new smpp.PDU('bind_transceiver', { system_id: this.o.systemId, password: this.o.password, system_type: this.o.systemType ?? '', interface_version: 0x34 });
      s.send(bind, (resp) => {
        if (resp.command_status !== ESME_ROK) {
          this.o.log?.error({ status: resp.command_status }, 'smpp bind refused');
          s.destroy();
          return;
        }
        this.bound = true;
        this.attempt = 0;
        this.keepAlive = setInterval(() => this.enquireLink(s), this.o.enquireLinkMs);
        this.o.log?.info({ host: this.o.host, port: this.o.port }, 'smpp bound');
        this.emit('bound');
      });
    });
    s.on('pdu', (pdu: PDU) => this.onPdu(s, pdu));
    s.on('error', (err: Error) => {
      this.o.log?.warn({ err: err.message }, 'smpp link error');
      // A PDU that cannot be parsed leaves the stream out of step: start again.
      if (!s.socket.destroyed) s.destroy();
    });
    s.on('close', () => this.onClose(s));
  }

  private enquireLink(s: Session): void {
    const t = setTimeout(() => {
      this.o.log?.warn('smpp enquire_link unanswered: reconnecting');
      s.destroy();
    }, this.o.requestTimeoutMs);
    if (!s.send(new smpp.PDU('enquire_link'), () => clearTimeout(t))) clearTimeout(t);
  }

  private onClose(s: Session): void {
    if (this.session !== s) return;
    clearInterval(this.keepAlive);
    const was = this.bound;
    this.bound = false;
    this.session = null;
    for (const p of this.pending) p.reject(new SmppError('smpp link closed', null));
    this.pending.clear();
    if (was) this.emit('unbound');
    if (this.stopped) return;
    const delay = Math.min(this.o.reconnectMaxMs, this.o.reconnectMinMs * 2 ** this.attempt);
    this.attempt += 1;
    this.o.log?.info({ delay }, 'smpp reconnecting');
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private onPdu(s: Session, pdu: PDU): void {
    if (pdu.isResponse()) return; // matched by the session's callbacks, or stray: ignored
    switch (pdu.command) {
      case 'enquire_link':
        s.send(pdu.response());
        return;
      case 'unbind':
        s.send(pdu.response(), () => s.destroy());
        return;
      case 'deliver_sm':
      case 'data_sm':
        void this.inbound(s, pdu);
        return;
      default: // unknown commands, and ones an SMSC never sends to an ESME
        s.send(new smpp.PDU('generic_nack', { sequence_number: pdu.sequence_number, command_status: ESME_RINVCMDID }));
    }
  }

  private async inbound(s: Session, pdu: PDU): Promise<void> {
    const dc = pdu.data_coding ?? 0;
    const sm: InboundSm = {
      command: pdu.command as 'deliver_sm' | 'data_sm',
      source: String(pdu.source_addr ?? ''),
      destination: String(pdu.destination_addr ?? ''),
      esmClass: pdu.esm_class ?? 0,
      text: messageText(pdu.message_payload, dc) || messageText(pdu.short_message, dc),
      ussdServiceOp: typeof pdu.ussd_service_op === 'number' ? pdu.ussd_service_op : null,
      receiptedMessageId: typeof pdu.receipted_message_id === 'string' ? pdu.receipted_message_id : null,
      part: concatenationOf(pdu),
      userMessageReference: typeof pdu.user_message_reference === 'number' ? pdu.user_message_reference : null,
      itsSessionInfo: decodeItsSessionInfo(pdu.its_session_info),
    };
    let status = ESME_ROK;
    let took = false;
    try {
      for (const h of this.handlers) {
        if (await h(sm)) {
          took = true;
          break;
        }
      }
    } catch (err) {
      this.o.log?.error({ err }, 'smpp inbound handler failed');
      status = ESME_RSYSERR;
    }
    // The answer goes on the link it came from; if that link dropped, the SMSC sends it again.
    s.send(pdu.response(status === ESME_ROK ? { message_id: '' } : { command_status: status }));
    this.emit('handled', sm, took);
  }

  private async slot(): Promise<void> {
    if (this.inFlight < this.o.window) {
      this.inFlight += 1;
      return;
    }
    // The slot is handed over by release(): counting it again here would let a newcomer slip in
    // between and put window + 1 requests in flight.
    await new Promise<void>((r) => this.waiting.push(r));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight -= 1;
  }

  /** Waits for this submit_sm's turn: the per-bind rate, and any hold the SMSC asked for. */
  private async submitTurn(): Promise<void> {
    for (;;) {
      const now = Date.now();
      const at = Math.max(now, this.throttledUntil, this.o.submitRate > 0 ? this.nextSubmitAt : 0);
      if (at <= now) {
        if (this.o.submitRate > 0) this.nextSubmitAt = Math.max(now, this.nextSubmitAt) + 1000 / this.o.submitRate;
        return;
      }
      await new Promise((r) => setTimeout(r, at - now));
    }
  }

  private waitBound(deadline: number): Promise<void> {
    if (this.bound) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => (this.off('bound', ok), reject(new SmppError('smpp not bound', null))), Math.max(0, deadline - Date.now()));
      const ok = () => (clearTimeout(t), resolve());
      this.once('bound', ok);
    });
  }

  /** Sends one request and waits for its response (any status), within the request timeout. */
  async request(command: string, params: Record<string, unknown>): Promise<PDU> {
    const deadline = Date.now() + this.o.requestTimeoutMs;
    await this.slot();
    try {
      await this.waitBound(deadline);
      const s = this.session!;
      return await new Promise<PDU>((resolve, reject) => {
        const p: Pending = {
          resolve: (r) => (clearTimeout(t), this.pending.delete(p), resolve(r)),
          reject: (e) => (clearTimeout(t), this.pending.delete(p), reject(e)),
        };
        const t = setTimeout(() => p.reject(new SmppError(`smpp ${command} timed out`, null)), Math.max(0, deadline - Date.now()));
        this.pending.add(p);
        if (!s.send(new smpp.PDU(command, params), (resp) => p.resolve(resp))) p.reject(new SmppError('smpp link not writable', null));
      });
    } finally {
      this.release();
    }
  }

  /**
   * submit_sm at the bind's rate, retried with a doubling back-off (held for the whole bind) while
   * the SMSC says it is throttled or its queue is full.
   */
  async submit(params: Record<string, unknown>): Promise<string> {
    for (let i = 0; ; i++) {
      await this.submitTurn();
      const resp = await this.request('submit_sm', params);
      if (resp.command === 'submit_sm_resp' && resp.command_status === ESME_ROK) return String(resp.message_id ?? '');
      const throttled = resp.command_status === ESME_RTHROTTLED || resp.command_status === ESME_RMSGQFUL;
      if (!throttled || i + 1 >= this.o.throttleAttempts) {
        throw new SmppError(`smpp submit_sm refused: 0x${resp.command_status.toString(16).padStart(8, '0')}`, resp.command_status);
      }
      this.emit('throttled', resp.command_status);
      this.throttledUntil = Math.max(this.throttledUntil, Date.now() + this.o.throttleBackoffMs * 2 ** i);
    }
  }

  /**
   * Sends a text (encoded and split as `encodeSm` does); returns the SMSC's message id of each
   * part. `ussdServiceOp` adds the ussd_service_op TLV; a USSD page is never split.
   *
   * The parts of a long text go out side by side, as the window allows. `resume` is what an earlier
   * attempt got accepted: its reference is used again and its accepted parts are not sent again.
   * `onProgress` hears the reference before any part leaves, then each accepted part. When a part
   * fails the others are still waited for, and the first error is thrown (a refusal before a
   * transient one). A part whose answer never came (the link dropped, the request timed out) may
   * or may not have been taken by the SMSC: it counts as not accepted and is sent again.
   */
  async submitText(m: {
    from: string;
    to: string;
    text: string;
    registeredDelivery?: boolean;
    ussdServiceOp?: number;
    /** USSD: the dialogue's its_session_info, echoed back to the network. */
    itsSessionInfo?: ItsSessionInfo;
    /** USSD: the dialogue's user_message_reference, where the gateway keys dialogues by it. */
    userMessageReference?: number;
    resume?: PartProgress;
    onProgress?: (p: PartProgress) => Promise<void>;
  }): Promise<string[]> {
    const single = m.ussdServiceOp !== undefined;
    let ref = m.resume?.ref;
    if (ref === undefined) {
      this.nextRef = (this.nextRef + 1) & 0xff;
      ref = this.nextRef;
    }
    const enc = encodeSm(m.text, ref, { single });
    const total = enc.parts.length;
    // A resumed message is only continued when it splits the same way (it always does: same text, same reference).
    const ids: Record<string, string> = enc.concatenated && m.resume?.total === total ? { ...m.resume.ids } : {};
    if (enc.concatenated) await m.onProgress?.({ ref, total, ids: { ...ids } });
    const alpha = /[^0-9+]/.test(m.from);
    const missing = enc.parts.map((part, i) => ({ part, seq: i + 1 })).filter((p) => !ids[p.seq]);
    const results = await Promise.allSettled(
      missing.map(async ({ part, seq }) => {
        const id = await this.submit({
          source_addr_ton: alpha ? 5 : 0,
          source_addr_npi: alpha ? 0 : 1,
          source_addr: m.from,
          dest_addr_ton: 1,
          dest_addr_npi: 1,
          destination_addr: m.to.replace(/^\+/, ''),
          esm_class: enc.concatenated ? 0x40 : 0,
          data_coding: enc.dataCoding,
          registered_delivery: m.registeredDelivery === false ? 0 : 1,
          short_message: part,
          ...(m.ussdServiceOp !== undefined ? { ussd_service_op: m.ussdServiceOp } : {}),
          ...(m.itsSessionInfo !== undefined ? { its_session_info: encodeItsSessionInfo(m.itsSessionInfo) } : {}),
          ...(m.userMessageReference !== undefined ? { user_message_reference: m.userMessageReference } : {}),
        });
        ids[seq] = id;
        if (enc.concatenated) await m.onProgress?.({ ref, total, ids: { ...ids } });
      }),
    );
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    if (errors.length) throw errors.find((e) => e instanceof SmppError && !isTransient(e.status)) ?? errors[0]!;
    return enc.parts.map((_, i) => ids[i + 1]!);
  }
}

/** No answer (null: link down, timeout) or the SMSC busy: worth trying again later. */
function isTransient(status: number | null): boolean {
  return status === null || status === ESME_RTHROTTLED || status === ESME_RMSGQFUL;
}

/**
 * Outbound SMS through the ESME: delivery receipts requested; the parts' message ids are kept. A
 * long message resumes from the parts the outbox recorded as accepted, under the same reference.
 */
export function smppTransport(esme: Pick<Esme, 'submitText'>): SmsTransport {
  return {
    name: 'smpp',
    async send(m, onProgress) {
      try {
        const refs = await esme.submitText({
          from: m.sender,
          to: m.msisdn,
          text: m.text,
          registeredDelivery: true,
          ...(m.parts ? { resume: m.parts } : {}),
          ...(onProgress ? { onProgress } : {}),
        });
        return { status: 'sent', ref: refs[0] ?? '', refs };
      } catch (e) {
        // No answer (link down, timeout) or still throttled: try later. Any other status is the SMSC refusing the message.
        return { status: isTransient(e instanceof SmppError ? e.status : null) ? 'retry' : 'failed', error: (e as Error).message };
      }
    },
  };
}
