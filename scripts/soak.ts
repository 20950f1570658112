// `npm run soak`: the whole platform as a cluster (deploy/cluster.sh: Patroni primary and replica,
// HAProxy, three instances) under mixed load from about 50 clients for SOAK_MINUTES (default 10),
// while one instance is killed with -9 and restarted and the PostgreSQL primary fails over.
// Prints per channel: requests, errors by kind, p50/p99; the failover's write outage; then
// `abonent verify`, and the money and usage the clients were told were taken against what the
// server holds (lost and doubled). Not part of `npm test`; see docs/cluster.md.
import { execFile as execFileCb } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { promisify } from 'node:util';
import smpp, { type PDU, type Session } from 'smpp';
import { hashPassword } from '../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../src/domain/auth/subscriber-login.ts';
import { openPostgres } from '../src/store/postgres.ts';

const execFile = promisify(execFileCb);
const minutes = Number(process.env.SOAK_MINUTES ?? 10);
const clients = Number(process.env.SOAK_CLIENTS ?? 50);
const withFailures = process.env.SOAK_FAILURES !== 'off';
if (!(minutes > 0) || !(clients > 0)) throw new Error('SOAK_MINUTES and SOAK_CLIENTS must be positive');
const base = Number(process.env.CLUSTER_PORT_BASE ?? 57400);
const dir = process.env.CLUSTER_DIR ?? '/tmp/abonent-soak';
const http = `http://127.0.0.1:${base + 90}`;
const writeUrl = `postgres://postgres@127.0.0.1:${base}/abonent`;
const GATEWAY_SECRET = 'soak-gateway-secret-0123456789';
const PASSWORD = 'soak-pass-1234';

// ---------------------------------------------------------------- the SMSC every instance binds to
function textOf(pdu: PDU): string {
  const v: unknown = pdu.message_payload ?? pdu.short_message;
  const raw = v && typeof v === 'object' && 'message' in v ? (v as { message: unknown }).message : v;
  if (typeof raw === 'string') return raw;
  if (Buffer.isBuffer(raw)) return (Number(pdu.data_coding) & 0x0f) === 8 ? Buffer.from(raw).swap16().toString('utf16le') : raw.toString('latin1');
  return '';
}

/** A local SMSC: takes every instance's bind, sends MO as deliver_sm, resends on another bind when one dies unanswered. */
class Smsc {
  private readonly sessions = new Set<Session>();
  private turn = 0;
  readonly replies = new Map<string, number[]>(); // msisdn → times an answer from 8111 reached it
  readonly otherAnswers = new Map<string, number>(); // answers that were not the balance, by their first words
  private waiting = new Map<string, (() => void)[]>();
  readonly server = smpp.createServer({}, (s) => {
    s.on('bind_transceiver', (pdu: PDU) => {
      this.sessions.add(s);
      s.send(pdu.response({ system_id: 'soak-smsc' }));
    });
    s.on('enquire_link', (pdu: PDU) => s.send(pdu.response()));
    s.on('unbind', (pdu: PDU) => {
      this.sessions.delete(s);
      s.send(pdu.response());
    });
    let ids = 0;
    s.on('submit_sm', (pdu: PDU) => {
      s.send(pdu.response({ message_id: `s${++ids}` }));
      // Only answers from 8111 count; notifications (a top-up, a promised payment) go to the same
      // numbers from the operator's name. An answer other than the balance is counted by its start.
      if (String(pdu.source_addr) !== '8111') return;
      const text = textOf(pdu);
      if (!/^(Баланс|Balance) /.test(text)) this.otherAnswers.set(text.slice(0, 60), (this.otherAnswers.get(text.slice(0, 60)) ?? 0) + 1);
      const to = String(pdu.destination_addr);
      const list = this.replies.get(to) ?? [];
      list.push(Date.now());
      this.replies.set(to, list);
      this.waiting.get(to)?.shift()?.();
    });
    const gone = () => this.sessions.delete(s);
    s.on('close', gone);
    s.on('error', gone);
  });

  async listen(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as AddressInfo).port;
  }

  /** Delivers one MO (resending on another bind until one acknowledges it) and waits for the reply. */
  async send(msisdn: string, umr: number, timeoutMs: number): Promise<'answered' | 'no reply'> {
    const replied = new Promise<void>((r) => this.waiting.set(msisdn, [...(this.waiting.get(msisdn) ?? []), r]));
    const text = Buffer.from('БАЛАНС', 'utf16le').swap16();
    for (;;) {
      const live = [...this.sessions];
      if (live.length === 0) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      const s = live[this.turn++ % live.length]!;
      const ok = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 5000);
        s.send(new smpp.PDU('deliver_sm', { source_addr: msisdn, destination_addr: '8111', data_coding: 8, short_message: text, user_message_reference: umr }), (resp: PDU) => {
          clearTimeout(timer);
          resolve(resp.command_status === 0);
        });
      });
      if (ok) break;
    }
    const timeout = new Promise<'no reply'>((r) => setTimeout(() => r('no reply'), timeoutMs));
    return Promise.race([replied.then(() => 'answered' as const), timeout]);
  }
}

// ---------------------------------------------------------------- measurements
class Channel {
  requests = 0;
  readonly errors = new Map<string, number>();
  readonly latencies: number[] = [];
  record(ms: number, error?: string) {
    this.requests++;
    if (error) this.errors.set(error, (this.errors.get(error) ?? 0) + 1);
    else this.latencies.push(ms);
  }
  pct(p: number): number {
    const s = [...this.latencies].sort((a, b) => a - b);
    return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : Number.NaN;
  }
}
const channels = new Map<string, Channel>();
const samples: string[] = []; // the first answers of each failing kind, to say what failed
const ch = (name: string) => channels.get(name) ?? (channels.set(name, new Channel()), channels.get(name)!);
let lastWriteOk = Date.now();
let longestWriteGap = 0;
const wrote = () => {
  const now = Date.now();
  longestWriteGap = Math.max(longestWriteGap, now - lastWriteOk);
  lastWriteOk = now;
};

/** One HTTP call, timed; errors named by status or by network failure. */
async function call(channel: string, url: string, init: RequestInit = {}): Promise<Response | null> {
  const t0 = performance.now();
  try {
    const r = await fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });
    const ok = r.status < 400 || r.status === 402 || r.status === 409 || r.status === 422; // refusals are answers
    ch(channel).record(performance.now() - t0, ok ? undefined : `HTTP ${r.status}`);
    if (!ok && samples.filter((x) => x.includes(` ${r.status} `)).length < 3) {
      samples.push(`${init.method ?? 'GET'} ${url.replace(http, '')} → ${r.status} ${(await r.clone().text()).slice(0, 240)}`);
    }
    return r;
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string } };
    ch(channel).record(performance.now() - t0, e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.name ?? 'network'));
    return null;
  }
}

// ---------------------------------------------------------------- the cluster
const cluster = (...args: string[]) =>
  execFile('bash', ['deploy/cluster.sh', ...args], { env: { ...process.env, ...clusterEnv }, maxBuffer: 1 << 24, timeout: 600_000 });
let clusterEnv: Record<string, string> = {};

const smsc = new Smsc();
const smscPort = await smsc.listen();
clusterEnv = {
  CLUSTER_DIR: dir,
  CLUSTER_PORT_BASE: String(base),
  DEMO_SUBSCRIBERS: String(Math.max(200, clients * 2)),
  LOG_LEVEL: 'warn',
  NODE_ENV: 'development',
  SMPP_HOST: '127.0.0.1',
  SMPP_PORT: String(smscPort),
  SMPP_SYSTEM_ID: 'abonent',
  SMPP_PASSWORD: 'soak',
  SMS_TRANSPORT: 'smpp',
  USSD_GATEWAY_SECRET: GATEWAY_SECRET,
};
console.log(`Abonent soak — ${minutes} min, ${clients} clients, failures ${withFailures ? 'on' : 'off'}; Node ${process.version}, ${availableParallelism()} CPU(s) (${cpus()[0]?.model.trim() ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB`);
// Whatever happens, the cluster goes down with the soak.
const teardown = () => cluster('down', '--purge').catch(() => undefined);
process.once('uncaughtException', (err) => {
  console.error(err);
  void teardown().then(() => process.exit(2));
});
process.once('unhandledRejection', (err) => {
  console.error(err);
  void teardown().then(() => process.exit(2));
});
console.log('… bringing the cluster up (deploy/cluster.sh up)');
await cluster('down', '--purge').catch(() => undefined);
await cluster('up');
const apiKey = /(abk_\S+)/.exec((await execFile(process.execPath, ['bin/abonent.js', 'apikey', 'create', '--name', `soak-${Date.now()}`], { env: { ...process.env, DATABASE_URL: writeUrl } })).stdout)![1]!;

// The clients' numbers: demo subscribers, each given a password to log in with.
const admin = await openPostgres({ url: writeUrl, poolSize: 2 });
const numbers = await admin.query<{ id: number; msisdn: string }>(
  "SELECT s.id, s.msisdn FROM subscriber s WHERE s.status = 'active' AND s.contract_id IS NULL ORDER BY s.id LIMIT $1",
  [clients],
);
if (numbers.length < clients) throw new Error(`only ${numbers.length} subscribers for ${clients} clients`);
const hash = await hashPassword(PASSWORD);
for (const n of numbers) await setPasswordHash(admin, n.id, hash, new Date());

// ---------------------------------------------------------------- the clients
const topUps = new Map<string, { amount: number; id: string }>(); // Idempotency-Key → what the client was told
const usageSent = new Map<string, boolean>(); // recordId → acknowledged
let smsSent = 0;
const smsSentTo = new Map<string, number>();
let smsNoReply = 0;
const deadline = Date.now() + minutes * 60_000;
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;

async function client(msisdn: string): Promise<void> {
  let token = '';
  const login = async () => {
    const r = await call('web', `${http}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ msisdn, password: PASSWORD }) });
    if (r?.status === 200) token = ((await r.json()) as { token: string }).token;
  };
  const web = (path: string, init: RequestInit = {}) =>
    call('web', `${http}/api/v1/subscribers/${msisdn}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers ?? {}) },
    });
  const tmf = (path: string, body: unknown, key: string) =>
    call('tmf', `${http}/tmf-api/${path}`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(body) });
  let product: string | null = null;
  let umr = 0;
  // 8111 answers a number at most 6 times a minute (an SMS loop guard): a client sends one SMS
  // command every 15 s at most, as a person would, so that every one is owed an answer.
  let lastSms = 0;
  let ussdSession = 0;
  while (Date.now() < deadline) {
    if (!token) {
      await login();
      if (!token) {
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
    }
    try {
      await step(pick(['balance', 'balance', 'products', 'connect', 'topup', 'promised', 'ussd', 'ussd', 'sms', 'usage', 'usage']));
    } catch (err) {
      ch('client').record(0, `exception: ${(err as Error).message.slice(0, 80)}`);
    }
  }

  async function step(op: string): Promise<void> {
    switch (op) {
      case 'balance': {
        const r = await web('/balance');
        if (r?.status === 401) token = '';
        await r?.arrayBuffer();
        break;
      }
      case 'products': {
        const r = await web('/products/available');
        if (r?.status === 200) {
          const items = ((await r.json()) as { items: { code: string; refusal?: unknown }[] }).items.filter((i) => !i.refusal);
          product ??= items[0]?.code ?? null;
        } else await r?.arrayBuffer();
        break;
      }
      case 'connect': {
        if (!product) break;
        const connected = await web('/products');
        const has = connected?.status === 200 && (await connected.json().then((b: { paid: { code: string }[]; free: { code: string }[] }) => [...b.paid, ...b.free].some((i) => i.code === product)));
        const r = has ? await web(`/products/${product}`, { method: 'DELETE' }) : await web('/products', { method: 'POST', headers: { 'idempotency-key': randomUUID() }, body: JSON.stringify({ productCode: product }) });
        await r?.arrayBuffer();
        break;
      }
      case 'topup': {
        // Retried with the same key until the cluster takes it, as a careful client does.
        const key = `soak-topup-${randomUUID()}`;
        const amount = 1000 + Math.floor(Math.random() * 9000);
        for (;;) {
          const r = await tmf('prepayBalanceManagement/v4/topupBalance', { amount: { amount: amount / 100, units: 'RUB' }, usageType: 'monetary', bucket: [{ id: `money-${msisdn}` }], partyAccount: { id: msisdn } }, key).catch(() => null);
          if (r?.status === 201 || r?.status === 200) {
            topUps.set(key, { amount, id: ((await r.json()) as { id: string }).id });
            wrote();
            break;
          }
          await r?.arrayBuffer();
          await new Promise((res) => setTimeout(res, 250));
        }
        break;
      }
      case 'promised': {
        const r = await web('/promised-payment', { method: 'POST', headers: { 'idempotency-key': randomUUID() }, body: JSON.stringify({ amount: 10000 }) });
        await r?.arrayBuffer();
        break;
      }
      case 'ussd': {
        const sessionId = `soak-${msisdn}-${++ussdSession}`;
        const form = (text: string) => new URLSearchParams({ sessionId, serviceCode: '*111#', phoneNumber: msisdn, text }).toString();
        const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-gateway-secret': GATEWAY_SECRET };
        for (const text of ['', '1']) {
          const r = await call('ussd', `${http}/gateways/ussd/http`, { method: 'POST', headers, body: form(text) });
          await r?.arrayBuffer();
        }
        break;
      }
      case 'sms': {
        if (Date.now() - lastSms < 15_000) return step('balance');
        lastSms = Date.now();
        const t0 = performance.now();
        smsSent++;
        smsSentTo.set(msisdn, (smsSentTo.get(msisdn) ?? 0) + 1);
        const res = await smsc.send(msisdn, ++umr % 256 || 1, 30_000);
        if (res === 'no reply') smsNoReply++;
        ch('sms (SMPP)').record(performance.now() - t0, res === 'no reply' ? 'no reply in 30 s' : undefined);
        break;
      }
      case 'usage': {
        const recordId = `soak-usage-${randomUUID()}`;
        const body = { usageType: 'data', usageDate: new Date().toISOString(), usageCharacteristic: [{ name: 'msisdn', value: msisdn }, { name: 'bytes', value: 1_000_000 }, { name: 'recordId', value: recordId }] };
        usageSent.set(recordId, false);
        for (;;) {
          const r = await tmf('usageManagement/v4/usage', body, recordId);
          await r?.arrayBuffer();
          if (r && r.status < 300) {
            usageSent.set(recordId, true);
            wrote();
            break;
          }
          if (r && r.status < 500 && r.status !== 429) break; // refused for good (e.g. blocked number)
          await new Promise((res) => setTimeout(res, 250));
        }
        break;
      }
    }
  }
}

// ---------------------------------------------------------------- failures during the run
const events: string[] = [];
const at = (fraction: number, what: string, fn: () => Promise<unknown>) =>
  new Promise<void>((resolve) =>
    setTimeout(async () => {
      const t0 = Date.now();
      await fn().catch((err: unknown) => events.push(`${what}: failed ${(err as Error).message.slice(0, 200)}`));
      events.push(`${new Date(t0).toISOString().slice(11, 19)} ${what} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      resolve();
    }, fraction * minutes * 60_000),
  );
let failoverAt = 0;
let gapBeforeFailover = 0;
const failures = withFailures
  ? [
      at(0.25, 'kill -9 instance 2', () => cluster('kill-instance', '2')),
      at(0.35, 'instance 2 started again', () => cluster('start-instance', '2')),
      at(0.55, 'primary failed (Patroni killed, PostgreSQL stopped at once)', async () => {
        gapBeforeFailover = longestWriteGap;
        longestWriteGap = 0;
        failoverAt = Date.now();
        const { stdout } = await cluster('fail-primary');
        events.push(`  failed node: ${stdout.trim()}`);
      }),
      at(0.75, 'failed node started again (rejoins as replica)', () => cluster('heal')),
    ]
  : [];

console.log(`… ${clients} clients for ${minutes} min`);
lastWriteOk = Date.now();
await Promise.all([...numbers.map((n) => client(n.msisdn)), ...failures]);
const failoverGap = failoverAt ? longestWriteGap : 0;

// ---------------------------------------------------------------- the truth afterwards
console.log('… checking the store');
const verify = await execFile(process.execPath, ['bin/abonent.js', 'verify'], { env: { ...process.env, DATABASE_URL: writeUrl } }).then(
  (r) => r.stdout.trim(),
  (err: { stdout?: string; stderr?: string }) => `FAILED: ${err.stdout ?? ''} ${err.stderr ?? ''}`.trim(),
);
// TMF654 books a top-up under the key `adjust:tmf654:<its id>` (src/domain/ledger/adjust-balance.ts).
const keyOf = (id: string) => `adjust:tmf654:${id}`;
const keys = [...topUps.values()].map((t) => keyOf(t.id));
const ledger = await admin.query<{ key: string; n: number; amount: number }>(
  'SELECT idempotency_key AS key, count(*)::int AS n, sum(amount)::bigint AS amount FROM ledger_entry WHERE idempotency_key = ANY($1) GROUP BY idempotency_key',
  [keys],
);
const byKey = new Map(ledger.map((l) => [l.key, l]));
let lostTopUps = 0;
let doubledTopUps = 0;
let clientKopecks = 0;
let serverKopecks = 0;
for (const t of topUps.values()) {
  clientKopecks += t.amount;
  const l = byKey.get(keyOf(t.id));
  if (!l) lostTopUps++;
  else {
    if (l.n > 1) doubledTopUps++;
    serverKopecks += Number(l.amount);
  }
}
const acked = [...usageSent].filter(([, ok]) => ok).map(([k]) => k);
const usageRows = await admin.query<{ n: number; distinct: number }>('SELECT count(*)::int AS n, count(DISTINCT record_id)::int AS distinct FROM usage_record WHERE record_id = ANY($1)', [acked]);
const fees = await admin.query<{ n: number; dup: number }>(
  "SELECT count(*)::int AS n, (count(*) - count(DISTINCT (account_id, idempotency_key)))::int AS dup FROM ledger_entry WHERE kind = 'fee' AND created_at > now() - make_interval(mins => $1)",
  [minutes + 5],
);
// Replies still on their way (an MO taken by an instance that died is answered by the inbox job on
// another, within a minute) are given up to 90 s to arrive.
const unanswered = () => [...smsSentTo].reduce((n, [m, sent]) => n + Math.max(0, sent - (smsc.replies.get(m)?.length ?? 0)), 0);
const waitFrom = Date.now();
while (unanswered() > 0 && Date.now() - waitFrom < 90_000) await new Promise((r) => setTimeout(r, 1000));
// Replies per number against messages sent from it: fewer is a lost reply, more a doubled one.
let smsLost = 0;
let smsDoubled = 0;
for (const [msisdn, sent] of smsSentTo) {
  const got = smsc.replies.get(msisdn)?.length ?? 0;
  smsLost += Math.max(0, sent - got);
  smsDoubled += Math.max(0, got - sent);
}
await admin.close();

// ---------------------------------------------------------------- report
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
console.log(`\n${row(['channel', 'requests', 'failed', 'errors by kind', 'p50 ms', 'p99 ms'])}`);
console.log(row(['---', '---:', '---:', '---', '---:', '---:']));
for (const [name, c] of channels) {
  const failed = [...c.errors.values()].reduce((a, b) => a + b, 0);
  const kinds = [...c.errors].map(([k, n]) => `${k} ×${n}`).join(', ') || '—';
  console.log(row([name, c.requests, failed, kinds, c.pct(50).toFixed(0), c.pct(99).toFixed(0)]));
}
for (const x of samples) console.log(`  e.g. ${x}`);
console.log(`\nfailures: ${events.length ? '' : 'none'}`);
for (const e of events) console.log(`  ${e}`);
if (failoverAt) console.log(`write outage around the failover: ${(failoverGap / 1000).toFixed(1)} s (longest gap between successful writes before it: ${(gapBeforeFailover / 1000).toFixed(1)} s)`);
console.log(`\nabonent verify: ${verify}`);
console.log(`top-ups: ${topUps.size} taken, ${lostTopUps} lost, ${doubledTopUps} doubled; client total ${clientKopecks} kopecks, server total for those keys ${serverKopecks} kopecks (difference ${serverKopecks - clientKopecks})`);
console.log(`usage: ${acked.length} records acknowledged, ${usageRows[0]!.n} stored (${usageRows[0]!.n - usageRows[0]!.distinct} duplicates, ${acked.length - usageRows[0]!.distinct} lost)`);
console.log(`fees charged during the run: ${fees[0]!.n} (${fees[0]!.dup} with a repeated key)`);
console.log(`SMS over SMPP: ${smsSent} sent, ${smsNoReply} without a reply within 30 s; ${smsLost} never answered, ${smsDoubled} answered twice`);
for (const [text, n] of smsc.otherAnswers) console.log(`  answered "${text}…" ×${n}`);

await teardown();
smsc.server.close();
const bad = lostTopUps + doubledTopUps + (serverKopecks - clientKopecks !== 0 ? 1 : 0) + (verify.startsWith('ledger ok') ? 0 : 1);
process.exit(bad === 0 ? 0 : 1);
