// SMPP part of `npm run bench`: 8111 commands end to end over a real SMPP link. A local SMSC peer
// (the `smpp` package's server role) sends "БАЛАНС" as deliver_sm from many numbers; Abonent's
// ESME runs the command, the reply is queued in the outbox and submitted at once (as production
// wires it with SMS_TRANSPORT=smpp) and arrives at the peer as submit_sm. Beside it, in the same
// run, the same peer and ESME with a handler that answers each deliver_sm at once with a fixed
// submit_sm (the link's own ceiling), and with one that first records the message and its reply in
// one store transaction (the least store work an answered MO needs).
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import smpp, { type PDU, type Session } from 'smpp';
import { Esme, smppTransport } from '../src/adapters/smpp/esme.ts';
import { smsSmppGateway } from '../src/channels/sms/smpp-gateway.ts';
import { drainOutboxTick, sendClaimed } from '../src/jobs/sms-outbox.ts';
import { ms, rate, ratio, table, verdict } from './report.ts';
import { loggedInSubscribers, openBenchEnv } from './setup.ts';

interface Run {
  rate: number;
  p50: number;
  p99: number;
  messages: number;
}

/** The SMSC side: binds one ESME, counts submit_sm, and sends deliver_sm with a window. */
class Peer {
  session: Session | null = null;
  private readonly umr = new Map<string, number>();
  private onSubmit: ((p: PDU) => void) | null = null;
  readonly server = smpp.createServer({}, (s) => {
    s.on('bind_transceiver', (pdu: PDU) => {
      this.session = s;
      s.send(pdu.response({ system_id: 'bench-smsc' }));
    });
    s.on('enquire_link', (pdu: PDU) => s.send(pdu.response()));
    s.on('unbind', (pdu: PDU) => s.send(pdu.response()));
    let ids = 0;
    s.on('submit_sm', (pdu: PDU) => {
      s.send(pdu.response({ message_id: `b${++ids}` }));
      this.onSubmit?.(pdu);
    });
    s.on('error', () => undefined);
  });

  async listen(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as AddressInfo).port;
  }

  /**
   * Sends `count` MO messages, at most `window` unanswered at a time, and waits until a reply has
   * reached every sender. Latency: from the deliver_sm to the first submit_sm to that number.
   */
  async run(msisdns: string[], count: number, window: number, text: Buffer): Promise<Run> {
    const sentAt = new Map<string, number[]>();
    const latencies: number[] = [];
    let replies = 0;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    this.onSubmit = (p) => {
      const at = sentAt.get(String(p.destination_addr))?.shift();
      if (at === undefined) return;
      latencies.push(performance.now() - at);
      if (++replies === count) resolveDone();
    };
    const t0 = performance.now();
    let next = 0;
    const sender = async () => {
      while (next < count) {
        const msisdn = msisdns[next++ % msisdns.length]!;
        // Like a handset, each new message carries the next message reference (TP-MR).
        const umr = (this.umr.get(msisdn) ?? 0) + 1;
        this.umr.set(msisdn, umr);
        const list = sentAt.get(msisdn) ?? [];
        list.push(performance.now());
        sentAt.set(msisdn, list);
        await new Promise<PDU>((resolve) => this.session!.send(new smpp.PDU('deliver_sm', { source_addr: msisdn, destination_addr: '8111', data_coding: 8, short_message: text, user_message_reference: umr }), resolve));
      }
    };
    await Promise.all(Array.from({ length: window }, sender));
    await done;
    const seconds = (performance.now() - t0) / 1000;
    this.onSubmit = null;
    latencies.sort((a, b) => a - b);
    return { rate: count / seconds, p50: latencies[Math.floor(latencies.length * 0.5)]!, p99: latencies[Math.floor(latencies.length * 0.99)]!, messages: count };
  }
}

/** `peer.run` with the CPU time this process spent on it (the ESME, Abonent and the peer share it). */
async function measured(run: () => Promise<Run>): Promise<Run & { cpuMsPerMessage: number }> {
  const before = process.cpuUsage();
  const r = await run();
  const cpu = process.cpuUsage(before);
  return { ...r, cpuMsPerMessage: (cpu.user + cpu.system) / 1000 / r.messages };
}

export async function runSmppBench(): Promise<void> {
  const env = await openBenchEnv();
  console.log(`\nSMPP: MO "БАЛАНС" to 8111 → reply as submit_sm, over a local SMPP peer — store: ${env.storeLabel}`);
  // 8111 answers a number at most 6 times a minute: each measured run uses 5 messages per number
  // of its own, the warm-ups numbers of their own.
  console.log('… provisioning 700 subscribers');
  const subs = await loggedInSubscribers(env.core, 700);
  const numbers = (i: number) => subs.slice(i * 200, (i + 1) * 200).map((s) => s.msisdn);
  const warm = subs.slice(600).map((s) => s.msisdn);
  const peer = new Peer();
  const port = await peer.listen();
  const window = 50;
  const count = 1000;
  const text = Buffer.from('БАЛАНС', 'utf16le').swap16();
  const start = async (esme: Esme) => {
    const bound = once(esme, 'bound');
    esme.start();
    await bound;
  };
  const link = { host: '127.0.0.1', port, systemId: 'abonent', password: 'bench', window: 10, requestTimeoutMs: 10_000, log: env.core.log };

  console.log(`… baseline: ${count} MO messages answered straight from the handler`);
  // Baseline 1: the link's own round trip, a fixed reply sent straight from the deliver_sm handler.
  const echo = new Esme(link);
  echo.onInbound(async (sm) => {
    await echo.submitText({ from: '8111', to: sm.source, text: 'Баланс 1000 ₽' });
    return true;
  });
  await start(echo);
  await peer.run(warm.slice(0, 30), 30, window, text); // warm-up
  const base = await measured(() => peer.run(numbers(0), count, window, text));
  await echo.stop();

  console.log(`… baseline: ${count} MO messages answered after one store round trip each`);
  // Baseline 2: the least store work an answered MO needs — the incoming message recorded with its
  // dedupe key and the reply recorded, in one transaction — then the same fixed reply.
  const stored = new Esme(link);
  let n = 0;
  stored.onInbound(async (sm) => {
    const at = env.core.clock.now();
    const key = `bench-${++n}`;
    await env.core.db.tx(async (tx) => {
      await tx.query(
        `INSERT INTO sms_message (direction, msisdn, short_code, text, status, created_at, smsc_id, meta)
         VALUES ('mo', $1, '8111', $2, 'handled', $3, $4, '{}') ON CONFLICT DO NOTHING`,
        [sm.source, sm.text, at, key],
      );
      await tx.query(`INSERT INTO sms_message (direction, msisdn, short_code, text, status, created_at, meta) VALUES ('mt', $1, '8111', $2, 'sent', $3, '{}')`, [
        sm.source,
        'Баланс 1000 ₽',
        at,
      ]);
    });
    await stored.submitText({ from: '8111', to: sm.source, text: 'Баланс 1000 ₽' });
    return true;
  });
  await start(stored);
  await peer.run(warm.slice(30, 60), 30, window, text); // warm-up
  const oneTrip = await measured(() => peer.run(numbers(1), count, window, text));
  await stored.stop();

  console.log(`… Abonent: ${count} MO "БАЛАНС" through 8111, the store and the outbox`);
  // Abonent: the 8111 command through the store, the reply through the outbox.
  const esme = new Esme(link);
  const transport = smppTransport(esme);
  // As the composition root wires it with SMS_TRANSPORT=smpp: each reply is inserted claimed and
  // submitted as soon as it commits; the outbox job sends what could not go at once, every second
  // as the scheduler runs it.
  smsSmppGateway(env.core, esme, { sendReply: (reply) => sendClaimed(env.core, transport, reply) });
  await start(esme);
  let draining = true;
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  let drained = 0;
  const outbox = (async () => {
    while (draining) {
      drained += await drainOutboxTick(env.core, transport);
      await Promise.race([new Promise<void>((r) => setTimeout(r, 1000).unref()), stopped]);
    }
  })();
  try {
    await peer.run(warm.slice(60), 40, window, text); // warm-up
    drained = 0;
    const real = await measured(() => peer.run(numbers(2), count, window, text));
    const row = (label: string, r: Run & { cpuMsPerMessage: number }) => [label, rate(r.rate), ms(r.p50), ms(r.p99), ms(r.cpuMsPerMessage), rate(r.messages)];
    console.log(
      table(
        ['measurement', 'messages/s', 'p50 ms', 'p99 ms', 'CPU ms/message', 'messages'],
        [
          row('MO БАЛАНС → 8111 command → reply claimed and submitted at commit', real),
          row('baseline: MO → fixed MT from the handler, no store', base),
          row('baseline: MO → one transaction (MO + reply recorded) → fixed MT', oneTrip),
        ],
      ),
    );
    console.log(
      table(
        ['target / ratio', 'measured', 'verdict'],
        [
          ['p99 < 100 ms', `${ms(real.p99)} ms`, verdict(real.p99 < 100)],
          ['≥ 0.5× answered from the handler (no store)', ratio(real.rate / base.rate), verdict(real.rate >= 0.5 * base.rate)],
          ['≥ 0.5× answered after one store round trip', ratio(real.rate / oneTrip.rate), verdict(real.rate >= 0.5 * oneTrip.rate)],
        ],
      ),
    );
    console.log(
      `${window} MO messages in flight from the peer, ESME window 10; replies submitted at commit, ${drained} left to the outbox job (run every second). CPU: this process (peer, ESME and Abonent together).`,
    );
  } finally {
    draining = false;
    stop();
    await outbox;
    await esme.stop();
    for (const s of peer.server.sessions) s.destroy();
    await new Promise((r) => peer.server.close(r));
    await env.close();
  }
}
