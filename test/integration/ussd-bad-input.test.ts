import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server.ts';
import { fitsPage } from '../../src/text/gsm7.ts';
import { texts } from '../../src/channels/ussd/texts.ts';
import type { Core } from '../../src/domain/core.ts';
import { listConnectedProducts } from '../../src/domain/services/list-connected-products.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { ledgerSum, makeSubscriber, secondCore, testApp, testConfig, testCore, type TestEnv } from '../helpers/core.ts';
import { handset } from '../helpers/ussd.ts';

let env: TestEnv;
let core: Core;
let app: FastifyInstance;
before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
});
after(async () => {
  await app.close();
  await env.close();
});

const t = texts.ru;
const post = (payload: string | Record<string, unknown>, headers: Record<string, string> = {}, a = app, remoteAddress?: string) =>
  a.inject({ method: 'POST', url: '/gateways/ussd/http', payload, headers, ...(remoteAddress ? { remoteAddress } : {}) });

async function fees(accountId: number) {
  const rows = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger_entry WHERE account_id = $1 AND kind = 'fee'", [accountId]);
  return rows[0]!.n;
}

test('empty input, 200 stars, emoji and control bytes re-prompt with a short error; nothing crashes', async () => {
  const s = await makeSubscriber(core);
  const phone = handset(app, s.msisdn);
  await phone.dial('*111#');
  let p = await phone.send('2');
  p = await phone.send('');
  assert.equal(p.end, false);
  assert.ok(p.text.startsWith(t.empty) && p.text.includes(`1 ${t.services[0]}`), p.text);
  p = await phone.send('0');
  p = await phone.send('*'.repeat(200));
  assert.equal(p.status, 200);
  assert.ok(p.text.startsWith(t.invalid) || p.text.startsWith(t.empty), p.text);
  p = await phone.send('😀');
  assert.ok(p.text.startsWith(t.invalid), p.text);
  p = await phone.send('9'.repeat(500));
  assert.ok(p.text.startsWith(t.invalid), p.text);
  p = await phone.send('5');
  assert.equal(p.end, true, 'the menu still works after all that');
  // Control bytes and NUL inside a form body or JSON: an invalid choice, not a 400 problem document.
  const form = await post(`sessionId=bin-1&serviceCode=*111%23&phoneNumber=${s.msisdn}&text=`, { 'content-type': 'application/x-www-form-urlencoded' });
  assert.match(form.body, /^CON /);
  const bin = await post(`sessionId=bin-1&serviceCode=*111%23&phoneNumber=${s.msisdn}&text=%00%01%FF%FE`, { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(bin.statusCode, 200);
  assert.match(bin.body, /^CON /);
  assert.ok(fitsPage(bin.body.slice(4)));
  const json = await post({ sessionId: 'bin-2', serviceCode: '*111#', phoneNumber: s.msisdn, text: '\u0000\ud800' });
  assert.equal(json.statusCode, 200);
  assert.match(json.body, /^(CON|END) /);
  const broken = await post('{"sessionId": "x", ', { 'content-type': 'application/json' });
  assert.equal(broken.statusCode, 400);
  assert.match(broken.body, /^END /);
});

test('unknown codes and numbers get a clear END; a wrong path shows the menu with an error', async () => {
  const s = await makeSubscriber(core);
  const phone = handset(app, s.msisdn);
  let p = await phone.dial('*999#');
  assert.deepEqual([p.end, p.text], [true, t.unknownCode]);
  p = await phone.dial('*111**2#');
  assert.deepEqual([p.end, p.text], [true, t.unknownCode]);
  p = await phone.dial('hello');
  assert.deepEqual([p.end, p.text], [true, t.unknownCode]);
  p = await phone.dial('*111*99#');
  assert.equal(p.end, false);
  assert.ok(p.text.startsWith(t.invalid) && p.text.includes(`1 ${t.root[0]}`), p.text);
  const stranger = handset(app, '79990000000');
  p = await stranger.dial('*111#');
  assert.deepEqual([p.end, p.text], [true, t.notServed]);
  const missing = await post({ serviceCode: '*111#', phoneNumber: s.msisdn, text: '' });
  assert.equal(missing.statusCode, 400);
  assert.match(missing.body, /^END /);
});

test('a repeated request is answered again without acting twice', async () => {
  const s = await makeSubscriber(core);
  const phone = handset(app, s.msisdn);
  const first = await phone.dial('*111*29#');
  const again = await phone.repeat();
  assert.equal(again.body, first.body);
  const done = await phone.send('1');
  assert.equal(done.end, true);
  const charged = await fees(s.accountId);
  const balance = (await ledgerSum(core, s.accountId)).balance;
  for (let i = 0; i < 3; i++) assert.equal((await phone.repeat()).body, done.body);
  // Out of order: an older history arrives late.
  const late = await post({ sessionId: phone.sessionId, serviceCode: '*111*29#', phoneNumber: s.msisdn, text: '' });
  assert.equal(late.body, done.body);
  assert.equal(await fees(s.accountId), charged);
  assert.equal((await ledgerSum(core, s.accountId)).balance, balance);
  // Dialling the code again is refused in the shared words, nothing charged.
  const twice = await phone.dial('*111*29#');
  assert.ok(twice.text.startsWith('Услуга «Гудок» уже подключена'), twice.text);
  assert.equal(await fees(s.accountId), charged);
  const sum = await ledgerSum(core, s.accountId);
  assert.equal(sum.balance, Number(sum.sum));
});

test('an expired session starts over and never completes the old confirmation', async () => {
  const s = await makeSubscriber(core);
  const phone = handset(app, s.msisdn);
  await phone.dial('*111*29#');
  env.clock.advance(121_000);
  const p = await phone.send('1');
  assert.equal(p.end, false);
  assert.ok(p.text.startsWith(t.expired) && p.text.includes(`1 ${t.root[0]}`), p.text);
  assert.equal(await fees(s.accountId), 0, 'nothing charged');
  const c = await listConnectedProducts(core, systemCtx('test'), { msisdn: s.msisdn });
  assert.ok(!c.paid.some((x) => x.code === 'ringback'));
  // The started-over session goes on normally.
  const next = await phone.send('5');
  assert.equal(next.end, true);
});

test('one session per subscriber: a new dial replaces the old one', async () => {
  const s = await makeSubscriber(core);
  const a = handset(app, s.msisdn);
  const b = handset(app, s.msisdn);
  await a.dial('*111*29#');
  await b.dial('*111#');
  const p = await a.send('1');
  assert.ok(p.text.startsWith(t.expired), p.text);
  assert.equal(await fees(s.accountId), 0);
  const rows = await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ussd_session WHERE subscriber_id = $1', [s.subscriberId]);
  assert.equal(rows[0]!.n, 1);
});

test('refusals of use cases are the shared messages, shortened to fit the page', async () => {
  const s = await makeSubscriber(core, { openingBalance: 0, tariffCode: 'basic' });
  const phone = handset(app, s.msisdn);
  await phone.dial('*111*29#');
  const p = await phone.send('1');
  assert.equal(p.end, true);
  assert.ok(p.text.startsWith('Недостаточно средств'), p.text);
  assert.ok(fitsPage(p.text));
  const audit = await core.db.query<{ channel: string; outcome: string }>("SELECT channel, outcome FROM audit_event WHERE subscriber_id = $1 AND action = 'product.connect'", [s.subscriberId]);
  assert.deepEqual(audit, [{ channel: 'ussd', outcome: 'refused' }]);
});

test('form posts, the full dial string as text or service code, another instance continuing', async () => {
  const s = await makeSubscriber(core);
  const form = await post(`sessionId=f1&serviceCode=%2A111%23&phoneNumber=%2B${s.msisdn}&text=%2A111%2A5%23`, { 'content-type': 'application/x-www-form-urlencoded' });
  assert.match(form.body, /^END Баланс/);
  const first = await post({ sessionId: 'f2', serviceCode: '*111*2*1#', phoneNumber: s.msisdn, text: '' });
  assert.match(first.body, new RegExp(`^CON ${t.connectedTitle}`));
  const other = await buildServer(await secondCore(env), testConfig);
  await other.ready();
  try {
    const next = await post({ sessionId: 'f2', serviceCode: '*111*2*1#', phoneNumber: s.msisdn, text: '0' }, {}, other);
    assert.match(next.body, new RegExp(`^CON 1 ${t.services[0]}`));
  } finally {
    await other.close();
  }
});

test('gateway authentication: shared secret header or an allowed address', async () => {
  const s = await makeSubscriber(core);
  const secured = await buildServer(core, { ...testConfig, USSD_GATEWAY_SECRET: 's3cret-s3cret-s3cret', USSD_GATEWAY_ALLOWED: ['10.9.0.0/16'] } as typeof testConfig);
  await secured.ready();
  try {
    const body = { sessionId: 'auth-1', serviceCode: '*111*5#', phoneNumber: s.msisdn, text: '' };
    const none = await post(body, {}, secured);
    assert.equal(none.statusCode, 403);
    assert.match(none.body, /^END /);
    const wrong = await post(body, { 'x-gateway-secret': 'nope' }, secured);
    assert.equal(wrong.statusCode, 403);
    const ok = await post(body, { 'x-gateway-secret': 's3cret-s3cret-s3cret' }, secured);
    assert.match(ok.body, /^END Баланс/);
    const fromGateway = await post({ ...body, sessionId: 'auth-2' }, {}, secured, '10.9.3.4');
    assert.match(fromGateway.body, /^END Баланс/);
    const fromElsewhere = await post({ ...body, sessionId: 'auth-3' }, {}, secured, '10.10.3.4');
    assert.equal(fromElsewhere.statusCode, 403);
  } finally {
    await secured.close();
  }
  // With neither configured, only loopback may call (the default test app).
  const remote = await post({ sessionId: 'auth-4', serviceCode: '*111#', phoneNumber: s.msisdn, text: '' }, {}, app, '192.0.2.1');
  assert.equal(remote.statusCode, 403);
});

test('a confirmation split over pages cannot be confirmed before its price is on screen', async () => {
  const s = await makeSubscriber(core);
  await core.db.query(`UPDATE product SET spec = jsonb_set(spec, '{name}', $1::jsonb) WHERE code = 'news'`, [
    JSON.stringify({ ru: 'Новости с очень длинным названием, которое никак не помещается на одну страницу телефона', en: 'News' }),
  ]);
  const phone = handset(app, s.msisdn);
  let p = await phone.dial('*111*1113#');
  assert.ok(!p.text.includes(t.confirm) && p.text.includes(t.next), p.text);
  const seen = [p.text];
  while (!p.text.includes(`1 ${t.confirm}`)) {
    p = await phone.send('1');
    seen.push(p.text);
    assert.equal(p.end, false, '1 before the last page only shows the rest');
    assert.equal(await fees(s.accountId), 0);
  }
  assert.ok(seen.join(' ').includes('99\u00a0₽'), 'the price was on screen');
  p = await phone.send('1');
  assert.equal(p.end, true);
  assert.equal(await fees(s.accountId), 1);
});
