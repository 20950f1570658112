import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../src/domain/core.ts';
import { updatePreferences } from '../../src/domain/subscribers/update-preferences.ts';
import { isGsm7 } from '../../src/text/gsm7.ts';
import { makeSubscriber, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';

/**
 * The real chain: Debian's Kannel (bearerbox + smsbox, `apt-get install kannel kannel-extras`,
 * which .ci/run does) with the example configuration of docs/sms.md, its get-url pointed at this
 * app, and `fakesmsc` as the handset's network. Each message from the handset is one fakesmsc
 * session: it sends the message and prints every message Kannel sends back; the session ends once
 * the expected parts arrived, and anything Kannel sent after them would show up at the start of
 * the next session, so every session's messages are exactly the expected ones.
 */
const BEARERBOX = '/usr/sbin/bearerbox';
const SMSBOX = '/usr/sbin/smsbox';
const FAKESMSC = '/usr/lib/kannel/test/fakesmsc';
const ADMIN_PASSWORD = 'chain-admin';

let env: TestEnv;
let core: Core;
let app: FastifyInstance;
let dir: string;
let ports: { admin: number; smsbox: number; fake: number; sendsms: number };
const boxes: Box[] = [];

class Box {
  readonly lines: string[] = [];
  private waiters: { re: RegExp; resolve: (line: string) => void }[] = [];
  readonly exited: Promise<void>;
  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    let rest = '';
    const take = (chunk: Buffer) => {
      const text = rest + chunk.toString('utf8');
      const parts = text.split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => (w.re.test(line) ? (w.resolve(line), false) : true));
      }
    };
    proc.stdout?.on('data', take);
    proc.stderr?.on('data', take);
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
  }
  /** The first line (already printed or still to come) matching `re`. */
  waitFor(re: RegExp, timeoutMs = 15_000): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no line matching ${re} in ${timeoutMs} ms; it printed:\n${this.lines.slice(-30).join('\n')}`)), timeoutMs);
      this.waiters.push({ re, resolve: (l) => (clearTimeout(timer), resolve(l)) });
    });
  }
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const killer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(killer);
  }
}

function start(name: string, cmd: string, args: string[]): Box {
  const box = new Box(name, spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  boxes.push(box);
  return box;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** The example configuration of docs/sms.md, on this test's ports. */
function kannelConf(appUrl: string): string {
  return `group = core
admin-port = ${ports.admin}
admin-interface = 127.0.0.1
admin-password = ${ADMIN_PASSWORD}
smsbox-port = ${ports.smsbox}
box-allow-ip = 127.0.0.1
dlr-storage = internal
log-level = 0

group = smsc
smsc = fake
smsc-id = FAKE
port = ${ports.fake}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = ${ports.smsbox}
sendsms-port = ${ports.sendsms}
sendsms-interface = 127.0.0.1
log-level = 0

group = sendsms-user
username = abonent
password = sendsms-secret
concatenation = true
max-messages = 10

group = sms-service
keyword = default
get-url = "${appUrl}/gateways/sms/kannel?from=%p&to=%P&text=%a&id=%I"
accept-x-kannel-headers = true
concatenation = true
max-messages = 10
omit-empty = true
`;
}

before(async () => {
  for (const bin of [BEARERBOX, SMSBOX, FAKESMSC]) assert.ok(existsSync(bin), `${bin} is missing: apt-get install kannel kannel-extras (.ci/run installs them)`);
  env = await testCore();
  core = env.core;
  app = await testApp(core);
  const appUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  ports = { admin: await freePort(), smsbox: await freePort(), fake: await freePort(), sendsms: await freePort() };
  dir = await mkdtemp(join(tmpdir(), 'abonent-kannel-'));
  const conf = join(dir, 'kannel.conf');
  await writeFile(conf, kannelConf(appUrl));
  const bearerbox = start('bearerbox', BEARERBOX, ['-v', '0', conf]);
  await bearerbox.waitFor(/Start-up done, entering mainloop/);
  const smsbox = start('smsbox', SMSBOX, ['-v', '0', conf]);
  await smsbox.waitFor(/Connected to bearerbox/);
  await bearerbox.waitFor(/Client connected from <127\.0\.0\.1>/);
});

after(async () => {
  // Sessions first, then smsbox, then bearerbox: each one's peers are gone before it stops.
  for (const box of [...boxes].reverse()) await box.stop();
  await app?.close();
  await env?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Received {
  from: string;
  to: string;
  udh: Buffer | null;
  coding: 'gsm' | 'ucs2';
  text: string;
}

/** fakesmsc's url-encoding: %XX a byte, + a space, anything else itself. */
function bytes(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%') {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(s[i] === '+' ? 0x20 : s.charCodeAt(i));
  }
  return Buffer.from(out);
}

/** One message fakesmsc printed: `from to text …`, `from to data …`, `from to udh <udh> data …`. */
function parse(line: string): Received {
  const body = /Got message \d+: <(.*)>$/.exec(line)![1]!;
  const [from, to, type, ...rest] = body.split(' ');
  let udh: Buffer | null = null;
  let kind = type;
  if (type === 'udh') {
    udh = bytes(rest.shift()!);
    kind = rest.shift();
  }
  const payload = bytes(rest.join(' '));
  // Binary payloads here are UCS-2 (UTF-16BE): the app asks for coding 2 whenever the text is not GSM.
  if (kind === 'text') return { from: from!, to: to!, udh, coding: 'gsm', text: payload.toString('utf8') };
  return { from: from!, to: to!, udh, coding: 'ucs2', text: Buffer.from(payload).swap16().toString('utf16le') };
}

/** How many SMS a text takes: 70 UCS-2 / 160 GSM characters in one, 67 / 153 a part when split. */
function partsFor(text: string): number {
  if (isGsm7(text)) return text.length <= 160 ? 1 : Math.ceil(text.length / 153);
  const units = text.length;
  return units <= 70 ? 1 : Math.ceil(units / 67);
}

let session = 0;
/**
 * One fakesmsc session: the handset sends `text` to 8111. `parts(n)` waits for the n-th message
 * back (n is known once the app has answered), then ends the session and returns all it printed.
 */
async function handset(from: string, text: string): Promise<{ first: () => Promise<void>; parts: (n: number) => Promise<Received[]>; answered: () => Promise<void> }> {
  session += 1;
  const fake = start(`fakesmsc ${session}`, FAKESMSC, ['-H', '127.0.0.1', '-r', String(ports.fake), '-i', '0', '-m', '1', `${from} 8111 text ${text}`]);
  await fake.waitFor(/sent message 1/);
  return {
    first: async () => void (await fake.waitFor(/Got message 1: </)),
    // Nothing due: the app has recorded its answer; anything Kannel sent for it reaches the next session first.
    answered: () => until(async () => (await core.db.query(`SELECT 1 FROM sms_message WHERE direction = 'mo' AND msisdn = $1 AND status = 'handled'`, [from])).length > 0, 'the message handled'),
    parts: async (n) => {
      if (n > 0) await fake.waitFor(new RegExp(`Got message ${n}: <`));
      await fake.stop();
      return fake.lines.filter((l) => /Got message \d+: </.test(l)).map(parse);
    },
  };
}

/** Waits for a state of the store (delivery reports arriving), checking every 50 ms for up to 15 s. */
async function until(ok: () => Promise<boolean>, what = 'condition'): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function replyTo(msisdn: string): Promise<{ id: number; text: string }> {
  const rows = await core.db.query<{ id: number; text: string }>(`SELECT id, text FROM sms_message WHERE direction = 'mt' AND msisdn = $1 ORDER BY id DESC LIMIT 1`, [msisdn]);
  return rows[0]!;
}

/** The parts in order (by the concatenation UDH `05 00 03 ref total seq`), joined. */
function joined(parts: Received[]): string {
  if (parts.length === 1) return parts[0]!.text;
  const refs = new Set(parts.map((p) => p.udh![3]));
  assert.equal(refs.size, 1, 'all parts carry one reference');
  for (const p of parts) {
    assert.deepEqual([...p.udh!.subarray(0, 3)], [5, 0, 3], 'a concatenation UDH');
    assert.equal(p.udh![4], parts.length, 'the UDH counts every part');
  }
  return [...parts].sort((a, b) => a.udh![5]! - b.udh![5]!).map((p) => p.text).join('');
}

test('Kannel chain: "0", "БАЛАНС", an unknown word (a 3-part Cyrillic reply), "balance" and a short code — each answered exactly once, UCS-2 concatenated where needed; delivery reports update the outbox', async () => {
  const ru = await makeSubscriber(core, { openingBalance: 12_345 });
  const en = await makeSubscriber(core);
  await updatePreferences(core, subscriberCtx(en.subscriberId), { msisdn: 'me', language: 'en' });
  const started = Date.now();

  const cases: { from: string; text: string; expect: RegExp; minParts?: number; coding: 'gsm' | 'ucs2' }[] = [
    { from: ru.msisdn, text: '0', expect: /Подключено|подключен/i, coding: 'ucs2' },
    { from: ru.msisdn, text: 'БАЛАНС', expect: /Баланс 123,45/, coding: 'ucs2' },
    { from: ru.msisdn, text: 'абракадабра', expect: /Команда не распознана\. Команды на 8111/, minParts: 3, coding: 'ucs2' },
    { from: en.msisdn, text: 'balance', expect: /Balance/, coding: 'gsm' },
  ];
  const replies: number[] = [];
  const exchange = async (c: (typeof cases)[number]) => {
    const before = (await replyTo(c.from))?.id ?? 0;
    const session = await handset(c.from, c.text);
    await session.first();
    const reply = await replyTo(c.from);
    assert.ok(reply.id > before, `a reply to "${c.text}" is recorded`);
    const n = partsFor(reply.text);
    if (c.minParts) assert.ok(n >= c.minParts, `"${c.text}" is answered in ${n} parts (${reply.text.length} characters)`);
    const got = await session.parts(n);
    assert.equal(got.length, n, `"${c.text}": exactly ${n} message(s), got ${got.map((g) => g.text).join(' | ')}`);
    for (const g of got) {
      assert.equal(g.from, '8111');
      assert.equal(g.to, c.from);
      assert.equal(g.coding, c.coding, `"${c.text}" as ${c.coding}`);
      assert.doesNotMatch(g.text, /Empty reply|Could not/i, 'none of Kannel’s own messages');
    }
    const text = joined(got);
    assert.equal(text, reply.text, `the handset reads the recorded reply to "${c.text}"`);
    assert.match(text, c.expect);
    replies.push(reply.id);
  };
  for (const c of cases) await exchange(c);

  // A short code gets no reply at all: not even Kannel's "<Empty reply from service provider>".
  const quiet = await handset('900', 'STOP');
  await quiet.answered();
  assert.deepEqual(await quiet.parts(0), [], 'nothing is sent to a short code');
  // The last session would see anything Kannel still had for the handset: only its own reply comes.
  await exchange({ from: ru.msisdn, text: 'ПОМОЩЬ', expect: /Команды на 8111/, coding: 'ucs2' });

  // Delivery reports: fakesmsc's SMSC reports every message accepted (8) and delivered (1), in either order.
  const reported = () =>
    core.db.query<{ status: string; meta: { transport: string; reports?: { type: number }[] } }>(`SELECT status, meta FROM sms_message WHERE id = ANY($1::int[]) ORDER BY id`, [replies]);
  await until(async () => (await reported()).every((r) => (r.meta.reports?.length ?? 0) >= 2), 'two reports on every reply');
  for (const r of await reported()) {
    assert.equal(r.meta.transport, 'kannel-get-url');
    assert.equal(r.status, 'delivered');
    assert.deepEqual(r.meta.reports!.map((x) => x.type).sort(), [1, 8], 'one report of each kind for the whole message, parts joined');
  }
  // Kannel's own count: one message sent for each reply, nothing queued.
  const status = await (await fetch(`http://127.0.0.1:${ports.admin}/status.txt?password=${ADMIN_PASSWORD}`)).text();
  assert.match(status, new RegExp(`SMS: received ${replies.length + 1} \\(0 queued\\), sent ${replies.length} \\(0 queued\\)`));
  console.log(`kannel chain: ${session} handset sessions, ${replies.length} replies in ${Date.now() - started} ms`);
});
