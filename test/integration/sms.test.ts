import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { kannelTransport } from '../../src/adapters/sms/kannel.ts';
import { handleMo, handleMoClaimed } from '../../src/channels/sms/handle-mo.ts';
import { sameWord, words } from '../../src/channels/sms/normalize.ts';
import type { Core } from '../../src/domain/core.ts';
import { updatePreferences } from '../../src/domain/subscribers/update-preferences.ts';
import { drainOutbox, sendClaimed } from '../../src/jobs/sms-outbox.ts';
import { ledgerSum, makeSubscriber, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
before(async () => {
  env = await testCore();
  core = env.core;
});
after(() => env.close());

let n = 0;
async function send(from: string, text: string, smscId: string | null = `m-${++n}`) {
  const outcome = await handleMo(core, { from, to: '8111', text, smscId, gateway: 'test' }, `req-${n}`);
  const rows = await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND direction = 'mt' AND short_code = '8111' ORDER BY id DESC LIMIT 1", [from.replace(/^\+/, '')]);
  return { outcome, reply: outcome === 'replied' ? rows[0]!.text : null };
}

test('words are compared by shape: case, spaces, ё, and Latin look-alikes all match', () => {
  assert.deepEqual(words('  стоп   gudok \u200b'), ['СТОП', 'GUDOK']);
  assert.ok(sameWord('CTOП', 'СТОП')); // Latin C, T, O
  assert.ok(sameWord('баланс', 'БАЛАНС'));
  assert.ok(sameWord('BCE', 'ВСЕ'));
  assert.ok(sameWord('ПОГОДА', 'POGODA') === false);
  assert.ok(sameWord('ёлка', 'ЕЛКА'));
});

test('0 lists connected services with prices, paid ones first; PAID only the paid', async () => {
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  const { connectProduct } = await import('../../src/domain/services/connect-product.ts');
  await connectProduct(core, subscriberCtx(s.subscriberId), { msisdn: 'me', productCode: 'weather' });
  const all = await send(s.msisdn, ' 0 ');
  // Each is stated as the registry states what it costs: weather is 7 ₽ a day (not its 30-day total).
  assert.match(all.reply!, /Погода — 7\u00a0₽\/день \(СТОП POGODA\)/);
  assert.match(all.reply!, /Определитель номера — бесплатно/);
  const paid = await send(s.msisdn, 'платные');
  assert.doesNotMatch(paid.reply!, /бесплатно/);
});

test('a paid connection waits for YES, then connects once; STOP disables; replies in the subscriber’s language', async () => {
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  const offer = await send(s.msisdn, 'gudok');
  assert.match(offer.reply!, /ответьте ДА/);
  assert.equal((await ledgerSum(core, s.accountId)).balance, 100_000, 'nothing charged before YES');
  const yes = await send(s.msisdn, 'да');
  assert.match(yes.reply!, /Подключено\. Списано 2,50/);
  const again = await send(s.msisdn, 'ДА');
  assert.match(again.reply!, /Нет запроса/);
  assert.equal((await ledgerSum(core, s.accountId)).balance, 100_000 - 250);
  await updatePreferences(core, subscriberCtx(s.subscriberId), { msisdn: 'me', language: 'en' });
  const stop = await send(s.msisdn, 'STOP gudok');
  assert.match(stop.reply!, /"Ringback tone" is off/);
  const audit = await core.db.query<{ action: string }>("SELECT action FROM audit_event WHERE subscriber_id = $1 AND channel = 'sms' ORDER BY id", [s.subscriberId]);
  assert.deepEqual(audit.map((a) => a.action), ['product.connect', 'product.disable'], 'SMS actions are audited with channel sms');
});

test('the YES window closes after 10 minutes', async () => {
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  await send(s.msisdn, 'CHILD');
  env.clock.advance(11 * 60_000);
  assert.match((await send(s.msisdn, 'ДА')).reply!, /Нет запроса/);
  assert.equal((await ledgerSum(core, s.accountId)).balance, 100_000);
});

test('unknown text gets help; refusals are explained; the same SMSC id is handled once', async () => {
  const s = await makeSubscriber(core, { openingBalance: 100 });
  assert.match((await send(s.msisdn, 'привет 😀')).reply!, /Команда не распознана\. Команды на 8111/);
  assert.match((await send(s.msisdn, 'СТОП')).reply!, /Укажите код услуги/);
  assert.match((await send(s.msisdn, 'СТОП НЕТТАКОЙ')).reply!, /не найдена/);
  assert.match((await send(s.msisdn, 'СТОП GUDOK')).reply!, /не подключена/);
  assert.match((await send(s.msisdn, '')).reply!, /Команды на 8111/);
  assert.match((await send(s.msisdn, '\u0000\u0001binary\u0000')).reply!, /Команда не распознана/);
  env.clock.advance(61_000); // past the per-minute reply limit
  const first = await send(s.msisdn, 'баланс', 'dup-1');
  assert.equal(first.outcome, 'replied');
  assert.match(first.reply!, /Баланс 1,00/);
  assert.equal((await send(s.msisdn, 'баланс', 'dup-1')).outcome, 'duplicate');
});

test('never a reply to short codes or names; a flood gets a few replies a minute', async () => {
  assert.equal((await send('900', 'баланс')).outcome, 'no_reply_sender');
  assert.equal((await send('BANK', 'STOP')).outcome, 'no_reply_sender');
  const s = await makeSubscriber(core);
  const outcomes = [];
  for (let i = 0; i < 10; i++) outcomes.push((await send(s.msisdn, 'HELP')).outcome);
  assert.equal(outcomes.filter((o) => o === 'replied').length, 6);
  assert.ok(outcomes.slice(6).every((o) => o === 'rate_limited'));
});

test('a reply for submitting at once is inserted claimed, in the statement that marks its message handled; never ahead of an older one', async () => {
  const s = await makeSubscriber(core, { openingBalance: 500 });
  const r = await handleMoClaimed(core, { from: s.msisdn, to: '8111', text: 'баланс', smscId: 'claim-1', gateway: 'test' }, 'req-claim-1');
  assert.equal(r.outcome, 'replied');
  assert.equal(r.reply!.claimed, true);
  const rows = await core.db.query<{ id: number; direction: string; status: string; attempts: number; meta: { outcome?: string; claimedAt?: string } }>(
    'SELECT id, direction, status, attempts, meta FROM sms_message WHERE msisdn = $1 ORDER BY id',
    [s.msisdn],
  );
  assert.deepEqual(
    rows.map((x) => [x.direction, x.status, x.attempts]),
    [
      ['mo', 'handled', 0],
      ['mt', 'sending', 1],
    ],
  );
  assert.equal(rows[0]!.meta.outcome, 'replied');
  assert.ok(rows[1]!.meta.claimedAt, 'claimed as the outbox claims');
  // The outbox job never sends a claimed reply too.
  const sent: string[] = [];
  // (Replies of the tests above wait in the queue too; only this number's are recorded.)
  const transport = { name: 'test', send: async (m: { msisdn: string; text: string }) => (m.msisdn === s.msisdn && sent.push(m.text), { status: 'sent' as const }) };
  await drainOutbox(core, transport);
  assert.deepEqual(sent, []);
  await sendClaimed(core, transport, r.reply!);
  assert.deepEqual(sent, [r.reply!.text]);
  assert.equal((await core.db.query<{ status: string }>('SELECT status FROM sms_message WHERE id = $1', [r.reply!.id]))[0]!.status, 'sent');

  // Two replies to one number at once: one is claimed, the other waits in the queue behind it; the
  // outbox sends it only once the first has left.
  const [a, b] = await Promise.all(
    ['помощь', '0'].map((text, i) => handleMoClaimed(core, { from: s.msisdn, to: '8111', text, smscId: `claim-${i + 2}`, gateway: 'test' }, `req-claim-${i + 2}`)),
  );
  assert.deepEqual([a!.reply!.claimed, b!.reply!.claimed].sort(), [false, true]);
  const [claimed, queued] = a!.reply!.claimed ? [a!, b!] : [b!, a!];
  sent.length = 0;
  await drainOutbox(core, transport);
  assert.deepEqual(sent, [], 'not ahead of the claimed one');
  await sendClaimed(core, transport, claimed.reply!);
  await drainOutbox(core, transport);
  assert.deepEqual(sent, [claimed.reply!.text, queued.reply!.text]);
});

test('Kannel sendsms: Cyrillic goes as UCS-2 (coding=2, UTF-8), Latin as GSM-7; 5xx waits for a retry, 4xx fails', async () => {
  const seen: URL[] = [];
  const kannel = createServer((req: IncomingMessage, res) => {
    const u = new URL(req.url ?? '/', 'http://kannel');
    seen.push(u);
    if (u.searchParams.get('to') === '79990000000') {
      res.writeHead(503).end('3: Queue full');
      return;
    }
    if (u.searchParams.get('to') === '79990000001') {
      res.writeHead(400).end('Invalid receiver');
      return;
    }
    res.writeHead(202).end('0: Accepted for delivery');
  });
  await new Promise<void>((r) => kannel.listen(0, '127.0.0.1', r));
  const port = (kannel.address() as AddressInfo).port;
  try {
    const transport = kannelTransport({ url: `http://127.0.0.1:${port}/cgi-bin/sendsms`, username: 'abonent', password: 'pw', dlrUrl: 'http://abonent:8080/gateways/sms/kannel/dlr', secret: 'dlr-secret-0123456789' });
    const s = await makeSubscriber(core);
    await send(s.msisdn, 'ПОМОЩЬ');
    await core.db.query("INSERT INTO sms_message (direction, msisdn, short_code, text, status) VALUES ('mt', $1, '8111', 'Balance 10.00', 'queued'), ('mt', '79990000000', '8111', 'x', 'queued'), ('mt', '79990000001', '8111', 'y', 'queued')", [s.msisdn]);
    // Everything queued in this store goes out; find ours among them.
    while ((await drainOutbox(core, transport)) > 0);
    const cyr = seen.find((u) => u.searchParams.get('to') === s.msisdn && u.searchParams.get('text')!.startsWith('Команды'))!;
    assert.equal(cyr.searchParams.get('coding'), '2');
    assert.equal(cyr.searchParams.get('charset'), 'UTF-8');
    assert.equal(cyr.searchParams.get('from'), '8111');
    assert.equal(cyr.searchParams.get('username'), 'abonent');
    const lat = seen.find((u) => u.searchParams.get('text') === 'Balance 10.00')!;
    assert.equal(lat.searchParams.get('coding'), null);
    // Delivery reports name the message by its outbox id; Kannel's escapes reach it unencoded.
    const latId = (await core.db.query<{ id: number }>("SELECT id FROM sms_message WHERE text = 'Balance 10.00' AND msisdn = $1", [s.msisdn]))[0]!.id;
    assert.equal(lat.searchParams.get('dlr-mask'), '31');
    assert.equal(lat.searchParams.get('dlr-url'), `http://abonent:8080/gateways/sms/kannel/dlr?id=${latId}&secret=dlr-secret-0123456789&type=%d&answer=%A`);
    const statuses = await core.db.query<{ msisdn: string; status: string; attempts: number; error: string | null }>(
      "SELECT msisdn, status, attempts, meta->>'error' AS error FROM sms_message WHERE direction = 'mt' AND msisdn IN ($1, '79990000000', '79990000001') ORDER BY id",
      [s.msisdn],
    );
    assert.deepEqual(statuses.map((r) => r.status), ['sent', 'sent', 'queued', 'failed']);
    assert.deepEqual(statuses.slice(2).map((r) => [r.attempts, r.error]), [[1, '503 3: Queue full'], [1, '400 Invalid receiver']]);
  } finally {
    kannel.close();
  }
});

test('Kannel delivery reports: accepted, then delivered in any order; refused; unknown ids and strangers turned away', async () => {
  const app = await testApp(core);
  try {
    const s = await makeSubscriber(core);
    const [a, b] = await core.db.query<{ id: number }>(
      "INSERT INTO sms_message (direction, msisdn, short_code, text, status) VALUES ('mt', $1, '8111', 'a', 'sent'), ('mt', $1, '8111', 'b', 'sent') RETURNING id",
      [s.msisdn],
    );
    const dlr = (q: string) => app.inject({ url: `/gateways/sms/kannel/dlr?${q}`, remoteAddress: '127.0.0.1' });
    const state = async (id: number) =>
      (await core.db.query<{ status: string; stat: string }>("SELECT status, meta->'receipt'->>'stat' AS stat FROM sms_message WHERE id = $1", [id]))[0]!;
    assert.equal((await dlr(`id=${a!.id}&type=8&answer=ACK%2F`)).statusCode, 200);
    assert.deepEqual(await state(a!.id), { status: 'sent', stat: 'ACCEPTD' });
    assert.equal((await dlr(`id=${a!.id}&type=1&answer=`)).statusCode, 200);
    assert.deepEqual(await state(a!.id), { status: 'delivered', stat: 'DELIVRD' });
    // Kannel may send "accepted" after "delivered": the message stays delivered.
    await dlr(`id=${a!.id}&type=8`);
    assert.deepEqual(await state(a!.id), { status: 'delivered', stat: 'DELIVRD' });
    await dlr(`id=${b!.id}&type=16&answer=NACK%2F0x0000000b`);
    assert.deepEqual(await state(b!.id), { status: 'undelivered', stat: 'REJECTD' });
    assert.equal((await dlr('id=999999999&type=1')).statusCode, 404);
    assert.equal((await dlr(`id=${a!.id}&type=3`)).statusCode, 404);
    assert.equal((await dlr('type=1')).statusCode, 400);
    assert.equal((await app.inject({ url: `/gateways/sms/kannel/dlr?id=${b!.id}&type=1`, remoteAddress: '10.1.2.3' })).statusCode, 403);
    assert.equal((await state(b!.id)).status, 'undelivered');
  } finally {
    await app.close();
  }
});

test('Kannel get-url: the reply is the answer (UCS-2 and a delivery report asked for), recorded as sent; nothing for short codes', async () => {
  const app = await testApp(core);
  try {
    const s = await makeSubscriber(core);
    const mo = (q: string) => app.inject({ url: `/gateways/sms/kannel?${q}`, remoteAddress: '127.0.0.1', headers: { host: 'abonent.test:8080' } });
    const res = await mo(`from=${s.msisdn}&to=8111&text=${encodeURIComponent('баланс')}&id=k-1`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
    assert.match(res.body, /^Баланс/);
    assert.equal(res.headers['x-kannel-coding'], '2');
    const row = (await core.db.query<{ id: number; status: string; transport: string }>("SELECT id, status, meta->>'transport' AS transport FROM sms_message WHERE direction = 'mt' AND msisdn = $1", [s.msisdn]))[0]!;
    assert.deepEqual([row.status, row.transport], ['sent', 'kannel-get-url']);
    assert.equal(res.headers['x-kannel-dlr-mask'], '31');
    assert.equal(res.headers['x-kannel-dlr-url'], `http://abonent.test:8080/gateways/sms/kannel/dlr?id=${row.id}&type=%d&answer=%A`);
    // The same id again (Kannel retrying a get-url whose answer it lost): the recorded reply once
    // more, with its delivery report address; nothing run or recorded twice.
    const again = await mo(`from=${s.msisdn}&to=8111&text=${encodeURIComponent('баланс')}&id=k-1`);
    assert.deepEqual([again.statusCode, again.body, again.headers['x-abonent-outcome']], [200, res.body, 'duplicate']);
    assert.equal(again.headers['x-kannel-dlr-url'], res.headers['x-kannel-dlr-url']);
    assert.equal(again.headers['x-kannel-coding'], '2');
    const counts = await core.db.query<{ direction: string; n: number }>('SELECT direction, count(*)::int AS n FROM sms_message WHERE msisdn = $1 GROUP BY direction ORDER BY direction', [s.msisdn]);
    assert.deepEqual(counts.map((c) => [c.direction, c.n]), [['mo', 1], ['mt', 1]]);
    // A message that got no reply still answers nothing when repeated.
    await mo('from=900&to=8111&text=STOP&id=k-3');
    const shortAgain = await mo('from=900&to=8111&text=STOP&id=k-3');
    assert.deepEqual([shortAgain.body, shortAgain.headers['x-abonent-outcome']], ['', 'duplicate']);
    const short = await mo('from=900&to=8111&text=STOP&id=k-2');
    assert.deepEqual([short.body, short.headers['x-abonent-outcome'], short.headers['x-kannel-dlr-url']], ['', 'no_reply_sender', undefined]);
  } finally {
    await app.close();
  }
});
