// SMPP part of `npm run bench`: 8111 commands end to end over a real SMPP link. A local SMSC peer
// (the `smpp` package's server role) sends "БАЛАНС" as deliver_sm from many numbers; Abonent's
// ESME runs the command, the reply is queued in the outbox and submitted at once (as production
// wires it with SMS_TRANSPORT=smpp) and arrives at the peer as submit_sm. Beside it, in the same
// run, the same peer and ESME with a handler that answers each deliver_sm at once with a fixed
// submit_sm: the link's own ceiling.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import smpp, { type PDU, type Session } from 'smpp';
import { Esme, smppTransport } from '../src/adapters/smpp/esme.ts';
import { smsSmppGateway } from '../src/channels/sms/smpp-gateway.ts';
import { drainOutboxTick, sendQueuedNow } from '../src/jobs/sms-outbox.ts';
import { ms, rate, ratio, table } from './report.ts';
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

export async function runSmppBench(): Promise<void> {
  const env = await openBenchEnv();
  console.log(`\nSMPP: MO "БАЛАНС" to 8111 → reply as submit_sm, over a local SMPP peer — store: ${env.storeLabel}`);
  // 8111 answers a number at most 6 times a minute: the measured runs use 5 messages per number,
  // the warm-ups numbers of their own.
  console.log('… provisioning 500 subscribers');
  const subs = await loggedInSubscribers(env.core, 500);
  const msisdns = subs.slice(0, 400).map((s) => s.msisdn);
  const warm = subs.slice(400).map((s) => s.msisdn);
  const half = msisdns.length / 2;
  const peer = new Peer();
  const port = await peer.listen();
  const window = 50;
  const count = 5 * half;
  const text = Buffer.from('БАЛАНС', 'utf16le').swap16();
  const start = async (esme: Esme) => {
    const bound = once(esme, 'bound');
    esme.start();
    await bound;
  };
  const link = { host: '127.0.0.1', port, systemId: 'abonent', password: 'bench', window: 10, requestTimeoutMs: 10_000, log: env.core.log };

  console.log(`… baseline: ${count} MO messages answered straight from the handler`);
  // Baseline: the link's own round trip, a fixed reply sent straight from the deliver_sm handler.
  const echo = new Esme(link);
  echo.onInbound(async (sm) => {
    await echo.submitText({ from: '8111', to: sm.source, text: 'Баланс 1000 ₽' });
    return true;
  });
  await start(echo);
  await peer.run(warm.slice(0, 50), 50, window, text); // warm-up
  const base = await peer.run(msisdns.slice(0, half), count, window, text);
  await echo.stop();

  console.log(`… Abonent: ${count} MO "БАЛАНС" through 8111, the store and the outbox`);
  // Abonent: the 8111 command through the store, the reply through the outbox.
  const esme = new Esme(link);
  const transport = smppTransport(esme);
  // As the composition root wires it with SMS_TRANSPORT=smpp: each reply is submitted as soon as
  // it is queued; the outbox job below sends only what could not go at once.
  smsSmppGateway(env.core, esme, { sendReply: (id) => sendQueuedNow(env.core, transport, id) });
  await start(esme);
  let draining = true;
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const outbox = (async () => {
    // The scheduler's outbox job for what was not submitted at once, run again as soon as an MO
    // message has been handled (instead of once a second).
    let handled = 0;
    let wake: () => void = () => undefined;
    esme.on('handled', () => {
      handled += 1;
      wake();
    });
    while (draining) {
      const seen = handled;
      if ((await drainOutboxTick(env.core, transport)) > 0 || handled !== seen) continue;
      await Promise.race([new Promise<void>((r) => (wake = r)), stopped]);
    }
  })();
  try {
    await peer.run(warm.slice(50), 50, window, text); // warm-up
    const real = await peer.run(msisdns.slice(half), count, window, text);
    console.log(
      table(
        ['measurement', 'messages/s', 'p50 ms', 'p99 ms', 'messages'],
        [
          ['MO БАЛАНС → 8111 command → reply queued and submitted at once', rate(real.rate), ms(real.p50), ms(real.p99), rate(real.messages)],
          ['baseline: MO → fixed MT from the handler, no store', rate(base.rate), ms(base.p50), ms(base.p99), rate(base.messages)],
        ],
      ),
    );
    console.log(table(['ratio', 'value'], [['Abonent MO→MT / link baseline', ratio(real.rate / base.rate)]]));
    console.log(`${window} MO messages in flight from the peer, ESME window 10; replies submitted as they were queued, the outbox job run back to back for any left.`);
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
