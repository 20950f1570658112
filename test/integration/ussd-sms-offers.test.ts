import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { changeTariffAction, connectProductAction, perform, promisedPaymentAction, type Refusal } from '../../src/domain/actions/registry.ts';
import { listProducts, listTariffs } from '../../src/domain/catalog/read-catalog.ts';
import type { Core } from '../../src/domain/core.ts';
import { errorMessage } from '../../src/domain/shared/error-messages.ts';
import { isDomainError } from '../../src/domain/shared/errors.ts';
import { systemCtx, type Lang } from '../../src/domain/shared/context.ts';
import { updatePreferences } from '../../src/domain/subscribers/update-preferences.ts';
import { stateChargedToday, statePrice } from '../../src/text/price.ts';
import { toGsm7Latin } from '../../src/text/translit.ts';
import { texts } from '../../src/channels/ussd/texts.ts';
import { smsOfferStatement, smsReply, ussdOfferStatement, ussdScreen } from '../helpers/channel-statements.ts';
import { ledgerSum, makeSubscriber, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';
import { handset } from '../helpers/ussd.ts';
import { offerDataLiftBySms } from '../../src/domain/caps/sms-offer.ts';
import { offerLocateBySms } from '../../src/domain/locator/sms-offer.ts';
import { offerMelodyBySms } from '../../src/domain/ringback/sms-offer.ts';
import { offerConnection } from '../../src/domain/services/offer-connection.ts';
import { offerShareBySms } from '../../src/domain/sharing/offer-share-by-sms.ts';

let env: TestEnv;
let core: Core;
let app: FastifyInstance;
const names = new Map<string, { ru: string; en: string }>();
before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
  for (const p of await listProducts(core.db, { includeRetired: true })) names.set(p.code, p.name);
  for (const t of await listTariffs(core.db, { includeRetired: true })) names.set(t.code, t.name);
});
after(async () => {
  await app.close();
  await env.close();
});

const sys = systemCtx('test');

/** The catalog items of the issue: one-off, daily with a connection fee, monthly; and a tariff. */
const ITEMS = [{ productCode: 'turbo_1gb' }, { productCode: 'everywhere_home' }, { productCode: 'sms_100' }, { tariffCode: 'smart_mini' }] as const;

async function offerOf(msisdn: string, item: (typeof ITEMS)[number]) {
  return 'productCode' in item ? connectProductAction.offer(core, sys, { msisdn, ...item }) : changeTariffAction.offer(core, sys, { msisdn, ...item });
}

/** The registry's refusal in the shared words, with catalog names for codes (as every channel renders it). */
function reason(r: Refusal, lang: Lang): string {
  const params = { ...r.params };
  for (const k of ['product', 'tariff'] as const) if (typeof params[k] === 'string' && names.has(params[k])) params[k] = names.get(params[k])![lang];
  return errorMessage(r.code, params, lang);
}

/** What the registry refuses `fn` with (an offer's refusal, or what it throws for an unknown target). */
async function refusedWith(fn: () => Promise<{ refusal: Refusal | null }>): Promise<Refusal> {
  try {
    const o = await fn();
    assert.ok(o.refusal, 'the registry refuses it');
    return o.refusal;
  } catch (e) {
    if (!isDomainError(e)) throw e;
    return { code: e.code, params: e.params };
  }
}

const variants = [
  { name: 'ru', lang: 'ru', script: 'cyrillic', style: 'text' },
  { name: 'en', lang: 'en', script: 'cyrillic', style: 'text' },
  { name: 'latin', lang: 'ru', script: 'latin', style: 'translit' },
] as const;

for (const v of variants) {
  const subscriber = async (balance = 100_000) => {
    const s = await makeSubscriber(core, { openingBalance: balance });
    await updatePreferences(core, sys, { msisdn: s.msisdn, language: v.lang, script: v.script });
    return s;
  };

  test(`USSD ${v.name}: a product's and a tariff's confirmation states exactly the registry's price and today's charge`, async () => {
    const s = await subscriber();
    for (const item of ITEMS) {
      const o = await offerOf(s.msisdn, item);
      assert.equal(o.refusal, null);
      const screen = await ussdOfferStatement(core, s.msisdn, item);
      assert.ok(screen.confirm, JSON.stringify(item));
      const price = statePrice(o.facts!, v.lang, v.style);
      const today = stateChargedToday(o.facts!, v.lang, v.style);
      assert.ok(screen.text.includes(`${price}. ${today}.`), `${JSON.stringify(item)}: "${price}. ${today}." in ${screen.text}`);
    }
    // The examples, in words.
    const turbo = await ussdOfferStatement(core, s.msisdn, { productCode: 'turbo_1gb' });
    const home = await ussdOfferStatement(core, s.msisdn, { productCode: 'everywhere_home' });
    const expected = {
      ru: ['100\u00a0₽ разово', '3,50\u00a0₽/день + подключение 30\u00a0₽', 'Спишем сейчас 33,50\u00a0₽'],
      en: ['RUB 100 once', 'RUB 3.50/day + RUB 30 to connect', 'RUB 33.50 is charged now'],
      latin: ['100 rub razovo', '3,50 rub/den + podklyuchenie 30 rub', 'Spishem seychas 33,50 rub'],
    }[v.name];
    assert.ok(turbo.text.includes(expected[0]!), turbo.text);
    assert.ok(home.text.includes(expected[1]!) && home.text.includes(expected[2]!), home.text);
  });

  test(`USSD ${v.name}: lists state each item's registry price; a handset reads the confirmation's sentences whole`, async () => {
    const s = await subscriber();
    const offers = await connectProductAction.offers(core, sys, { msisdn: s.msisdn });
    const list = (await ussdScreen(core, s.msisdn, 'svc.add')).text + '\n' + (await ussdScreen(core, s.msisdn, 'subs.add')).text;
    for (const o of offers.filter((x) => x.shown)) {
      const label = `${o.details.name[v.lang]} ${statePrice(o.facts!, v.lang, v.style)}`;
      assert.ok(list.includes(v.style === 'translit' ? toGsm7Latin(label) : label), `${o.details.code} in the list`);
    }
    const tariffs = (await ussdScreen(core, s.msisdn, 'tariff.list')).text;
    const pickable = (await changeTariffAction.offers(core, sys, { msisdn: s.msisdn })).filter((o) => o.shown && !o.refusal);
    assert.ok(pickable.length > 0);
    for (const o of pickable) assert.ok(tariffs.includes(statePrice(o.facts!, v.lang, v.style)), `${o.details.code}: ${tariffs}`);
    assert.equal(tariffs.split('\n').filter((l) => /^\d+ /.test(l)).length, pickable.length, 'exactly the plans the registry lets one pick (not the current one)');

    // On the handset, «Везде как дома» over pages: each sentence that states an amount is on one page.
    const home = await connectProductAction.offer(core, sys, { msisdn: s.msisdn, productCode: 'everywhere_home' });
    const phone = handset(app, `+${s.msisdn}`, { latin: v.style === 'translit' });
    let p = await phone.dial('*111*3333#');
    const pages = [p.text];
    const confirm = (v.style === 'translit' ? toGsm7Latin : (x: string) => x)(`1 ${texts[v.lang].confirm}`);
    while (!p.text.includes(confirm)) {
      p = await phone.send('1');
      pages.push(p.text);
    }
    for (const sentence of [statePrice(home.facts!, v.lang, v.style), stateChargedToday(home.facts!, v.lang, v.style)]) {
      assert.ok(pages.some((pg) => pg.includes(sentence)), `"${sentence}" whole on one page: ${JSON.stringify(pages)}`);
    }
    const before = (await ledgerSum(core, s.accountId)).balance;
    p = await phone.send('1');
    assert.equal(p.end, true);
    assert.equal((await ledgerSum(core, s.accountId)).balance, before - home.facts!.chargedToday, 'charged what was stated');
  });

  test(`USSD ${v.name}: refused inputs give the registry's reason in the shared words`, async () => {
    const s = await subscriber(0);
    const words = (r: Refusal) => (v.style === 'translit' ? toGsm7Latin(reason(r, v.lang)) : reason(r, v.lang));
    // Promised payment: below the minimum and above the maximum.
    const bounds = (await promisedPaymentAction.offer(core, sys, { msisdn: s.msisdn })).details.bounds;
    for (const roubles of [0, bounds.max / 100 + 1]) {
      const r = await refusedWith(() => promisedPaymentAction.offer(core, sys, { msisdn: s.msisdn, amount: roubles * 100 }));
      assert.equal(r.code, 'AMOUNT_NOT_ALLOWED');
      assert.equal((await ussdScreen(core, s.msisdn, 'pp.q', String(roubles))).text, words(r), String(roubles));
    }
    // Typed on the handset: "Other amount", then the amount.
    const phone = handset(app, `+${s.msisdn}`, { latin: v.style === 'translit' });
    await phone.dial('*111*7#');
    const other = texts[v.lang].promisedOther('', '').split(' (')[0]!;
    await phone.pick(v.style === 'translit' ? toGsm7Latin(other) : other);
    const p = await phone.send(String(bounds.max / 100 + 1));
    const tooMuch = await refusedWith(() => promisedPaymentAction.offer(core, sys, { msisdn: s.msisdn, amount: bounds.max + 100 }));
    assert.ok(p.text.startsWith(words(tooMuch)), p.text);
    // A typed amount within the bounds is confirmed with its commission.
    const ok = await promisedPaymentAction.offer(core, sys, { msisdn: s.msisdn, amount: 15_000 });
    const screen = await ussdScreen(core, s.msisdn, 'pp.q', '150');
    assert.ok(screen.confirm && screen.text.includes(`${statePrice(ok.facts!, v.lang, v.style)}. ${stateChargedToday(ok.facts!, v.lang, v.style)}.`), screen.text);

    // Unknown product, already connected, blocked subscriber.
    const unknown = await refusedWith(() => connectProductAction.offer(core, sys, { msisdn: s.msisdn, productCode: 'no_such' }));
    assert.equal((await ussdScreen(core, s.msisdn, 'prod', 'no_such')).text, words(unknown));
    const rich = await subscriber();
    await perform(core, subscriberCtx(rich.subscriberId), connectProductAction, 'me', { productCode: 'sms_100' });
    const again = await refusedWith(() => connectProductAction.offer(core, sys, { msisdn: rich.msisdn, productCode: 'sms_100' }));
    assert.equal(again.code, 'ALREADY_CONNECTED');
    assert.equal((await ussdScreen(core, rich.msisdn, 'prod', 'sms_100')).text, words(again));
    await core.db.query("UPDATE subscriber SET status = 'blocked' WHERE id = $1", [rich.subscriberId]);
    for (const item of ITEMS) {
      const r = await refusedWith(() => offerOf(rich.msisdn, item));
      assert.equal(r.code, 'SUBSCRIBER_BLOCKED');
      assert.equal((await ussdOfferStatement(core, rich.msisdn, item)).text, words(r), JSON.stringify(item));
    }
  });
}

for (const lang of ['ru', 'en'] as const) {
  test(`SMS ${lang}: a keyword's and a tariff's offer states exactly the registry's price and today's charge; the reply window is the registry's`, async () => {
    const s = await makeSubscriber(core, { openingBalance: 100_000 });
    await updatePreferences(core, sys, { msisdn: s.msisdn, language: lang });
    for (const item of ITEMS) {
      const o = await offerOf(s.msisdn, item);
      const reply = await smsOfferStatement(core, s.subscriberId, lang, item);
      const stated = `${statePrice(o.facts!, lang, 'text')}. ${stateChargedToday(o.facts!, lang, 'text')}.`;
      assert.ok(reply.includes(stated), `${JSON.stringify(item)}: "${stated}" in ${reply}`);
      if ('productCode' in item) assert.ok(reply.includes(lang === 'ru' ? 'ответьте ДА в течение 10\u00a0минут' : 'Reply YES within 10\u00a0minutes'), reply);
    }
    // The last keyword's offer waits for the reply word: it connects and charges what was stated.
    const before = (await ledgerSum(core, s.accountId)).balance;
    const sms = await connectProductAction.offer(core, sys, { msisdn: s.msisdn, productCode: 'sms_100' });
    assert.match(await smsReply(core, s.subscriberId, lang, lang === 'ru' ? 'да' : 'yes'), lang === 'ru' ? /Подключено/ : /Connected/);
    assert.equal((await ledgerSum(core, s.accountId)).balance, before - sms.facts!.chargedToday);
    // The connected list states what each costs as the registry does.
    const list = await smsReply(core, s.subscriberId, lang, '0');
    assert.ok(list.includes(`${names.get('sms_100')![lang]} — ${statePrice({ ...sms.facts!, connectionFee: 0, chargedToday: 0 }, lang, 'text')}`), list);
    const tariffs = await smsReply(core, s.subscriberId, lang, lang === 'ru' ? 'тариф' : 'tariff');
    for (const o of (await changeTariffAction.offers(core, sys, { msisdn: s.msisdn })).filter((x) => x.shown && !x.refusal)) {
      assert.ok(tariffs.includes(`${o.details.name[lang]} — ${statePrice(o.facts!, lang, 'text')}`), `${o.details.code}: ${tariffs}`);
    }
  });

  test(`SMS ${lang}: refused inputs give the registry's reason in the shared words`, async () => {
    const s = await makeSubscriber(core, { openingBalance: 100_000 });
    await updatePreferences(core, sys, { msisdn: s.msisdn, language: lang });
    const unknown = await refusedWith(() => connectProductAction.offer(core, sys, { msisdn: s.msisdn, productCode: 'НЕТТАКОЙ' }));
    assert.equal(await smsReply(core, s.subscriberId, lang, 'СТОП НЕТТАКОЙ'), reason(unknown, lang));
    const unknownTariff = await refusedWith(() => changeTariffAction.offer(core, sys, { msisdn: s.msisdn, tariffCode: 'NOPLAN' }));
    assert.equal(await smsReply(core, s.subscriberId, lang, 'TARIFF NOPLAN'), reason(unknownTariff, lang));
    const current = await refusedWith(() => changeTariffAction.offer(core, sys, { msisdn: s.msisdn, tariffCode: 'smart' }));
    assert.equal(await smsReply(core, s.subscriberId, lang, 'TARIFF SMART'), reason(current, lang));
    await perform(core, subscriberCtx(s.subscriberId), connectProductAction, 'me', { productCode: 'sms_100' });
    const again = await refusedWith(() => connectProductAction.offer(core, sys, { msisdn: s.msisdn, productCode: 'sms_100' }));
    assert.equal(again.code, 'ALREADY_CONNECTED');
    assert.equal(await smsReply(core, s.subscriberId, lang, 'SMS100'), reason(again, lang));
    await core.db.query("UPDATE subscriber SET status = 'blocked' WHERE id = $1", [s.subscriberId]);
    for (const item of ITEMS) {
      const r = await refusedWith(() => offerOf(s.msisdn, item));
      assert.equal(r.code, 'SUBSCRIBER_BLOCKED');
      assert.equal(await smsOfferStatement(core, s.subscriberId, lang, item), reason(r, lang), JSON.stringify(item));
    }
  });
}

test('SMS offers waiting for "ДА": each new offer, of any kind, replaces whatever was offered before it', async () => {
  const s = await makeSubscriber(core);
  const other = await makeSubscriber(core);
  const ctx = subscriberCtx(s.subscriberId);
  const windowMs = 10 * 60_000;
  const tables = ['sms_confirmation', 'sms_share_confirmation', 'sms_ringback_confirmation', 'sms_locator_confirmation', 'sms_data_lift_confirmation'];
  const waiting = async () => {
    const found: string[] = [];
    for (const table of tables) if ((await core.db.query(`SELECT 1 FROM ${table} WHERE msisdn = $1`, [s.msisdn])).length) found.push(table);
    return found;
  };
  const offers: [string, () => Promise<unknown>][] = [
    ['sms_locator_confirmation', () => offerLocateBySms(core, ctx, { msisdn: s.msisdn, target: other.msisdn, windowMs })],
    ['sms_data_lift_confirmation', () => offerDataLiftBySms(core, ctx, { msisdn: s.msisdn, windowMs })],
    ['sms_confirmation', () => offerConnection(core, ctx, { msisdn: s.msisdn, productCode: 'everywhere_home', windowMs })],
    ['sms_ringback_confirmation', () => offerMelodyBySms(core, ctx, { msisdn: s.msisdn, melody: 'kalinka', windowMs })],
    ['sms_share_confirmation', () => offerShareBySms(core, ctx, { msisdn: s.msisdn, kind: 'data', amount: 1, to: other.msisdn, windowMs })],
    ['sms_data_lift_confirmation', () => offerDataLiftBySms(core, ctx, { msisdn: s.msisdn, windowMs })],
    ['sms_locator_confirmation', () => offerLocateBySms(core, ctx, { msisdn: s.msisdn, target: other.msisdn, windowMs })],
  ];
  for (const [table, offer] of offers) {
    await offer();
    assert.deepEqual(await waiting(), [table], `after the offer kept in ${table}, it alone waits`);
  }
});
