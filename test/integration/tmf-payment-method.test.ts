import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { SANDBOX_CARDS, type SandboxProvider } from '../../src/adapters/payments/sandbox.ts';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import type { Core } from '../../src/domain/core.ts';
import { makeSubscriber, nextMsisdn } from '../helpers/core.ts';
import { matchesFilters } from '../../src/channels/tmf/conventions.ts';
import { closeTmfEnv, openTmfEnv, startListener, tmfClient, walkPages, type Res, type TmfEnv } from '../helpers/tmf.ts';

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

test('TMF670 POST paymentMethod: a card saved from the token the provider issued, with only what the provider says of it; card numbers and unknown tokens are refused; the card pays', async () => {
  const listener = await startListener();
  assert.equal((await call('POST', '/hub', { callback: listener.url })).status, 201);
  const s = await makeSubscriber(core, { openingBalance: 0 });
  const sandbox = core.payments as SandboxProvider;
  // The provider's tokenization form took the card in the payer's browser and gave back a token.
  const issued = await sandbox.issueToken(SANDBOX_CARDS.success, '10/28');
  const body = { '@type': 'tokenizedCard', name: 'Личная карта', token: issued.token, tokenType: 'sandbox', relatedParty: { id: s.msisdn, role: 'owner' } };
  const created = await call('POST', '/paymentMethod', body);
  assert.equal(created.status, 201, created.raw);
  const pm = created.body!;
  assert.match(String(pm.id), /^card-\d+$/);
  assert.equal(pm.token, issued.token);
  assert.equal(pm.lastFourDigits, SANDBOX_CARDS.success.slice(-4));
  assert.equal(pm.expirationDate, '10/28');
  assert.equal(pm.brand, issued.brand);
  assert.deepEqual(pm.account, [{ id: String(s.accountId), '@referredType': 'BillingAccount' }]);
  assert.equal((await listener.waitFor('paymentMethodCreateEvent'))[0]!.body.event.paymentMethod!.id, pm.id);
  const [row] = await core.db.query<Res>('SELECT * FROM saved_card WHERE id = $1', [Number(String(pm.id).slice(5))]);
  assert.deepEqual(Object.keys(row!).sort(), ['account_id', 'brand', 'created_at', 'expiry', 'id', 'last4', 'provider', 'removed_at', 'subscriber_id', 'token'], 'nothing of the card but what the provider returned');
  assert.ok(!JSON.stringify(row).includes(SANDBOX_CARDS.success));

  const again = await call('POST', '/paymentMethod', body);
  assert.equal(again.status, 201);
  assert.equal(again.body!.id, pm.id, 'the same token saves no second card');
  assert.equal((await call('GET', `/paymentMethod?relatedParty.id=${s.msisdn}`)).headers['x-total-count'], '1');
  const other = await makeSubscriber(core);
  const stolen = await call('POST', '/paymentMethod', { ...body, relatedParty: { id: other.msisdn } });
  assert.equal(stolen.status, 409, 'a token belongs to one payer');

  for (const [raw, field] of [
    [{ '@type': 'bankCard', name: 'Card', cardNumber: SANDBOX_CARDS.success, cvv: '123' }, 'cardNumber'],
    [{ ...body, token: SANDBOX_CARDS.success.replace(/(\d{4})/g, '$1 ').trim() }, 'token'],
  ] as const) {
    const refused = await call('POST', '/paymentMethod', raw, { 'accept-language': 'en' });
    assert.equal(refused.status, 400, refused.raw);
    assert.match(String(refused.body!.message), /card (data|number) is never taken/, refused.raw);
    assert.ok(refused.raw.includes(field));
  }
  const ru = await call('POST', '/paymentMethod', { '@type': 'bankCard', cardNumber: SANDBOX_CARDS.success }, { 'accept-language': 'ru' });
  assert.match(String(ru.body!.message), /^Неверное значение поля «cardNumber»/, ru.raw);
  const unknown = await call('POST', '/paymentMethod', { ...body, token: 'tok_000000000000000000000000' });
  assert.equal(unknown.status, 400);
  assert.match(String(unknown.body!.message), /token the payment provider issued/);
  assert.equal((await call('POST', '/paymentMethod', { ...body, relatedParty: { id: nextMsisdn() } })).status, 404);
  assert.equal((await call('POST', '/paymentMethod', { ...body, account: [{ id: String(other.accountId) }] })).status, 400);
  const none = await core.db.query('SELECT 1 FROM saved_card WHERE subscriber_id = $1', [other.subscriberId]);
  assert.equal(none.length, 0);

  // The saved card pays: auto-payment from it is set as from a card saved on the page.
  const set = await call('PATCH', `/paymentMethod/${pm.id}`, { abonentAutoPayment: { mode: 'threshold', amount: { unit: 'RUB', value: 300 }, threshold: { unit: 'RUB', value: 50 } } });
  assert.equal(set.status, 200, set.raw);
  const audit = await core.db.query<{ action: string; channel: string }>("SELECT action, channel FROM audit_event WHERE subscriber_id = $1 AND action = 'card.save' AND outcome = 'ok'", [s.subscriberId]);
  assert.deepEqual(audit.map((x) => `${x.action}:${x.channel}`), ['card.save:tmf']);
  await listener.close();
});

test('the TMF670 API is described in the OpenAPI document', async () => {
  const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json<{ paths: Record<string, unknown> }>();
  for (const p of ['paymentMethod', 'paymentMethod/{id}', 'hub']) assert.ok(doc.paths[`${BASE}/${p}`], p);
});

test('TMF670 paymentMethod paged by the store with every filter, each as the attribute filter over the whole list, others refused', async () => {
  const cards = [await withSavedCard(), await withSavedCard(), await withSavedCard()];
  const whole = await call('GET', '/paymentMethod?limit=1000');
  const all = whole.body as unknown as Res[];
  assert.equal(whole.headers['x-total-count'], String(all.length));
  assert.ok(all.length >= 3);
  const walked = await walkPages(app, t.auth, '/tmf-api/paymentMethod/v4/paymentMethod?limit=2');
  assert.deepEqual(walked, all.map((c) => String(c.id)));
  assert.equal(new Set(walked).size, walked.length);
  const one = all.find((c) => c.id === `card-${cards[1]!.card.id}`)!;
  for (const q of [
    `id=${String(one.id)}`,
    `name=${encodeURIComponent(String(one.name))}&brand=${encodeURIComponent(String(one.brand))}`,
    'isPreferred=false&status=active&@type=tokenizedCard',
    'isPreferred=true',
    `account.id=${cards[2]!.accountId}`,
    `relatedParty.id=${cards[0]!.msisdn}&relatedParty.role=owner`,
    `lastFourDigits=${String(one.lastFourDigits)}&expirationDate=${encodeURIComponent(String(one.expirationDate))}&tokenType=${String(one.tokenType)}`,
    `statusDate=${String(one.statusDate)}`,
  ]) {
    const expected = all.filter((c) => matchesFilters(c, Object.fromEntries(new URLSearchParams(q)))).map((c) => String(c.id));
    const got = await call('GET', `/paymentMethod?${q}&limit=1000`);
    assert.equal(got.status, 200, `${q}: ${got.raw}`);
    assert.deepEqual((got.body as unknown as Res[]).map((c) => String(c.id)), expected, q);
    assert.equal(got.headers['x-total-count'], String(expected.length), q);
    assert.ok(q === 'isPreferred=true' || expected.length > 0, `${q} matches something`);
  }
  const bad = await call('GET', '/paymentMethod?token=x', undefined, { 'accept-language': 'en' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body!.field, 'token');
});
