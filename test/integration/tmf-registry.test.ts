import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { changeTariffAction, connectProductAction, disableProductAction, productFacts, refusalWords, tariffListFacts } from '../../src/domain/actions/registry.ts';
import { listProducts, listTariffs } from '../../src/domain/catalog/read-catalog.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { blockNumber } from '../../src/domain/subscribers/set-block.ts';
import { makeSubscriber } from '../helpers/core.ts';
import { closeTmfEnv, openTmfEnv, tmfClient, tmfOfferingFacts, type Res, type TmfEnv } from '../helpers/tmf.ts';

let t: TmfEnv;
let orders: ReturnType<typeof tmfClient>;
let inventory: ReturnType<typeof tmfClient>;
before(async () => {
  t = await openTmfEnv();
  orders = tmfClient(t.app, t.auth, '/tmf-api/productOrderingManagement/v4');
  inventory = tmfClient(t.app, t.auth, '/tmf-api/productInventory/v4');
});
after(async () => {
  await closeTmfEnv(t);
});

const op = systemCtx('test');
const offerFor = (msisdn: string, productCode: string) => connectProductAction.offer(t.core, op, { msisdn, productCode });

test('TMF620 productOfferingPrice states the registry offer facts: one-off, daily with a connection fee, monthly, a tariff', async () => {
  const s = await makeSubscriber(t.core); // on smart, since today: no switch fee waived

  const turbo = await tmfOfferingFacts(t.app, t.auth, 'turbo_1gb');
  assert.deepEqual(turbo.prices, [{ name: 'Цена', priceType: 'oneTime', price: { unit: 'RUB', value: 100 }, '@type': 'ProductOfferingPrice' }], 'one-off 100 ₽: a oneTime charge, no monthly fee');
  assert.deepEqual(turbo.facts, (await offerFor(s.msisdn, 'turbo_1gb')).facts);
  assert.deepEqual(turbo.facts, { price: 10_000, period: 'once', connectionFee: 0, commission: 0, chargedToday: 10_000 });

  const home = await tmfOfferingFacts(t.app, t.auth, 'everywhere_home', 'en');
  assert.deepEqual(home.prices, [
    { name: 'Subscription fee', priceType: 'recurring', recurringChargePeriodType: 'day', recurringChargePeriodLength: 1, price: { unit: 'RUB', value: 3.5 }, '@type': 'ProductOfferingPrice' },
    { name: 'Connection fee', priceType: 'oneTime', price: { unit: 'RUB', value: 30 }, '@type': 'ProductOfferingPrice' },
  ]);
  assert.deepEqual(home.facts, (await offerFor(s.msisdn, 'everywhere_home')).facts);
  assert.equal(home.facts.chargedToday, 3_350, 'the connection fee and the first day');

  const child = await tmfOfferingFacts(t.app, t.auth, 'child_location');
  assert.deepEqual(child.facts, (await offerFor(s.msisdn, 'child_location')).facts);
  assert.deepEqual([child.facts.price, child.facts.period, child.facts.connectionFee], [10_000, 'month', 0]);

  const mini = await tmfOfferingFacts(t.app, t.auth, 'tariff-smart_mini');
  const miniOffer = await changeTariffAction.offer(t.core, op, { msisdn: s.msisdn, tariffCode: 'smart_mini' });
  assert.equal(miniOffer.refusal, null);
  assert.deepEqual(mini.facts, miniOffer.facts, 'the plan fee and the switch fee the number would pay');
  assert.deepEqual(mini.prices.map((p) => [p.name, p.priceType, (p.price as Res).value]), [['Абонентская плата', 'recurring', 350], ['Плата за переход', 'oneTime', 100]]);

  // Every catalog entry: TMF states the registry's facts, never its own reading of the spec.
  for (const p of await listProducts(t.core.db)) assert.deepEqual((await tmfOfferingFacts(t.app, t.auth, p.code)).facts, productFacts(p), p.code);
  for (const tariff of await listTariffs(t.core.db)) assert.deepEqual((await tmfOfferingFacts(t.app, t.auth, `tariff-${tariff.code}`)).facts, tariffListFacts(tariff), tariff.code);
});

test('a TMF622 order for a product already connected, or for a blocked number, is refused with the registry offer reason', async () => {
  const s = await makeSubscriber(t.core);
  await connectProduct(t.core, op, { msisdn: s.msisdn, productCode: 'weather' });
  const offer = await offerFor(s.msisdn, 'weather');
  assert.equal(offer.refusal?.code, 'ALREADY_CONNECTED');
  const again = await orders('POST', '/productOrder', { relatedParty: [{ id: s.msisdn }], productOrderItem: [{ id: '1', action: 'add', productOffering: { id: 'weather' } }] });
  assert.equal(again.status, 201, again.raw);
  assert.equal(again.body!.state, 'failed');
  const item = (again.body!.productOrderItem as Res[])[0]!;
  assert.equal(item.state, 'failed');
  const err = item.errorMessage as Res;
  assert.equal(err.code, offer.refusal!.code);
  assert.ok(String(err.message).startsWith(await refusalWords(t.core.db, offer.refusal!, 'ru')), String(err.message));

  const blocked = await makeSubscriber(t.core);
  await blockNumber(t.core, op, { msisdn: blocked.msisdn });
  const refusals = [
    (await offerFor(blocked.msisdn, 'internet_plus')).refusal!,
    (await changeTariffAction.offer(t.core, op, { msisdn: blocked.msisdn, tariffCode: 'smart_mini' })).refusal!,
  ];
  assert.deepEqual(refusals.map((r) => r.code), ['SUBSCRIBER_BLOCKED', 'SUBSCRIBER_BLOCKED']);
  const res = await orders(
    'POST',
    '/productOrder',
    { relatedParty: [{ id: blocked.msisdn }], productOrderItem: [{ id: 'a', action: 'add', productOffering: { id: 'internet_plus' } }, { id: 'b', action: 'modify', productOffering: { id: 'tariff-smart_mini' } }] },
    { 'accept-language': 'en' },
  );
  assert.equal(res.body!.state, 'failed');
  const items = res.body!.productOrderItem as Res[];
  for (const [i, it] of items.entries()) {
    const e = it.errorMessage as Res;
    assert.equal(e.code, refusals[i]!.code);
    assert.ok(String(e.message).startsWith(await refusalWords(t.core.db, refusals[i]!, 'en')), String(e.message));
  }
  // Nothing was charged or changed, and the refusals are in the audit.
  const audit = await t.core.db.query<{ action: string; outcome: string }>("SELECT action, outcome FROM audit_event WHERE subscriber_id = $1 AND outcome = 'refused' ORDER BY id", [blocked.subscriberId]);
  assert.deepEqual(audit.map((a) => a.action), ['product.connect', 'tariff.change']);
});

test('TMF637 ends a product through the registry: a product that cannot be disabled is refused with its reason', async () => {
  const s = await makeSubscriber(t.core);
  // Every number has balance_check from the start; it cannot be switched off.
  const list = await inventory('GET', `/product?relatedParty.id=${s.msisdn}&productOffering.id=balance_check`);
  const created = { body: (list.body as unknown as Res[])[0]! };
  assert.equal(created.body.status, 'active');
  const offer = await disableProductAction.offer(t.core, op, { msisdn: s.msisdn, productCode: 'balance_check' });
  assert.equal(offer.refusal?.code, 'PRODUCT_NOT_DISABLEABLE');
  const refused = await inventory('DELETE', `/product/${String(created.body!.id)}`);
  assert.equal(refused.status, 409);
  assert.equal(refused.body!.code, offer.refusal!.code);
  assert.ok(String(refused.body!.message).startsWith(await refusalWords(t.core.db, offer.refusal!, 'ru')), String(refused.body!.message));
  assert.equal((await inventory('GET', `/product/${String(created.body!.id)}`)).body!.status, 'active');
  const audit = await t.core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE subscriber_id = $1 AND action = 'product.disable' AND outcome = 'refused'", [s.subscriberId]);
  assert.equal(audit[0]!.n, 1, 'the refusal is audited once, by perform');
});

test('an offering created with TMF prices states them back as they were given, through the registry facts', async () => {
  const catalog = tmfClient(t.app, t.auth, '/tmf-api/productCatalogManagement/v4');
  const given = [
    [{ priceType: 'oneTime', price: { unit: 'RUB', value: 50 } }, { priceType: 'oneTime', price: { unit: 'RUB', value: 10 } }],
    [{ priceType: 'recurring', recurringChargePeriodType: 'day', price: { unit: 'RUB', value: 2.5 } }, { priceType: 'oneTime', price: { unit: 'RUB', value: 15 } }],
  ];
  const expected = [
    { price: 5_000, period: 'once', connectionFee: 1_000, commission: 0, chargedToday: 6_000 },
    { price: 250, period: 'day', connectionFee: 1_500, commission: 0, chargedToday: 1_750 },
  ];
  for (const [i, prices] of given.entries()) {
    const created = await catalog('POST', '/productOffering', { name: `Priced ${i}`, productOfferingPrice: prices });
    assert.equal(created.status, 201, created.raw);
    const id = String(created.body!.id);
    const stated = await tmfOfferingFacts(t.app, t.auth, id);
    assert.deepEqual(stated.facts, expected[i]);
    const s = await makeSubscriber(t.core);
    assert.deepEqual((await offerFor(s.msisdn, id)).facts, stated.facts, 'the registry offers what TMF states');
  }
});
