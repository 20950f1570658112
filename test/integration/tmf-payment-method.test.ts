import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { SANDBOX_CARDS } from '../../src/adapters/payments/sandbox.ts';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import type { Core } from '../../src/domain/core.ts';
import { makeSubscriber } from '../helpers/core.ts';
import { closeTmfEnv, openTmfEnv, startListener, tmfClient, type Res, type TmfEnv } from '../helpers/tmf.ts';

const BASE = '/tmf-api/paymentMethod/v4';
let t: TmfEnv;
let core: Core;
let app: FastifyInstance;
let call: ReturnType<typeof tmfClient>;
before(async () => {
  t = await openTmfEnv();
  ({ core, app } = t);
  call = tmfClient(app, t.auth, BASE);
});
after(() => closeTmfEnv(t));

/** A subscriber who saved a card by paying on the provider's page from the web app. */
async function withSavedCard() {
  const s = await makeSubscriber(core, { openingBalance: 0 });
  await setPasswordHash(core.db, s.subscriberId, await hashPassword('pw-12345'), core.clock.now());
  const token = (await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn: s.msisdn, password: 'pw-12345' } })).json<{ token: string }>().token;
  const auth = { authorization: `Bearer ${token}` };
  const started = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/payments', headers: auth, payload: { amount: 20_000, saveCard: true } });
  const url = started.json<{ confirmationUrl: string }>().confirmationUrl.replace(/^https?:\/\/[^/]+/, '');
  await app.inject({ method: 'POST', url, payload: `card=${SANDBOX_CARDS.success}&expiry=11%2F29&action=pay`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const card = (await core.db.query<{ id: number; token: string }>('SELECT id, token FROM saved_card WHERE account_id = $1', [s.accountId]))[0]!;
  return { ...s, auth, card };
}

test('TMF670 paymentMethod: saved cards as the provider returned them; list with filters, fields, pages; retrieve; 404', async () => {
  const a = await withSavedCard();
  const b = await withSavedCard();
  const list = await call('GET', `/paymentMethod?relatedParty.id=${a.msisdn}`);
  assert.equal(list.status, 200);
  assert.equal(list.headers['x-total-count'], '1');
  const pm = (list.body as unknown as Res[])[0]!;
  assert.equal(pm.id, `card-${a.card.id}`);
  assert.equal(pm.href, `http://abonent.test${BASE}/paymentMethod/card-${a.card.id}`);
  assert.equal(pm['@type'], 'tokenizedCard');
  assert.equal(pm.lastFourDigits, '4242');
  assert.equal(pm.expirationDate, '11/29');
  assert.equal(pm.token, a.card.token);
  assert.equal(pm.tokenType, 'sandbox');
  assert.equal(typeof pm.brand, 'string');
  assert.equal(pm.isPreferred, false);
  assert.deepEqual(pm.account, [{ id: String(a.accountId), '@referredType': 'BillingAccount' }]);
  assert.equal((pm.relatedParty as Res).id, a.msisdn);
  assert.ok(!JSON.stringify(list.body).includes(SANDBOX_CARDS.success), 'no card number');

  const all = await call('GET', '/paymentMethod?limit=1&fields=lastFourDigits');
  assert.equal(all.headers['x-total-count'], '2');
  assert.equal(all.headers['x-result-count'], '1');
  assert.ok(String(all.headers.link).includes('rel="next"'));
  assert.deepEqual(Object.keys((all.body as unknown as Res[])[0]!).sort(), ['href', 'id', 'lastFourDigits']);
  assert.equal((await call('GET', `/paymentMethod?account.id=${b.accountId}`)).headers['x-total-count'], '1');
  assert.deepEqual((await call('GET', `/paymentMethod/card-${a.card.id}`)).body, pm);
  assert.deepEqual(Object.keys((await call('GET', `/paymentMethod/card-${a.card.id}?fields=token`)).body!).sort(), ['href', 'id', 'token']);
  assert.equal((await call('GET', '/paymentMethod/card-99999999')).status, 404);
  assert.equal((await call('GET', '/paymentMethod/nope')).body!['@type'], 'Error');
  const post = await call('POST', '/paymentMethod', { '@type': 'bankCard', name: 'Card', cardNumber: SANDBOX_CARDS.success });
  assert.equal(post.status, 400, 'no card data is taken');
  assert.match(String(post.body!.message), /provider/);
});

test('TMF670: PATCH sets and switches off auto-payment from a card, as the web app sees it; DELETE removes the card; events', async () => {
  const listener = await startListener();
  assert.equal((await call('POST', '/hub', { callback: listener.url })).status, 201);
  const a = await withSavedCard();
  const id = `card-${a.card.id}`;

  const set = await call('PATCH', `/paymentMethod/${id}`, { abonentAutoPayment: { mode: 'threshold', amount: { unit: 'RUB', value: 300 }, threshold: { unit: 'RUB', value: 50 } } });
  assert.equal(set.status, 200, set.raw);
  assert.equal(set.body!.isPreferred, true);
  const auto = set.body!.abonentAutoPayment as Res;
  assert.equal(auto.enabled, true);
  assert.equal(auto.mode, 'threshold');
  assert.deepEqual(auto.amount, { unit: 'RUB', value: 300 });
  assert.deepEqual(auto.threshold, { unit: 'RUB', value: 50 });
  assert.deepEqual(auto.dailyLimit, { unit: 'RUB', value: 900 }, 'the default ceilings');
  const web = (await app.inject({ url: '/api/v1/subscribers/me/auto-payment', headers: a.auth })).json<{ settings: Res }>();
  assert.equal(web.settings.enabled, true);
  assert.equal(web.settings.cardId, a.card.id);
  assert.equal(web.settings.amount, 30_000);
  assert.equal(web.settings.threshold, 5000);
  assert.equal((await listener.waitFor('paymentMethodAttributeValueChangeEvent'))[0]!.body.event.paymentMethod!.id, id);

  const tooSmall = await call('PATCH', `/paymentMethod/${id}`, { abonentAutoPayment: { mode: 'threshold', amount: { unit: 'RUB', value: 1 }, threshold: { unit: 'RUB', value: 50 } } });
  assert.equal(tooSmall.status, 422);
  assert.equal(tooSmall.body!.code, 'AMOUNT_NOT_ALLOWED');
  assert.equal((await call('PATCH', `/paymentMethod/${id}`, { name: 'My card' })).status, 400, 'only the auto-payment changes');

  const off = await call('PATCH', `/paymentMethod/${id}`, JSON.stringify({ abonentAutoPayment: null }), { 'content-type': 'application/merge-patch+json' });
  assert.equal(off.status, 200, off.raw);
  assert.equal(off.body!.isPreferred, false);
  assert.equal((off.body!.abonentAutoPayment as Res).enabled, false);
  assert.equal((await app.inject({ url: '/api/v1/subscribers/me/auto-payment', headers: a.auth })).json<{ settings: Res }>().settings.enabled, false);

  assert.equal((await call('DELETE', `/paymentMethod/${id}`)).status, 204);
  assert.equal((await listener.waitFor('paymentMethodDeleteEvent'))[0]!.body.event.paymentMethod!.id, id);
  assert.equal((await call('GET', `/paymentMethod/${id}`)).status, 404);
  assert.equal((await call('DELETE', `/paymentMethod/${id}`)).status, 404);
  const cards = (await app.inject({ url: '/api/v1/subscribers/me/cards', headers: a.auth })).json<{ items: unknown[] }>().items;
  assert.deepEqual(cards, [], 'the web app sees it gone too');
  const audit = await core.db.query<{ action: string; channel: string }>("SELECT action, channel FROM audit_event WHERE subscriber_id = $1 AND action IN ('autopay.set', 'autopay.off', 'card.remove') AND outcome = 'ok' ORDER BY id", [a.subscriberId]);
  assert.deepEqual(audit.map((x) => `${x.action}:${x.channel}`), ['autopay.set:tmf', 'autopay.off:tmf', 'card.remove:tmf']);
  await listener.close();
});

test('the TMF670 API is described in the OpenAPI document', async () => {
  const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json<{ paths: Record<string, unknown> }>();
  for (const p of ['paymentMethod', 'paymentMethod/{id}', 'hub']) assert.ok(doc.paths[`${BASE}/${p}`], p);
});
