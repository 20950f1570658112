import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { SANDBOX_CARDS } from '../../src/adapters/payments/sandbox.ts';
import { publishPaymentStates } from '../../src/channels/tmf/payment-management.ts';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import type { Core } from '../../src/domain/core.ts';
import { ledgerSum, makeSubscriber } from '../helpers/core.ts';
import { matchesFilters } from '../../src/channels/tmf/conventions.ts';
import { closeTmfEnv, ISO_Z, openTmfEnv, startListener, tmfClient, walkPages, type Res, type TmfEnv } from '../helpers/tmf.ts';

const BASE = '/tmf-api/paymentManagement/v4';
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

async function login(openingBalance = 0) {
  const s = await makeSubscriber(core, { openingBalance });
  await setPasswordHash(core.db, s.subscriberId, await hashPassword('pw-12345'), core.clock.now());
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn: s.msisdn, password: 'pw-12345' } });
  return { ...s, auth: { authorization: `Bearer ${res.json<{ token: string }>().token}` } };
}

/** The payer on the provider's page, as in the browser: the page, then the form. */
async function payOnPage(confirmationUrl: string) {
  const url = confirmationUrl.replace(/^https?:\/\/[^/]+/, '');
  assert.equal((await app.inject({ url })).statusCode, 200);
  const done = await app.inject({ method: 'POST', url, payload: `card=${SANDBOX_CARDS.success}&expiry=12%2F30&action=pay`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  // Back to the shop's page (303) when the payment named one, else the provider's own result page.
  assert.ok([200, 303].includes(done.statusCode), done.body);
}

/** What a payment leaves behind, with its own ids taken out: the ledger entries and the audit of the number. */
async function traces(accountId: number, subscriberId: number, paymentId: string) {
  const ledger = await core.db.query<Res>(
    `SELECT amount, kind, category, description, reference = $2 AS "referencesPayment", idempotency_key = 'payment:' || $2 AS "keyedByPayment"
       FROM ledger_entry WHERE account_id = $1 AND reference = $2 ORDER BY id`,
    [accountId, paymentId],
  );
  const audit = await core.db.query<{ action: string; outcome: string; details: Res; channel: string; actor_kind: string }>(
    "SELECT action, outcome, details, channel, actor_kind FROM audit_event WHERE subscriber_id = $1 AND action LIKE 'payment.%' ORDER BY id",
    [subscriberId],
  );
  return {
    ledger,
    audit: audit.map((a) => ({ action: a.action, outcome: a.outcome, details: { ...a.details, paymentId: a.details.paymentId === paymentId ? 'the payment' : a.details.paymentId } })),
    channels: audit.map((a) => `${a.action}:${a.channel}:${a.actor_kind}`),
  };
}

test('TMF676: a payment created through the API is the web app top-up — same ledger entries and audit, credited when the provider confirms', async () => {
  const listener = await startListener();
  assert.equal((await call('POST', '/hub', { callback: listener.url })).status, 201);

  const web = await login(0);
  const started = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/payments', headers: web.auth, payload: { amount: 50_000 } });
  assert.equal(started.statusCode, 201, started.body);
  const webPayment = started.json<{ paymentId: string; confirmationUrl: string }>();
  await payOnPage(webPayment.confirmationUrl);

  const s = await makeSubscriber(core, { openingBalance: 0 });
  const created = await call('POST', '/payment', {
    account: { id: String(s.accountId) },
    paymentMethod: { '@type': 'bankCard', name: 'Card' },
    totalAmount: { unit: 'RUB', value: 500 },
    correlatorId: 'crm-7001',
  });
  assert.equal(created.status, 201, created.raw);
  const p = created.body!;
  assert.equal(p['@type'], 'Payment');
  assert.equal(p.status, 'pending');
  assert.equal(p.href, `http://abonent.test${BASE}/payment/${String(p.id)}`);
  assert.equal(p.correlatorId, 'crm-7001');
  assert.deepEqual(p.totalAmount, { unit: 'RUB', value: 500 });
  assert.equal((p.account as Res).id, String(s.accountId));
  assert.deepEqual(p.payer, { id: s.msisdn, role: 'payer', '@referredType': 'Individual' });
  assert.deepEqual(p.channel, { id: 'tmf', name: 'tmf' });
  assert.match(String(p.paymentDate), ISO_Z);
  assert.equal((await ledgerSum(core, s.accountId)).balance, 0, 'nothing credited before the provider confirms');
  assert.equal((await listener.waitFor('paymentCreateEvent'))[0]!.body.event.payment!.id, p.id);

  await payOnPage(String(p.abonentConfirmationUrl));
  assert.equal((await ledgerSum(core, s.accountId)).balance, 50_000);
  const settled = await call('GET', `/payment/${String(p.id)}`);
  assert.equal(settled.body!.status, 'succeeded');
  assert.equal(settled.body!.abonentConfirmationUrl, undefined);
  // The webhook settled both payments after their answers: each change is told once, by the scheduler's job.
  assert.equal(await publishPaymentStates(core, 'https://op.example'), 2);
  const changes = await listener.waitFor('paymentStateChangeEvent', 2);
  const told = changes.map((e) => e.body.event.payment!);
  assert.deepEqual(told.map((x) => [x.id, x.status]).sort(), [[webPayment.paymentId, 'succeeded'], [p.id, 'succeeded']].sort());
  assert.equal(told.find((x) => x.id === p.id)!.href, `https://op.example${BASE}/payment/${String(p.id)}`);
  assert.equal(await publishPaymentStates(core, undefined), 0, 'a change is told once');

  const fromWeb = await traces(web.accountId, web.subscriberId, webPayment.paymentId);
  const fromTmf = await traces(s.accountId, s.subscriberId, String(p.id));
  assert.equal(fromTmf.ledger.length, 1);
  assert.deepEqual(fromTmf.ledger, fromWeb.ledger);
  assert.deepEqual(fromTmf.audit, fromWeb.audit);
  assert.deepEqual(fromWeb.channels, ['payment.start:web:subscriber', 'payment.succeeded:system:system']);
  assert.deepEqual(fromTmf.channels, ['payment.start:tmf:operator_api', 'payment.succeeded:system:system']);

  // The same correlatorId (or Idempotency-Key) is the same payment; with another amount it is refused.
  const again = await call('POST', '/payment', { account: { id: String(s.accountId) }, paymentMethod: {}, totalAmount: { unit: 'RUB', value: 500 }, correlatorId: 'crm-7001' });
  assert.equal(again.status, 201);
  assert.equal(again.body!.id, p.id);
  const reused = await call('POST', '/payment', { account: { id: String(s.accountId) }, paymentMethod: {}, totalAmount: { unit: 'RUB', value: 600 }, correlatorId: 'crm-7001' });
  assert.equal(reused.status, 422);
  assert.equal(reused.body!.code, 'IDEMPOTENCY_KEY_REUSED');
  assert.equal((await ledgerSum(core, s.accountId)).balance, 50_000);
  await listener.close();
});

test('TMF676: the refusals are the web app’s; a saved card pays at once; list with filters, fields, pages; retrieve; 404', async () => {
  const web = await login(0);
  const started = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/payments', headers: web.auth, payload: { amount: 20_000, saveCard: true } });
  await payOnPage(started.json<{ confirmationUrl: string }>().confirmationUrl);
  const card = (await core.db.query<{ id: number }>('SELECT id FROM saved_card WHERE account_id = $1', [web.accountId]))[0]!;
  t.env.clock.advance(60_000);

  // Too little: AMOUNT_NOT_ALLOWED with the bounds, in the words every channel uses.
  const small = await call('POST', '/payment', { account: { id: web.msisdn }, paymentMethod: {}, totalAmount: { unit: 'RUB', value: 5 } }, { 'accept-language': 'en' });
  assert.equal(small.status, 422);
  assert.equal(small.body!.code, 'AMOUNT_NOT_ALLOWED');
  const webSmall = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/payments', headers: { ...web.auth, 'accept-language': 'en' }, payload: { amount: 500 } });
  assert.equal(webSmall.statusCode, 422);
  assert.equal(webSmall.json<{ code: string }>().code, 'AMOUNT_NOT_ALLOWED');
  assert.equal((await call('POST', '/payment', { account: { id: web.msisdn }, paymentMethod: {}, totalAmount: { unit: 'USD', value: 50 } })).status, 400);
  assert.equal((await call('POST', '/payment', { account: { id: web.msisdn }, paymentMethod: { id: 'card-999999' }, totalAmount: { unit: 'RUB', value: 50 } })).body!.code, 'CARD_NOT_FOUND');
  assert.equal((await call('POST', '/payment', { account: { id: 'nobody' }, paymentMethod: {}, totalAmount: { unit: 'RUB', value: 50 } })).status, 400);
  const stranger = await makeSubscriber(core);
  const mismatch = await call('POST', '/payment', { account: { id: String(web.accountId) }, payer: { id: stranger.msisdn }, paymentMethod: {}, totalAmount: { unit: 'RUB', value: 50 } });
  assert.equal(mismatch.status, 400, 'the payer must be a number of the account');
  assert.equal(mismatch.body!.code, 'VALIDATION');

  const byCard = await call('POST', '/payment', { account: { id: String(web.accountId) }, paymentMethod: { id: `card-${card.id}` }, totalAmount: { unit: 'RUB', value: 150 } }, { 'idempotency-key': 'card-pay-1' });
  assert.equal(byCard.status, 201, byCard.raw);
  assert.equal(byCard.body!.status, 'succeeded');
  assert.equal((byCard.body!.paymentMethod as Res).id, `card-${card.id}`);
  assert.equal((byCard.body!.paymentMethod as Res).href, `http://abonent.test/tmf-api/paymentMethod/v4/paymentMethod/card-${card.id}`);
  assert.equal((await ledgerSum(core, web.accountId)).balance, 20_000 + 15_000);
  assert.equal(await publishPaymentStates(core, undefined), 1, 'the web payment settled by the webhook is told; the card payment its create answer told');

  // The bank now declines the card (the provider's word): 402, the payment failed, nothing credited.
  t.env.clock.advance(60_000);
  await core.db.query('UPDATE sandbox_card SET declines = true WHERE token = (SELECT token FROM saved_card WHERE id = $1)', [card.id]);
  const declined = await call('POST', '/payment', { account: { id: String(web.accountId) }, paymentMethod: { id: `card-${card.id}` }, totalAmount: { unit: 'RUB', value: 150 } }, { 'accept-language': 'en' });
  assert.equal(declined.status, 402, declined.raw);
  assert.equal(declined.body!.code, 'PAYMENT_FAILED');
  assert.equal((await ledgerSum(core, web.accountId)).balance, 20_000 + 15_000);
  t.env.clock.advance(60_000);

  // Money paid in without the provider is a payment too (a TMF654 top-up at a shop).
  t.env.clock.advance(60_000);
  const topup = await app.inject({
    method: 'POST',
    url: '/tmf-api/prepayBalanceManagement/v4/topupBalance',
    headers: { host: 'abonent.test', ...t.auth },
    payload: { amount: { amount: 70, units: 'RUB' }, usageType: 'monetary', bucket: { id: `money-${web.msisdn}` }, partyAccount: { id: String(web.accountId) }, reason: 'cash at a shop' },
  });
  assert.equal(topup.statusCode, 201, topup.body);

  const list = await call('GET', `/payment?payer.id=${web.msisdn}`);
  assert.equal(list.status, 200);
  const items = list.body as unknown as Res[];
  assert.equal(list.headers['x-total-count'], '4');
  assert.deepEqual(items.map((i) => [(i.totalAmount as Res).value, i.status]), [[70, 'succeeded'], [150, 'failed'], [150, 'succeeded'], [200, 'succeeded']], 'newest first');
  assert.equal(items[1]!.statusReason, 'card declined');
  const cash = items[0]!;
  assert.match(String(cash.id), /^ledger-\d+-\d+$/);
  assert.equal(cash.status, 'succeeded');
  assert.equal((cash.paymentMethod as Res)['@referredType'], 'cash');
  assert.equal(cash.description, 'cash at a shop');
  assert.deepEqual((await call('GET', `/payment/${String(cash.id)}`)).body, cash);

  const page = await call('GET', `/payment?payer.id=${web.msisdn}&status=succeeded&fields=status,totalAmount&offset=1&limit=1`);
  assert.equal(page.headers['x-total-count'], '3', 'the failed one filtered out');
  assert.equal(page.headers['x-result-count'], '1');
  assert.ok(String(page.headers.link).includes('rel="next"'));
  assert.deepEqual(Object.keys((page.body as unknown as Res[])[0]!).sort(), ['href', 'id', 'status', 'totalAmount']);
  assert.equal((await call('GET', `/payment?account.id=${web.accountId}&channel.id=tmf`)).headers['x-total-count'], '2');
  assert.equal((await call('GET', '/payment/00000000-0000-4000-8000-000000000000')).status, 404);
  assert.equal((await call('GET', '/payment/nope')).body!['@type'], 'Error');
});

test('TMF676 refund: books the refund in the ledger and on the card, once per key; list, retrieve, 404, events', async () => {
  const listener = await startListener();
  assert.equal((await call('POST', '/hub', { callback: listener.url, query: 'eventType=refundCreateEvent' })).status, 201);
  const s = await makeSubscriber(core, { openingBalance: 0 });
  const created = await call('POST', '/payment', { account: { id: s.msisdn }, paymentMethod: {}, totalAmount: { unit: 'RUB', value: 300 } });
  await payOnPage(String(created.body!.abonentConfirmationUrl));
  const paymentId = String(created.body!.id);

  const asked = { payment: { id: paymentId }, account: { id: String(s.accountId) }, paymentMethod: {}, totalAmount: { unit: 'RUB', value: 100 }, description: 'returned goods' };
  const refund = await call('POST', '/refund', asked, { 'idempotency-key': 'refund-1' });
  assert.equal(refund.status, 201, refund.raw);
  const r = refund.body!;
  assert.equal(r['@type'], 'Refund');
  assert.equal(r.status, 'succeeded');
  assert.deepEqual(r.totalAmount, { unit: 'RUB', value: 100 });
  assert.equal((r.payment as Res).id, paymentId);
  assert.equal(r.description, 'returned goods');
  assert.equal((await ledgerSum(core, s.accountId)).balance, 20_000);
  const repeat = await call('POST', '/refund', asked, { 'idempotency-key': 'refund-1' });
  assert.equal(repeat.body!.id, r.id, 'the same key is the same refund');
  const otherAsk = await call('POST', '/refund', { ...asked, totalAmount: { unit: 'RUB', value: 50 } }, { 'idempotency-key': 'refund-1' });
  assert.equal(otherAsk.status, 422, 'the key with another request is refused');
  assert.equal((await ledgerSum(core, s.accountId)).balance, 20_000);
  assert.equal((await listener.waitFor('refundCreateEvent'))[0]!.body.event.refund!.id, r.id);

  const tooMuch = await call('POST', '/refund', { payment: { id: paymentId }, totalAmount: { unit: 'RUB', value: 250 } });
  assert.equal(tooMuch.status, 422);
  assert.equal(tooMuch.body!.code, 'AMOUNT_NOT_ALLOWED');
  assert.equal((await call('POST', '/refund', { payment: { id: '00000000-0000-4000-8000-000000000000' }, totalAmount: { unit: 'RUB', value: 1 } })).status, 404);

  assert.deepEqual((await call('GET', `/payment/${paymentId}?fields=abonentRefunded`)).body!.abonentRefunded, { unit: 'RUB', value: 100 });
  const list = await call('GET', `/refund?payment.id=${paymentId}&fields=status`);
  assert.equal(list.headers['x-total-count'], '1');
  assert.deepEqual(list.body, [{ id: r.id, href: r.href, status: 'succeeded' }]);
  assert.deepEqual((await call('GET', `/refund/${String(r.id)}`)).body, r);
  assert.equal((await call('GET', '/refund/1-999999')).status, 404);
  const audit = await core.db.query<{ channel: string }>("SELECT channel FROM audit_event WHERE action = 'payment.refund' AND outcome = 'ok' AND subscriber_id = $1", [s.subscriberId]);
  assert.deepEqual(audit.map((a) => a.channel), ['tmf']);
  await listener.close();
});

test('the TMF676 API is described in the OpenAPI document', async () => {
  const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json<{ paths: Record<string, unknown> }>();
  for (const p of ['payment', 'payment/{id}', 'refund', 'refund/{id}', 'hub']) assert.ok(doc.paths[`${BASE}/${p}`], p);
});

test('TMF676 payment paged by the store with every filter: pages neither repeat nor miss a payment, each filter as the attribute filter over the whole list, others refused', async () => {
  // Payments of every kind: on the provider's page (pending and paid), by TMF676, and cash through TMF654.
  const a = await login(0);
  const paid = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/payments', headers: a.auth, payload: { amount: 30_000 } });
  await payOnPage(paid.json<{ confirmationUrl: string }>().confirmationUrl);
  t.env.clock.advance(60_000);
  assert.equal((await call('POST', '/payment', { account: { id: a.msisdn }, paymentMethod: {}, totalAmount: { unit: 'RUB', value: 120 }, correlatorId: 'pg-corr-1' })).status, 201);
  t.env.clock.advance(60_000);
  const b = await makeSubscriber(core);
  const cash = await app.inject({
    method: 'POST',
    url: '/tmf-api/prepayBalanceManagement/v4/topupBalance',
    headers: { host: 'abonent.test', ...t.auth },
    payload: { amount: { amount: 45, units: 'RUB' }, usageType: 'monetary', bucket: { id: `money-${b.msisdn}` }, partyAccount: { id: String(b.accountId) }, reason: 'cash at a shop' },
  });
  assert.equal(cash.statusCode, 201, cash.body);

  const whole = await call('GET', '/payment?limit=1000');
  const all = whole.body as unknown as Res[];
  assert.equal(whole.headers['x-total-count'], String(all.length));
  assert.ok(all.length > 4);
  const walked = await walkPages(app, t.auth, `${BASE}/payment?limit=2`);
  assert.deepEqual(walked, all.map((p) => String(p.id)));
  assert.equal(new Set(walked).size, walked.length);
  assert.deepEqual(await walkPages(app, t.auth, `${BASE}/payment?status=succeeded&limit=1`), all.filter((p) => p.status === 'succeeded').map((p) => String(p.id)));

  const pending = all.find((p) => p.correlatorId === 'pg-corr-1')!;
  const since = new Date(String(pending.paymentDate));
  const refunded = all.find((p) => p.abonentRefunded !== undefined);
  const cases: [string, ((p: Res) => boolean)?][] = [
    [`id=${String(pending.id)}`],
    ['name=Top-up'],
    [`description=${encodeURIComponent('cash at a shop')}`],
    ['correlatorId=pg-corr-1'],
    ['status=pending'],
    ['status=failed&statusReason=card%20declined'],
    [`statusDate=${String(pending.statusDate)}`],
    [`paymentDate.gte=${since.toISOString()}`, (p) => new Date(String(p.paymentDate)) >= since],
    [`paymentDate.lt=${since.toISOString()}&status=succeeded`, (p) => new Date(String(p.paymentDate)) < since && p.status === 'succeeded'],
    [`account.id=${a.accountId}`],
    ['account.name=Personal%20account&payer.role=payer&@type=Payment'],
    [`payer.id=${b.msisdn}`],
    ['totalAmount.value=120&amount.unit=RUB'],
    ['amount.value=300'],
    ['channel.id=tmf'],
    ['channel.name=web'],
    ['paymentMethod.@referredType=cash'],
    ['paymentMethod.@referredType=bankCard'],
    ...(refunded ? [[`abonentRefunded.value=${String((refunded.abonentRefunded as Res).value)}`] as [string]] : []),
    ['status=pending&status=failed', () => false],
  ];
  for (const [q, wanted] of cases) {
    const filter = wanted ?? ((p: Res) => matchesFilters(p, Object.fromEntries(new URLSearchParams(q))));
    const expected = all.filter(filter).map((p) => String(p.id));
    const got = await call('GET', `/payment?${q}&limit=1000`);
    assert.equal(got.status, 200, `${q}: ${got.raw}`);
    assert.deepEqual((got.body as unknown as Res[]).map((p) => String(p.id)), expected, q);
    assert.equal(got.headers['x-total-count'], String(expected.length), q);
    assert.ok(q.includes('&status=') || q.startsWith('amount.value') || expected.length > 0, `${q} matches something`);
  }
  assert.ok(all.some((p) => new Date(String(p.paymentDate)) < since));

  for (const [q, field] of [
    ['paymentMethod.name=x', 'paymentMethod.name'],
    ['paymentDate.gt=yesterday', 'paymentDate.gt'],
    ['amount.value=abc', 'amount.value'],
  ] as const) {
    const bad = await call('GET', `/payment?${q}`, undefined, { 'accept-language': 'en' });
    assert.equal(bad.status, 400, q);
    assert.equal(bad.body!.field, field, q);
  }
});

test('TMF676 refund paged by the store with every filter, each as the attribute filter over the whole list, others refused', async () => {
  const s = await makeSubscriber(core, { openingBalance: 0 });
  const created = await call('POST', '/payment', { account: { id: s.msisdn }, paymentMethod: {}, totalAmount: { unit: 'RUB', value: 500 } });
  await payOnPage(String(created.body!.abonentConfirmationUrl));
  for (const [value, key] of [[10, 'pg-r-1'], [20, 'pg-r-2'], [30, 'pg-r-3']] as const) {
    t.env.clock.advance(60_000);
    const res = await call('POST', '/refund', { payment: { id: String(created.body!.id) }, totalAmount: { unit: 'RUB', value }, description: `part ${value}` }, { 'idempotency-key': key });
    assert.equal(res.status, 201, res.raw);
  }
  const whole = await call('GET', '/refund?limit=1000');
  const all = whole.body as unknown as Res[];
  assert.equal(whole.headers['x-total-count'], String(all.length));
  assert.ok(all.length >= 3);
  const walked = await walkPages(app, t.auth, `${BASE}/refund?limit=2`);
  assert.deepEqual(walked, all.map((r) => String(r.id)));
  assert.equal(new Set(walked).size, walked.length);
  const second = all.find((r) => r.description === 'part 20')!;
  const since = new Date(String(second.refundDate));
  const cases: [string, ((r: Res) => boolean)?][] = [
    [`id=${String(second.id)}`],
    [`payment.id=${String(created.body!.id)}`],
    [`account.id=${s.accountId}&name=Refund&@type=Refund`],
    ['totalAmount.value=30&amount.unit=RUB'],
    ['status=succeeded&paymentMethod.@referredType=bankCard'],
    [`description=${encodeURIComponent('part 10')}`],
    [`refundDate.gte=${since.toISOString()}`, (r) => new Date(String(r.refundDate)) >= since],
    ['status=failed&status=succeeded', () => false],
  ];
  for (const [q, wanted] of cases) {
    const filter = wanted ?? ((r: Res) => matchesFilters(r, Object.fromEntries(new URLSearchParams(q))));
    const expected = all.filter(filter).map((r) => String(r.id));
    const got = await call('GET', `/refund?${q}&limit=1000`);
    assert.equal(got.status, 200, `${q}: ${got.raw}`);
    assert.deepEqual((got.body as unknown as Res[]).map((r) => String(r.id)), expected, q);
    assert.equal(got.headers['x-total-count'], String(expected.length), q);
    assert.ok(q.includes('&status=') || expected.length > 0, `${q} matches something`);
  }
  const bad = await call('GET', '/refund?payer.id=79000000000', undefined, { 'accept-language': 'en' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body!.field, 'payer.id');
});
