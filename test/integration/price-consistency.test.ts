import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { voiceOfferText } from '../../src/channels/voice/voice-call.ts';
import { sayRefusal } from '../../src/channels/voice/voice-texts.ts';
import { changeTariffAction, connectProductAction, namedParams, type Offer, type Refusal } from '../../src/domain/actions/registry.ts';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import { listProducts, listTariffs } from '../../src/domain/catalog/read-catalog.ts';
import type { Core } from '../../src/domain/core.ts';
import { errorMessage } from '../../src/domain/shared/error-messages.ts';
import { systemCtx, type Lang } from '../../src/domain/shared/context.ts';
import { blockNumber } from '../../src/domain/subscribers/set-block.ts';
import { updatePreferences } from '../../src/domain/subscribers/update-preferences.ts';
import type { PriceFacts, TextStyle } from '../../src/text/price-facts.ts';
import { stateChargedToday, statePrice } from '../../src/text/price.ts';
import { toGsm7Latin } from '../../src/text/translit.ts';
import { smsOfferStatement, ussdOfferStatement } from '../helpers/channel-statements.ts';
import { makeSubscriber, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';
import { operatorAuth, tmfOfferingFacts } from '../helpers/tmf.ts';

/**
 * One offer, one statement: for every product and tariff in the catalog, what the web API, USSD
 * (Cyrillic and Latin), SMS, voice (the text before speech) and TMF state are the same facts — price, period, one-off fee and
 * today's charge — as the action registry's offer, for a number that can take it and for one that
 * cannot (then every channel gives the registry's reason).
 */

let env: TestEnv;
let core: Core;
let app: FastifyInstance;
let operator: { authorization: string };
const names = new Map<string, { ru: string; en: string }>();
let productCodes: string[] = [];
let tariffCodes: string[] = [];

before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
  operator = await operatorAuth(core);
  const products = await listProducts(core.db);
  const tariffs = await listTariffs(core.db);
  for (const p of await listProducts(core.db, { includeRetired: true })) names.set(p.code, p.name);
  for (const t of await listTariffs(core.db, { includeRetired: true })) names.set(t.code, t.name);
  productCodes = products.map((p) => p.code);
  tariffCodes = tariffs.map((t) => t.code);
  assert.ok(productCodes.length >= 10 && tariffCodes.length >= 5, 'the demo catalog');
});
after(async () => {
  await app.close();
  await env.close();
});

const sys = systemCtx('test');
type Item = { productCode: string } | { tariffCode: string };
const codeOf = (i: Item) => ('productCode' in i ? i.productCode : i.tariffCode);

async function offerOf(msisdn: string, item: Item): Promise<Offer<unknown>> {
  return 'productCode' in item ? connectProductAction.offer(core, sys, { msisdn, ...item }) : changeTariffAction.offer(core, sys, { msisdn, ...item });
}

/** The registry's refusal in the shared words, catalog names in place of codes. */
function reason(r: Refusal, lang: Lang): string {
  const params = { ...r.params };
  for (const k of ['product', 'tariff', 'conflictsWith', 'requires'] as const) {
    const v = params[k];
    if (typeof v === 'string' && names.has(v)) params[k] = names.get(v)![lang];
  }
  return errorMessage(r.code, params, lang);
}

async function subscriber(opts: { lang: Lang; script?: 'cyrillic' | 'latin'; blocked?: boolean }) {
  const s = await makeSubscriber(core, { openingBalance: 500_000 });
  await updatePreferences(core, sys, { msisdn: s.msisdn, language: opts.lang, script: opts.script ?? 'cyrillic' });
  if (opts.blocked) await blockNumber(core, sys, { msisdn: s.msisdn });
  await setPasswordHash(core.db, s.subscriberId, await hashPassword('pw-12345'), core.clock.now());
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn: s.msisdn, password: 'pw-12345' } });
  assert.equal(res.statusCode, 200, res.body);
  return { ...s, auth: { authorization: `Bearer ${res.json<{ token: string }>().token}` } };
}

interface WebOffer {
  code: string;
  facts: PriceFacts | null;
  statement: { ru: string; en: string } | null;
  refusal: Refusal | null;
  available: boolean;
}

async function webOffers(s: { msisdn: string; auth: Record<string, string> }): Promise<Map<string, WebOffer>> {
  const out = new Map<string, WebOffer>();
  const products = await app.inject({ url: `/api/v1/subscribers/${s.msisdn}/products/available`, headers: s.auth });
  assert.equal(products.statusCode, 200, products.body);
  for (const p of products.json<{ items: WebOffer[] }>().items) out.set(p.code, p);
  const tariffs = await app.inject({ url: `/api/v1/subscribers/${s.msisdn}/tariff/offers`, headers: s.auth });
  assert.equal(tariffs.statusCode, 200, tariffs.body);
  for (const t of tariffs.json<{ items: WebOffer[] }>().items) out.set(`tariff:${t.code}`, t);
  return out;
}

/** Checks one channel's words for an item against the registry's offer. */
function statesOffer(channel: string, text: string, offer: Offer<unknown>, lang: Lang, style: TextStyle, item: Item) {
  const where = `${channel} ${lang}/${style} ${codeOf(item)}: ${text}`;
  if (offer.refusal) {
    const words = reason(offer.refusal, lang);
    assert.ok(text.includes(style === 'translit' ? toGsm7Latin(words) : words), `states the registry's reason «${words}» — ${where}`);
    return;
  }
  assert.ok(offer.facts, `a paid or free offer has facts — ${codeOf(item)}`);
  assert.ok(text.includes(statePrice(offer.facts, lang, style)), `states «${statePrice(offer.facts, lang, style)}» — ${where}`);
  assert.ok(text.includes(stateChargedToday(offer.facts, lang, style)), `states «${stateChargedToday(offer.facts, lang, style)}» — ${where}`);
}

for (const lang of ['ru', 'en'] as const) {
  for (const blocked of [false, true]) {
    const who = blocked ? 'a blocked number (cannot take anything)' : 'a number with money (can take what it is offered)';
    test(`${lang}, ${who}: web API, USSD, SMS, voice and TMF state the registry's facts or its reason for every product and tariff`, async () => {
      const s = await subscriber({ lang, blocked });
      const latin = await subscriber({ lang: 'ru', script: 'latin', blocked });
      const web = await webOffers(s);
      const items: Item[] = [...productCodes.map((productCode) => ({ productCode })), ...tariffCodes.map((tariffCode) => ({ tariffCode }))];
      let stated = 0;
      let refused = 0;
      for (const item of items) {
        const offer = await offerOf(s.msisdn, item);
        if (!offer.shown) continue; // another segment, the current plan's own entry, a free service that is always on
        if (offer.refusal) refused++;
        else stated++;

        // Web and app API: the same facts, the same statement, or the same refusal.
        const w = web.get('productCode' in item ? item.productCode : `tariff:${item.tariffCode}`);
        assert.ok(w, `the web API lists ${codeOf(item)}`);
        assert.deepEqual(w.refusal?.code ?? null, offer.refusal?.code ?? null, `web refusal of ${codeOf(item)}`);
        assert.equal(w.available, offer.refusal === null);
        if (!offer.refusal) {
          assert.deepEqual(w.facts, offer.facts, `web facts of ${codeOf(item)}`);
          assert.equal(w.statement?.[lang], statePrice(offer.facts!, lang, 'text'), `web statement of ${codeOf(item)}`);
        }

        // USSD in the subscriber's language, and a Latin session.
        statesOffer('USSD', (await ussdOfferStatement(core, s.msisdn, item)).text, offer, lang, 'text', item);
        const latinOffer = await offerOf(latin.msisdn, item);
        assert.deepEqual(latinOffer.facts, offer.facts, 'the same offer for the same kind of number');
        statesOffer('USSD', (await ussdOfferStatement(core, latin.msisdn, item)).text, latinOffer, 'ru', 'translit', item);

        // SMS: the product's keyword, or TARIFF <code>.
        statesOffer('SMS', await smsOfferStatement(core, s.subscriberId, lang, item), offer, lang, 'text', item);

        // Voice: the line key 7 (or 4) reads, and the confirmation step, in words.
        const voice = await voiceOfferText(core, subscriberCtx(s.subscriberId, { channel: 'voice', lang }), s.msisdn, item, lang);
        if (offer.refusal) {
          const said = sayRefusal({ code: offer.refusal.code, params: await namedParams(core.db, offer.refusal.params, lang) }, lang);
          assert.ok(voice.line.includes(said), `voice states the registry's reason «${said}» — ${voice.line}`);
          assert.equal(voice.confirmation, null, 'nothing to confirm');
        } else {
          assert.ok(voice.line.includes(statePrice(offer.facts!, lang, 'speech')), `voice lists ${codeOf(item)} — ${voice.line}`);
          statesOffer('voice', voice.confirmation ?? '', offer, lang, 'speech', item);
        }

        // TMF620: the catalog's price, period and one-off fee are the offer's (the catalog knows no
        // subscriber, so a blocked number's refusal is not TMF620's to state).
        if (!offer.refusal) {
          const tmf = await tmfOfferingFacts(app, operator, 'productCode' in item ? item.productCode : `tariff-${item.tariffCode}`, lang);
          assert.deepEqual(tmf.facts, offer.facts, `TMF620 facts of ${codeOf(item)}`);
        }
      }
      if (blocked) assert.equal(stated, 0, 'a blocked number is offered nothing');
      else assert.ok(stated >= 10, `most of the catalog is offered (${stated})`);
      if (blocked) assert.ok(refused >= 10, `and every item says why (${refused})`);
    });
  }
}
