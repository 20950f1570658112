import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import smpp, { type PDU, type Server, type Session } from 'smpp';
import { encodeSm, Esme, SmppError, smppTransport, type InboundSm } from '../../src/adapters/smpp/esme.ts';
import { smsSmppGateway } from '../../src/channels/sms/smpp-gateway.ts';
import { ussdSmppGateway, type UssdSmppLink } from '../../src/channels/ussd/smpp-gateway.ts';
import { loadConfig } from '../../src/config.ts';
import { buildSmpp } from '../../src/server.ts';
import type { Core } from '../../src/domain/core.ts';
import { enqueueSms } from '../../src/domain/notifications/enqueue-sms.ts';
import { drainOutbox, RETRY_DELAYS_SECONDS } from '../../src/jobs/sms-outbox.ts';
import { ledgerSum, makeSubscriber, testCore, type TestEnv } from '../helpers/core.ts';

/**
 * A real SMPP peer: the `smpp` package's server role on 127.0.0.1 plays the SMSC. It accepts
 * binds, answers submit_sm with ids m1, m2, … (or ESME_RTHROTTLED while `throttle` > 0 or
 * `throttleIf` says so), and queues every submit_sm for the test to await. What it acknowledged is
 * what the handset gets (`accepted`). `dropAfter` acknowledges that many more submit_sm, then
 * closes the link and ignores whatever else was sent on it; `hold` leaves submit_sm unanswered
 * until `release()`, counting how many wait at once.
 */
class Smsc {
  readonly server: Server;
  session: Session | null = null;
  binds = 0;
  throttle = 0;
  throttleIf: ((p: PDU) => boolean) | null = null;
  dropAfter: number | null = null;
  hold = false;
  maxHeld = 0;
  readonly accepted: PDU[] = [];
  readonly arrivals: number[] = [];
  private held: (() => void)[] = [];
  private readonly dropped = new Set<Session>();
  private ids = 0;
  private readonly submits: PDU[] = [];
  private readonly waiters: { pred: (p: PDU) => boolean; resolve: (p: PDU) => void }[] = [];
  private readonly bindWaiters: (() => void)[] = [];

  constructor() {
    this.server = smpp.createServer({}, (s) => {
      s.on('bind_transceiver', (pdu: PDU) => {
        this.session = s;
        this.binds += 1;
        s.send(pdu.response({ system_id: 'test-smsc' }));
        this.bindWaiters.splice(0).forEach((w) => w());
      });
      s.on('enquire_link', (pdu: PDU) => s.send(pdu.response()));
      s.on('unbind', (pdu: PDU) => s.send(pdu.response()));
      s.on('submit_sm', (pdu: PDU) => {
        if (this.dropped.has(s)) return; // sent after we closed: never taken, never answered
        this.arrivals.push(Date.now());
        if (this.throttle > 0 || this.throttleIf?.(pdu)) {
          this.throttle = Math.max(0, this.throttle - 1);
          s.send(pdu.response({ command_status: 0x58 }));
          return;
        }
        const answer = () => {
          const id = `m${++this.ids}`;
          pdu.message_id = id;
          this.accepted.push(pdu);
          let drop = false;
          if (this.dropAfter !== null && --this.dropAfter <= 0) {
            this.dropAfter = null;
            this.dropped.add(s);
            drop = true;
          }
          s.send(pdu.response({ message_id: id }), undefined, () => drop && s.close());
          const w = this.waiters.findIndex((x) => x.pred(pdu));
          if (w >= 0) this.waiters.splice(w, 1)[0]!.resolve(pdu);
          else this.submits.push(pdu);
        };
        if (!this.hold) return answer();
        this.held.push(answer);
        this.maxHeld = Math.max(this.maxHeld, this.held.length);
      });
      s.on('error', () => undefined);
      // Another ESME's link closing (a test's second bind) leaves deliver_sm on the one still bound.
      s.on('close', () => {
        if (this.session === s) this.session = this.server.sessions.find((x) => x !== s && !this.dropped.has(x)) ?? null;
      });
    });
  }

  async listen(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as AddressInfo).port;
  }

  /** The next submit_sm that matches (already received, or the one to come). */
  submit(pred: (p: PDU) => boolean = () => true): Promise<PDU> {
    const i = this.submits.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.submits.splice(i, 1)[0]!);
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  /** A submit_sm already received that matches, taken off the queue; null when none has come. */
  take(pred: (p: PDU) => boolean): PDU | null {
    const i = this.submits.findIndex(pred);
    return i >= 0 ? this.submits.splice(i, 1)[0]! : null;
  }

  /** Answers the held submit_sm, and the ones to come at once. */
  release(): void {
    this.hold = false;
    this.held.splice(0).forEach((a) => a());
  }

  /** Submit_sm held unanswered now. */
  get heldNow(): number {
    return this.held.length;
  }

  /** The parts a handset got, by its number: [reference, total, part number, text] of each acknowledged submit_sm. */
  handset(msisdn: string): [number, number, number, string][] {
    return this.accepted.filter(to(msisdn)).map((p) => {
      const ie = (p.short_message as { udh: Buffer[] }).udh[0]!;
      return [ie[2]!, ie[3]!, ie[4]!, textOf(p)];
    });
  }

  nextBind(): Promise<void> {
    return new Promise((r) => this.bindWaiters.push(r));
  }

  /** Sends deliver_sm and resolves with the ESME's deliver_sm_resp. */
  deliver(params: Record<string, unknown>): Promise<PDU> {
    return new Promise((resolve, reject) => {
      if (!this.session!.send(new smpp.PDU('deliver_sm', params), resolve)) reject(new Error('smsc link down'));
    });
  }
}

const ucs2 = (s: string) => Buffer.from(s, 'utf16le').swap16();
const textOf = (p: PDU) => {
  const m = p.short_message as { message: string; udh?: Buffer[] };
  return m.message;
};
const to = (msisdn: string) => (p: PDU) => p.destination_addr === msisdn;

/** The next whole message to a number: one submit_sm, or every part of a concatenated one, joined. */
async function whole(msisdn: string): Promise<string> {
  const first = await smsc.submit(to(msisdn));
  const udh = (first.short_message as { udh?: Buffer[] }).udh?.[0];
  if (!udh) return textOf(first);
  const parts = new Map([[udh[4]!, textOf(first)]]);
  while (parts.size < udh[3]!) {
    const p = await smsc.submit((x) => to(msisdn)(x) && (x.short_message as { udh?: Buffer[] }).udh?.[0]?.[2] === udh[2]);
    parts.set((p.short_message as { udh: Buffer[] }).udh[0]![4]!, textOf(p));
  }
  return [...parts.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]).join('');
}

let env: TestEnv;
let core: Core;
let smsc: Smsc;
let esme: Esme;

before(async () => {
  env = await testCore();
  core = env.core;
  smsc = new Smsc();
  const port = await smsc.listen();
  esme = new Esme({ host: '127.0.0.1', port, systemId: 'abonent', password: 'secret', reconnectMinMs: 10, reconnectMaxMs: 50, throttleBackoffMs: 5, requestTimeoutMs: 5000 });
  smsSmppGateway(core, esme);
  ussdSmppGateway(core, esme, { appUrl: 'https://abonent.example' });
  const bound = once(esme, 'bound');
  esme.start();
  await bound;
});

after(async () => {
  await esme.stop();
  for (const s of smsc.server.sessions) s.destroy();
  await new Promise((r) => smsc.server.close(r));
  await env.close();
});

test('encoding: 153 GSM-7 septets or 67 UCS-2 characters a part, never splitting an escape or a surrogate pair', () => {
  assert.equal(encodeSm('a'.repeat(160), 1).parts.length, 1);
  const g = encodeSm('a'.repeat(152) + '€' + 'b'.repeat(10), 7);
  assert.equal(g.dataCoding, 0);
  assert.deepEqual(g.parts.map((p) => p.length - 6), [152, 12]);
  assert.deepEqual([...g.parts[1]!.subarray(0, 6)], [5, 0, 3, 7, 2, 2]);
  assert.equal(encodeSm('я'.repeat(70), 1).parts.length, 1);
  const u = encodeSm('я'.repeat(66) + '😀' + 'я'.repeat(10), 1);
  assert.equal(u.dataCoding, 8);
  assert.deepEqual(u.parts.map((p) => (p.length - 6) / 2), [66, 12]);
});

test('a 200-character Cyrillic reply arrives as three UCS-2 parts that reassemble; its delivery receipts are stored', async () => {
  const s = await makeSubscriber(core);
  const text = Array.from({ length: 200 }, (_, i) => 'АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЩЭЮЯ '[i % 30]).join('');
  const id = await enqueueSms(core.db, { msisdn: s.msisdn, text, sender: '8111', kind: 'test', at: core.clock.now() });
  while ((await drainOutbox(core, smppTransport(esme))) > 0);
  const parts = [await smsc.submit(to(s.msisdn)), await smsc.submit(to(s.msisdn)), await smsc.submit(to(s.msisdn))];
  const refs = new Set<number>();
  const bySeq = new Map<number, string>();
  for (const p of parts) {
    assert.equal(p.data_coding, 8);
    assert.equal(p.esm_class! & 0x40, 0x40, 'UDH indicator set');
    assert.equal(p.registered_delivery, 1);
    const m = p.short_message as { message: string; udh: Buffer[] };
    const ie = m.udh[0]!;
    assert.deepEqual([ie[0], ie[1], ie[3]], [0x00, 0x03, 3]);
    refs.add(ie[2]!);
    bySeq.set(ie[4]!, m.message);
    assert.ok(m.message.length <= 67);
  }
  assert.equal(refs.size, 1, 'one reference number for all parts');
  assert.equal([1, 2, 3].map((i) => bySeq.get(i)).join(''), text);

  const [row] = await core.db.query<{ status: string; meta: { ref: string; refs: string[] } }>('SELECT status, meta FROM sms_message WHERE id = $1', [id]);
  assert.equal(row!.status, 'sent');
  assert.deepEqual(row!.meta.refs, parts.map((p) => p.message_id));
  const receipt = (mid: string, stat: string) =>
    smsc.deliver({ source_addr: s.msisdn, destination_addr: '8111', esm_class: 0x04, short_message: `id:${mid} sub:001 dlvrd:001 submit date:2603100900 done date:2603100901 stat:${stat} err:000 text:` });
  assert.equal((await receipt(row!.meta.refs[0]!, 'DELIVRD')).command_status, 0);
  assert.equal((await core.db.query<{ status: string }>('SELECT status FROM sms_message WHERE id = $1', [id]))[0]!.status, 'sent', 'one part of three is not the message');
  await receipt(row!.meta.refs[1]!, 'DELIVRD');
  await receipt(row!.meta.refs[2]!, 'DELIVRD');
  const [done] = await core.db.query<{ status: string; meta: { receipts: Record<string, string>; receipt: { stat: string } } }>('SELECT status, meta FROM sms_message WHERE id = $1', [id]);
  assert.equal(done!.status, 'delivered');
  assert.deepEqual(Object.values(done!.meta.receipts), ['DELIVRD', 'DELIVRD', 'DELIVRD']);
  // A receipt for a message this store never sent is acknowledged and ignored.
  assert.equal((await receipt('nope', 'UNDELIV')).command_status, 0);
});

test('a GSM-7 reply goes as 7-bit text in one message; an undeliverable receipt marks it', async () => {
  const s = await makeSubscriber(core);
  const id = await enqueueSms(core.db, { msisdn: s.msisdn, text: 'Balance 10.00 [ok] €', sender: 'Abonent', kind: 'test', at: core.clock.now() });
  while ((await drainOutbox(core, smppTransport(esme))) > 0);
  const p = await smsc.submit(to(s.msisdn));
  assert.equal(p.data_coding, 0);
  assert.equal(p.esm_class! & 0x40, 0);
  assert.equal(p.source_addr, 'Abonent');
  assert.equal(p.source_addr_ton, 5, 'alphanumeric sender');
  assert.equal(textOf(p), 'Balance 10.00 [ok] €');
  await smsc.deliver({ source_addr: s.msisdn, destination_addr: 'Abonent', esm_class: 0x04, receipted_message_id: p.message_id, short_message: `id:${String(p.message_id)} sub:001 dlvrd:000 stat:UNDELIV err:001` });
  const [row] = await core.db.query<{ status: string; meta: { receipt: { stat: string; err: string } } }>('SELECT status, meta FROM sms_message WHERE id = $1', [id]);
  assert.equal(row!.status, 'undelivered');
  assert.deepEqual([row!.meta.receipt.stat, row!.meta.receipt.err], ['UNDELIV', '001']);
});

test('MO "БАЛАНС" to 8111 over deliver_sm is answered by a submit_sm with the balance', async () => {
  const s = await makeSubscriber(core, { openingBalance: 12_345 });
  const resp = await smsc.deliver({ source_addr_ton: 1, source_addr: s.msisdn, destination_addr: '8111', data_coding: 8, short_message: ucs2('БАЛАНС') });
  assert.equal(resp.command, 'deliver_sm_resp');
  assert.equal(resp.command_status, 0);
  while ((await drainOutbox(core, smppTransport(esme))) > 0);
  const reply = await smsc.submit(to(s.msisdn));
  assert.equal(reply.source_addr, '8111');
  assert.equal(reply.data_coding, 8);
  assert.equal(reply.registered_delivery, 1);
  assert.match(textOf(reply), /Баланс 123,45/);
});

async function ussd(msisdn: string, op: number, text: string): Promise<PDU> {
  const next = smsc.submit((p) => p.destination_addr === msisdn && p.ussd_service_op !== undefined);
  const resp = await smsc.deliver({ source_addr: msisdn, destination_addr: '111', ussd_service_op: op, short_message: text });
  assert.equal(resp.command_status, 0);
  return next;
}

test('USSD walk *111# → 5: PSSR indication → USSR request → USSR confirm → PSSR response with the balance', async () => {
  const s = await makeSubscriber(core, { openingBalance: 50_000 });
  const menu = await ussd(s.msisdn, 1, '*111#');
  assert.equal(menu.ussd_service_op, 2, 'the menu waits for an answer');
  assert.equal(menu.source_addr, '111');
  assert.equal(menu.registered_delivery, 0);
  assert.match(textOf(menu), /5 Баланс[\s\S]*00 Далее$/, 'the whole page in one message');
  assert.equal(menu.esm_class! & 0x40, 0);
  const bal = await ussd(s.msisdn, 18, '5');
  assert.equal(bal.ussd_service_op, 17, 'the balance ends the session');
  assert.match(textOf(bal), /^Баланс 500 ₽/);
  // A direct dial string goes straight to the page.
  const direct = await ussd(s.msisdn, 1, '*111*5#');
  assert.equal(direct.ussd_service_op, 17);
  assert.match(textOf(direct), /^Баланс 500 ₽/);
});

test('a USSD abort closes the session without an answer: a late USSR confirm starts over, acting on nothing', async () => {
  const s = await makeSubscriber(core, { openingBalance: 50_000 });
  assert.equal((await ussd(s.msisdn, 1, '*111#')).ussd_service_op, 2);
  const handled = once(esme, 'handled');
  const resp = await smsc.deliver({ source_addr: s.msisdn, destination_addr: '111', ussd_service_op: 0x20, short_message: '' });
  assert.equal(resp.command_status, 0);
  assert.equal(((await handled) as [InboundSm, boolean])[1], true);
  // "5" was meant for the aborted menu: it is not taken as the balance, the menu opens again.
  const again = await ussd(s.msisdn, 18, '5');
  assert.equal(again.ussd_service_op, 2);
  assert.match(textOf(again), /^Сеанс истёк, начните заново/);
  assert.doesNotMatch(textOf(again), /Баланс 500/);
  // A USSN confirm from the network closes a dialogue as well.
  assert.equal((await ussd(s.msisdn, 1, '*111#')).ussd_service_op, 2);
  const confirmed = once(esme, 'handled');
  await smsc.deliver({ source_addr: s.msisdn, destination_addr: '111', ussd_service_op: 19, short_message: '' });
  await confirmed;
  assert.match(textOf(await ussd(s.msisdn, 18, '5')), /^Сеанс истёк/);
});

test('a new dial always opens a new session: a menu left unanswered does not take the next code', async () => {
  const s = await makeSubscriber(core, { openingBalance: 50_000 });
  // *111# is dialled and left on screen; within the session's lifetime the subscriber dials *111*5#.
  assert.equal((await ussd(s.msisdn, 1, '*111#')).ussd_service_op, 2);
  const direct = await ussd(s.msisdn, 1, '*111*5#');
  assert.equal(direct.ussd_service_op, 17);
  assert.match(textOf(direct), /^Баланс 500 ₽/);
  assert.doesNotMatch(textOf(direct), /Неверный выбор/);
  // Dialling the menu again, twice, gives the menu each time, and its answers work.
  assert.equal((await ussd(s.msisdn, 1, '*111#')).ussd_service_op, 2);
  const menu = await ussd(s.msisdn, 1, '*111#');
  assert.match(textOf(menu), /^(?!Неверный)[\s\S]*5 Баланс/);
  assert.match(textOf(await ussd(s.msisdn, 18, '5')), /^Баланс 500 ₽/);
});

/** A USSD exchange carrying its_session_info (octet 1 the session, octet 2 sequence << 1 | end). */
async function its(msisdn: string, op: number, text: string, session: number, sequence: number, end = false): Promise<PDU> {
  const next = smsc.submit((p) => p.destination_addr === msisdn && p.ussd_service_op !== undefined);
  const resp = await smsc.deliver({
    source_addr: msisdn,
    destination_addr: '111',
    ussd_service_op: op,
    short_message: text,
    its_session_info: Buffer.from([session, (sequence << 1) | (end ? 1 : 0)]),
  });
  assert.equal(resp.command_status, 0);
  return next;
}
const itsOf = (p: PDU) => {
  const b = p.its_session_info as Buffer | undefined;
  return b ? { session: b[0], sequence: b[1]! >> 1, end: (b[1]! & 1) === 1 } : null;
};

test('its_session_info keys the dialogue and is echoed: the session number kept, the end flag on the last page', async () => {
  const s = await makeSubscriber(core, { openingBalance: 50_000 });
  const menu = await its(s.msisdn, 1, '*111#', 7, 0);
  assert.equal(menu.ussd_service_op, 2);
  assert.deepEqual(itsOf(menu), { session: 7, sequence: 1, end: false });
  const bal = await its(s.msisdn, 18, '5', 7, 2);
  assert.equal(bal.ussd_service_op, 17);
  assert.match(textOf(bal), /^Баланс 500 ₽/);
  assert.deepEqual(itsOf(bal), { session: 7, sequence: 3, end: true });

  // An answer under another session number is not the open dialogue's: it starts over.
  assert.equal((await its(s.msisdn, 1, '*111#', 8, 0)).ussd_service_op, 2);
  const stray = await its(s.msisdn, 18, '5', 9, 2);
  assert.match(textOf(stray), /^Сеанс истёк/);
  assert.deepEqual(itsOf(stray)?.session, 9);

  // The network's end-of-session flag closes the dialogue without an answer.
  assert.equal((await its(s.msisdn, 1, '*111#', 10, 0)).ussd_service_op, 2);
  const handled = once(esme, 'handled');
  await smsc.deliver({ source_addr: s.msisdn, destination_addr: '111', ussd_service_op: 18, short_message: '', its_session_info: Buffer.from([10, (2 << 1) | 1]) });
  assert.equal(((await handled) as [InboundSm, boolean])[1], true);
  assert.match(textOf(await its(s.msisdn, 18, '5', 10, 4)), /^Сеанс истёк/);
});

test('dialogues keyed by user_message_reference where the gateway is configured so', async () => {
  const s = await makeSubscriber(core, { openingBalance: 50_000 });
  type Sm = Parameters<Parameters<UssdSmppLink['onInbound']>[0]>[0];
  let handler: ((sm: Sm) => Promise<boolean>) | null = null;
  const sent: Parameters<UssdSmppLink['submitText']>[0][] = [];
  const link: UssdSmppLink = {
    onInbound: (h) => void (handler = h),
    submitText: async (m) => (sent.push(m), ['x']),
  };
  ussdSmppGateway(core, link, { appUrl: 'https://abonent.example', sessionKey: 'user_message_reference' });
  const send = async (op: number, text: string, umr: number) => {
    await handler!({ source: s.msisdn, destination: '111', esmClass: 0, text, ussdServiceOp: op, itsSessionInfo: null, userMessageReference: umr });
    return sent.at(-1)!;
  };
  const menu = await send(1, '*111#', 41);
  assert.equal(menu.userMessageReference, 41, 'echoed');
  assert.equal(menu.ussdServiceOp, 2);
  assert.match((await send(18, '5', 41)).text, /^Баланс 500 ₽/);
  assert.equal((await send(1, '*111#', 42)).ussdServiceOp, 2);
  assert.match((await send(18, '5', 43)).text, /^Сеанс истёк/, 'another reference is another dialogue');
});

test('a throttled submit_sm is backed off and retried', async () => {
  smsc.throttle = 2;
  let throttled = 0;
  const count = () => (throttled += 1);
  esme.on('throttled', count);
  try {
    const ids = await esme.submitText({ from: '8111', to: '79001112233', text: 'retry me' });
    assert.equal(ids.length, 1);
    assert.equal(throttled, 2);
    assert.equal(textOf(await smsc.submit(to('79001112233'))), 'retry me');
  } finally {
    esme.off('throttled', count);
  }
});

type OutboxRow = { status: string; attempts: number; meta: { error?: string; refs?: string[]; parts?: { ref: number; total: number; ids: Record<string, string> } } };
const outboxRow = async (id: number) => (await core.db.query<OutboxRow>('SELECT status, attempts, meta FROM sms_message WHERE id = $1', [id]))[0]!;
/** A GSM-7 text of three parts (153 + 153 + 94 septets), each part recognisable. */
const threeParts = () => 'A'.repeat(153) + 'B'.repeat(153) + 'C'.repeat(94);

test('the link drops after the SMSC acknowledges part 1 of a 3-part SMS: after the rebind only parts 2 and 3 go, under the same reference', async () => {
  const s = await makeSubscriber(core);
  const text = threeParts();
  while ((await drainOutbox(core, smppTransport(esme))) > 0); // what earlier tests left
  const id = await enqueueSms(core.db, { msisdn: s.msisdn, text, sender: '8111', kind: 'test', at: core.clock.now() });
  smsc.dropAfter = 1;
  const rebound = smsc.nextBind();
  assert.equal(await drainOutbox(core, smppTransport(esme)), 1);
  await rebound;
  let r = await outboxRow(id);
  assert.equal(r.status, 'queued', 'not sent: parts 2 and 3 were never acknowledged');
  assert.match(r.meta.error ?? '', /link closed/);
  assert.deepEqual(smsc.handset(s.msisdn).map((p) => p[2]), [1]);
  const firstId = smsc.accepted.filter(to(s.msisdn))[0]!.message_id!;
  const between = r.meta.parts;

  // Part 1's receipt comes while the rest waits: kept, the row stays in the outbox.
  const receipt = (mid: string) => smsc.deliver({ source_addr: s.msisdn, destination_addr: '8111', esm_class: 0x04, short_message: `id:${mid} sub:001 dlvrd:001 stat:DELIVRD err:000 text:` });
  assert.equal((await receipt(firstId)).command_status, 0);
  assert.equal((await outboxRow(id)).status, 'queued');

  env.clock.advance(RETRY_DELAYS_SECONDS[0]! * 1000);
  assert.equal(await drainOutbox(core, smppTransport(esme)), 1);
  r = await outboxRow(id);
  assert.equal(r.status, 'sent');
  assert.equal(r.attempts, 2);
  const got = smsc.handset(s.msisdn).sort((a, b) => a[2] - b[2]);
  assert.deepEqual(got.map((p) => p[2]), [1, 2, 3], 'each part once');
  assert.equal(new Set(got.map((p) => p[0])).size, 1, 'one reference for all parts');
  assert.ok(got.every((p) => p[1] === 3));
  assert.equal(got.map((p) => p[3]).join(''), text);
  assert.deepEqual(between, { ref: got[0]![0], total: 3, ids: { 1: firstId } }, 'between the attempts the outbox showed the accepted part');
  const accepted = Object.fromEntries(smsc.accepted.filter(to(s.msisdn)).map((p) => [(p.short_message as { udh: Buffer[] }).udh[0]![4]!, p.message_id]));
  assert.deepEqual(r.meta.parts, { ref: got[0]![0], total: 3, ids: accepted }, 'the outbox shows every part accepted, by its number');
  assert.deepEqual(r.meta.refs, [1, 2, 3].map((i) => r.meta.parts!.ids[i]));
  await receipt(r.meta.refs![1]!);
  assert.equal((await outboxRow(id)).status, 'sent');
  await receipt(r.meta.refs![2]!);
  assert.equal((await outboxRow(id)).status, 'delivered', 'the receipt that came early counts');
});

test('an SMSC that stays throttled: the accepted parts are kept, the rest go on a later attempt, nothing lost or repeated', async () => {
  const s = await makeSubscriber(core);
  const others = await Promise.all([makeSubscriber(core), makeSubscriber(core), makeSubscriber(core)]);
  const text = threeParts();
  const id = await enqueueSms(core.db, { msisdn: s.msisdn, text, sender: '8111', kind: 'test', at: core.clock.now() });
  const singles = await Promise.all(others.map((o) => enqueueSms(core.db, { msisdn: o.msisdn, text: `hello ${o.msisdn}`, sender: '8111', kind: 'test', at: core.clock.now() })));
  // Part 1 and the single messages pass (after a few throttled answers); parts 2 and 3 are
  // refused with ESME_RTHROTTLED on every try of this attempt.
  smsc.throttle = 3;
  smsc.throttleIf = (p) => p.destination_addr === s.msisdn && ((p.short_message as { udh?: Buffer[] }).udh?.[0]?.[4] ?? 1) > 1;
  try {
    while ((await drainOutbox(core, smppTransport(esme))) > 0);
  } finally {
    smsc.throttleIf = null;
  }
  let r = await outboxRow(id);
  assert.equal(r.status, 'queued');
  assert.match(r.meta.error ?? '', /0x00000058/);
  const between = r.meta.parts;
  for (const [i, o] of others.entries()) {
    assert.equal((await outboxRow(singles[i]!)).status, 'sent');
    assert.equal(smsc.accepted.filter(to(o.msisdn)).length, 1);
  }
  env.clock.advance(RETRY_DELAYS_SECONDS[0]! * 1000);
  while ((await drainOutbox(core, smppTransport(esme))) > 0);
  r = await outboxRow(id);
  assert.equal(r.status, 'sent');
  const got = smsc.handset(s.msisdn).sort((a, b) => a[2] - b[2]);
  assert.deepEqual(got.map((p) => p[2]), [1, 2, 3], 'each part once');
  assert.equal(new Set(got.map((p) => p[0])).size, 1, 'one reference for all parts');
  assert.equal(got.map((p) => p[3]).join(''), text);
  assert.deepEqual(Object.keys(between?.ids ?? {}), ['1'], 'between the attempts the outbox showed part 1 accepted');
});

/**
 * A second ESME bound to the test SMSC for one test. `stop` waits until the SMSC has seen its link
 * close too, so the next test's deliver_sm goes on the main link, not on this dying one.
 */
async function bindAside(opts: Omit<ConstructorParameters<typeof Esme>[0], 'host' | 'port' | 'password'>): Promise<{ esme: Esme; stop(): Promise<void> }> {
  const e = new Esme({ host: '127.0.0.1', port: (smsc.server.address() as AddressInfo).port, password: 'x', ...opts });
  const bound = once(e, 'bound');
  e.start();
  await bound;
  const link = smsc.session!; // the SMSC answered this bind last
  return {
    esme: e,
    async stop() {
      const closed = link.socket.destroyed ? Promise.resolve() : once(link, 'close');
      await e.stop();
      await closed;
    },
  };
}

test('the window: several submit_sm wait for their answers at once, never more than SMPP_WINDOW', async () => {
  const aside = await bindAside({ systemId: 'narrow', window: 2 });
  const narrow = aside.esme;
  try {
    smsc.hold = true;
    smsc.maxHeld = 0;
    const sent = [narrow.submitText({ from: '8111', to: '79005550001', text: threeParts() }), ...['79005550002', '79005550003'].map((n) => narrow.submitText({ from: '8111', to: n, text: 'hi' }))];
    while (smsc.heldNow < 2) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(smsc.heldNow, 2, 'two in flight, the rest wait for a slot');
    smsc.release();
    const ids = await Promise.all(sent);
    assert.deepEqual(ids.map((x) => x.length), [3, 1, 1]);
    assert.equal(smsc.maxHeld, 2);
  } finally {
    smsc.release();
    await aside.stop();
  }
});

test('SMPP_SUBMIT_RATE spaces submit_sm on the bind', async () => {
  const port = (smsc.server.address() as AddressInfo).port;
  const config = loadConfig({ NODE_ENV: 'test', STORE: 'memory', SMPP_HOST: '127.0.0.1', SMPP_PORT: String(port), SMPP_SUBMIT_RATE: '20' } as NodeJS.ProcessEnv);
  assert.equal(config.SMPP_SUBMIT_RATE, 20);
  assert.equal(loadConfig({ NODE_ENV: 'test', STORE: 'memory' } as NodeJS.ProcessEnv).SMPP_SUBMIT_RATE, 0, 'no limit by default');
  const aside = await bindAside({ systemId: 'slow', submitRate: config.SMPP_SUBMIT_RATE });
  const slow = aside.esme;
  try {
    const from = smsc.arrivals.length;
    await Promise.all(['79005550011', '79005550012', '79005550013', '79005550014', '79005550015'].map((n) => slow.submitText({ from: '8111', to: n, text: 'rate' })));
    const at = smsc.arrivals.slice(from);
    assert.equal(at.length, 5);
    // 20 a second: 50 ms apart, so five span at least 200 ms (a little less for timer slack).
    assert.ok(at[4]! - at[0]! >= 180, `spread over ${at[4]! - at[0]!} ms`);
  } finally {
    await aside.stop();
  }
});

test('the peer drops the link mid-session: the ESME rebinds, the USSD session goes on, a repeated YES charges once', async () => {
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  assert.equal((await ussd(s.msisdn, 1, '*111#')).ussd_service_op, 2);
  let rebound = smsc.nextBind();
  smsc.session!.destroy();
  await rebound;
  const bal = await ussd(s.msisdn, 18, '5');
  assert.equal(bal.ussd_service_op, 17);
  assert.match(textOf(bal), /^Баланс 1000 ₽/);

  // A paid connection by SMS: the SMSC's link drops right after it hands over "ДА", before the
  // answer; after the rebind it sends "ДА" again.
  await smsc.deliver({ source_addr: s.msisdn, destination_addr: '8111', short_message: 'GUDOK' });
  const handled = once(esme, 'handled');
  rebound = smsc.nextBind();
  const link = smsc.session!;
  link.send(new smpp.PDU('deliver_sm', { source_addr: s.msisdn, destination_addr: '8111', data_coding: 8, short_message: ucs2('ДА') }), undefined, () => link.close());
  await handled;
  await rebound;
  assert.equal((await smsc.deliver({ source_addr: s.msisdn, destination_addr: '8111', data_coding: 8, short_message: ucs2('ДА') })).command_status, 0);
  assert.equal((await ledgerSum(core, s.accountId)).balance, 100_000 - 250, 'charged once');
  while ((await drainOutbox(core, smppTransport(esme))) > 0);
  const replies = [await whole(s.msisdn), await whole(s.msisdn)];
  assert.match(replies[0]!, /ответьте ДА/);
  assert.match(replies[1]!, /Подключено/);
  // The redelivered "ДА" was recognised as the same message: recorded once, answered once.
  const mo = await core.db.query<{ text: string }>(`SELECT text FROM sms_message WHERE direction = 'mo' AND msisdn = $1 ORDER BY id`, [s.msisdn]);
  assert.deepEqual(mo.map((r) => r.text), ['GUDOK', 'ДА']);
  const mt = await core.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sms_message WHERE direction = 'mt' AND msisdn = $1`, [s.msisdn]);
  assert.equal(mt[0]!.n, 2);
});

/** One part of a concatenated UCS-2 message, with the 8-bit (IEI 00) or 16-bit (IEI 08) reference UDH. */
const udhPart = (ref: number, total: number, seq: number, text: string, wide = false) => ({
  esm_class: 0x40,
  data_coding: 8,
  short_message: { udh: Buffer.from(wide ? [6, 0x08, 4, ref >> 8, ref & 0xff, total, seq] : [5, 0x00, 3, ref, total, seq]), message: text },
});

async function moReplies(msisdn: string): Promise<{ mo: string[]; mt: string[] }> {
  while ((await drainOutbox(core, smppTransport(esme))) > 0);
  const rows = await core.db.query<{ direction: string; text: string }>(`SELECT direction, text FROM sms_message WHERE msisdn = $1 ORDER BY id`, [msisdn]);
  return { mo: rows.filter((r) => r.direction === 'mo').map((r) => r.text), mt: rows.filter((r) => r.direction === 'mt').map((r) => r.text) };
}

test('a long MO in UDH parts, arriving out of order and with a part repeated, runs once as the whole text', async () => {
  const s = await makeSubscriber(core, { openingBalance: 12_345 });
  const send = (seq: number, text: string) => smsc.deliver({ source_addr: s.msisdn, destination_addr: '8111', ...udhPart(77, 3, seq, text) });
  assert.equal((await send(3, 'НС')).command_status, 0);
  assert.equal((await send(1, 'БА')).command_status, 0);
  assert.equal((await send(1, 'БА')).command_status, 0, 'a repeated part is acknowledged');
  assert.deepEqual(await moReplies(s.msisdn), { mo: [], mt: [] }, 'nothing runs before the last part');
  assert.equal((await send(2, 'ЛА')).command_status, 0);
  const after = await moReplies(s.msisdn);
  assert.deepEqual(after.mo, ['БАЛАНС']);
  assert.equal(after.mt.length, 1);
  assert.match(after.mt[0]!, /Баланс 123,45/);
  // The SMSC sends the last part again (it missed our answer): recognised as a redelivery, dropped.
  await send(2, 'ЛА');
  assert.deepEqual(await moReplies(s.msisdn), after);
  // The assembled message's parts are kept marked, to recognise such redeliveries, and dropped an
  // hour later, when the number sends again.
  const left = await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sms_mo_part WHERE msisdn = $1 AND assembled_at IS NOT NULL', [s.msisdn]);
  assert.equal(left[0]!.n, 3);
  env.clock.advance(61 * 60_000);
  await smsc.deliver({ source_addr: s.msisdn, destination_addr: '8111', ...udhPart(300, 2, 1, 'ПОМ', true) });
  const kept = await core.db.query<{ ref: number }>('SELECT ref FROM sms_mo_part WHERE msisdn = $1', [s.msisdn]);
  assert.deepEqual(kept.map((r) => r.ref), [300], 'the stale parts are gone; a 16-bit reference is kept whole');
  await smsc.deliver({ source_addr: s.msisdn, destination_addr: '8111', ...udhPart(300, 2, 2, 'ОЩЬ', true) });
  const help = await moReplies(s.msisdn);
  assert.deepEqual(help.mo, ['БАЛАНС', 'ПОМОЩЬ']);
  assert.equal(help.mt.length, 2);
});

test('a long MO in sar_* TLV parts is reassembled too', async () => {
  const s = await makeSubscriber(core, { openingBalance: 5_000 });
  const part = (seq: number, text: string) =>
    smsc.deliver({ source_addr: s.msisdn, destination_addr: '8111', data_coding: 8, short_message: ucs2(text), sar_msg_ref_num: 513, sar_total_segments: 2, sar_segment_seqnum: seq });
  await part(2, 'ЛАНС');
  await part(1, 'БА');
  const r = await moReplies(s.msisdn);
  assert.deepEqual(r.mo, ['БАЛАНС']);
  assert.match(r.mt[0]!, /Баланс 50/);
});

test('a redelivered MO counts once: by the handset reference when given, else by its text within two minutes', async () => {
  const s = await makeSubscriber(core, { openingBalance: 5_000 });
  const mo = (extra: Record<string, unknown>) => smsc.deliver({ source_addr: s.msisdn, destination_addr: '8111', short_message: 'BALANS', ...extra });
  await mo({ user_message_reference: 11 });
  await mo({ user_message_reference: 11 });
  assert.equal((await moReplies(s.msisdn)).mt.length, 1, 'same reference and text: a redelivery');
  await mo({ user_message_reference: 12 });
  assert.equal((await moReplies(s.msisdn)).mt.length, 2, 'a new reference is a new message, even with the same text');
  await mo({});
  await mo({});
  assert.equal((await moReplies(s.msisdn)).mt.length, 3, 'no reference: the same text at once is one message');
  env.clock.advance(2 * 60_000);
  await mo({});
  const r = await moReplies(s.msisdn);
  assert.equal(r.mt.length, 4, 'two minutes later it is a new message');
  assert.equal(r.mo.length, 4);
});

test('the outbox retries while the link is down and fails only after the last attempt', async () => {
  const s = await makeSubscriber(core);
  // An ESME that never binds: every submit waits out its timeout, as when the SMSC is unreachable.
  const down = new Esme({ host: '127.0.0.1', port: 9, systemId: 'x', password: 'x', requestTimeoutMs: 20 });
  const id = await enqueueSms(core.db, { msisdn: s.msisdn, text: 'retry later', sender: '8111', kind: 'test', at: core.clock.now() });
  const row = async () =>
    (await core.db.query<{ status: string; attempts: number; next_attempt_at: Date | null; meta: { error?: string } }>('SELECT status, attempts, next_attempt_at, meta FROM sms_message WHERE id = $1', [id]))[0]!;
  while ((await drainOutbox(core, smppTransport(down))) > 0);
  let r = await row();
  assert.equal(r.status, 'queued');
  assert.equal(r.attempts, 1);
  assert.equal(new Date(r.next_attempt_at!).getTime() - core.clock.now().getTime(), RETRY_DELAYS_SECONDS[0]! * 1000);
  assert.match(r.meta.error ?? '', /not bound/);
  assert.equal(await drainOutbox(core, smppTransport(down)), 0, 'not before its time');
  // The link comes back before the next attempt: the message goes out.
  env.clock.advance(RETRY_DELAYS_SECONDS[0]! * 1000);
  assert.equal(await drainOutbox(core, smppTransport(esme)), 1);
  r = await row();
  assert.equal(r.status, 'sent');
  assert.equal(r.attempts, 2);
  assert.equal(textOf(await smsc.submit(to(s.msisdn))), 'retry later');

  // Down for good: after every delay the message fails, with its last error kept.
  const id2 = await enqueueSms(core.db, { msisdn: s.msisdn, text: 'never', sender: '8111', kind: 'test', at: core.clock.now() });
  for (const delay of [...RETRY_DELAYS_SECONDS, 0]) {
    while ((await drainOutbox(core, smppTransport(down))) > 0);
    env.clock.advance(delay * 1000);
  }
  const [last] = await core.db.query<{ status: string; attempts: number; next_attempt_at: Date | null }>('SELECT status, attempts, next_attempt_at FROM sms_message WHERE id = $1', [id2]);
  assert.deepEqual([last!.status, last!.attempts, last!.next_attempt_at], ['failed', RETRY_DELAYS_SECONDS.length + 1, null]);
});

test('an SMSC refusal other than throttling is final: no retry', async () => {
  const s = await makeSubscriber(core);
  const refusing = { submitText: () => Promise.reject(new SmppError('smpp submit_sm refused: 0x0000000b', 0x0b)) };
  const id = await enqueueSms(core.db, { msisdn: s.msisdn, text: 'bad destination', sender: '8111', kind: 'test', at: core.clock.now() });
  while ((await drainOutbox(core, smppTransport(refusing))) > 0);
  const [r] = await core.db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM sms_message WHERE id = $1', [id]);
  assert.deepEqual([r!.status, r!.attempts], ['failed', 1]);
});

test('unknown and out-of-order PDUs from the peer: generic_nack or ignored, the link stays up', async () => {
  const link = smsc.session!;
  const nack = once(link, 'generic_nack');
  const header = (id: number, seq: number) => {
    const b = Buffer.alloc(16);
    b.writeUInt32BE(16, 0);
    b.writeUInt32BE(id, 4);
    b.writeUInt32BE(0, 8);
    b.writeUInt32BE(seq, 12);
    return b;
  };
  link.socket.write(header(0x00000999, 4242)); // no such command
  const [pdu] = (await nack) as [PDU];
  assert.equal(pdu.sequence_number, 4242);
  assert.equal(pdu.command_status, 3, 'ESME_RINVCMDID');
  const nack2 = once(link, 'generic_nack');
  link.socket.write(header(0x00000004, 4243)); // submit_sm: an SMSC never sends it to an ESME
  assert.equal(((await nack2) as [PDU])[0].sequence_number, 4243);
  link.socket.write(header(0x80000004, 999_999)); // a response nobody asked for: ignored
  const alive = await new Promise<PDU>((resolve) => link.send(new smpp.PDU('enquire_link'), resolve));
  assert.equal(alive.command, 'enquire_link_resp');
  // A message to some other number, no USSD: acknowledged, not answered.
  const handled = once(esme, 'handled');
  assert.equal((await smsc.deliver({ source_addr: '79001112233', destination_addr: '9999', short_message: 'hi' })).command_status, 0);
  assert.equal(((await handled) as [InboundSm, boolean])[1], false);
  assert.ok(esme.isBound);
});

test('start wiring: with SMPP_HOST the composition root binds an ESME feeding both gateways; stop unbinds', async () => {
  const port = (smsc.server.address() as AddressInfo).port;
  const config = loadConfig({ NODE_ENV: 'test', STORE: 'memory', SMPP_HOST: '127.0.0.1', SMPP_PORT: String(port), SMPP_SYSTEM_ID: 'abonent2', SMPP_PASSWORD: 'pw' } as NodeJS.ProcessEnv);
  assert.equal(config.SMS_TRANSPORT, 'smpp');
  const second = buildSmpp(core, config)!;
  const bound = once(second, 'bound');
  const binds = smsc.binds;
  second.start();
  await bound;
  assert.equal(smsc.binds, binds + 1);
  const s = await makeSubscriber(core);
  const page = await ussd(s.msisdn, 1, '*111*5#');
  assert.equal(page.ussd_service_op, 17);
  assert.match(textOf(page), /^Баланс/);

  // With SMPP as the SMS transport, a reply to 8111 is submitted as soon as it is queued: by the
  // time the deliver_sm has been handled its submit_sm is at the SMSC, with no outbox tick.
  const handled = once(second, 'handled');
  await smsc.deliver({ source_addr: s.msisdn, destination_addr: '8111', data_coding: 8, short_message: ucs2('БАЛАНС') });
  await handled;
  const now = smsc.take(to(s.msisdn));
  assert.ok(now, 'the reply went out without waiting for the outbox');
  assert.match(textOf(now), /^Баланс/);
  const [row] = await core.db.query<{ status: string; meta: { transport: string; kind: string; ref: string } }>(
    "SELECT status, meta FROM sms_message WHERE direction = 'mt' AND msisdn = $1 ORDER BY id DESC LIMIT 1",
    [s.msisdn],
  );
  assert.deepEqual([row!.status, row!.meta.kind, row!.meta.transport, row!.meta.ref], ['sent', 'sms_reply', 'smpp', now.message_id]);

  // Messages to one number keep their order: with an older one still queued, the reply waits and
  // the outbox sends both, the older first.
  // (Another command: the same text again within two minutes would be taken for a redelivery.)
  await enqueueSms(core.db, { msisdn: s.msisdn, text: 'older notice', kind: 'test', at: core.clock.now() });
  const handled2 = once(second, 'handled');
  await smsc.deliver({ source_addr: s.msisdn, destination_addr: '8111', data_coding: 8, short_message: ucs2('ПОМОЩЬ') });
  await handled2;
  assert.equal(smsc.take(to(s.msisdn)), null, 'not ahead of the older message');
  const [help] = await core.db.query<{ text: string; status: string }>(
    "SELECT text, status FROM sms_message WHERE direction = 'mt' AND msisdn = $1 AND meta->>'kind' = 'sms_reply' ORDER BY id DESC LIMIT 1",
    [s.msisdn],
  );
  assert.equal(help!.status, 'queued');
  await drainOutbox(core, smppTransport(second));
  assert.equal(textOf(await smsc.submit(to(s.msisdn))), 'older notice');
  assert.equal(await whole(s.msisdn), help!.text);
  await second.stop();
  assert.equal(second.isBound, false);
});
