import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { voiceOfferText } from '../../src/channels/voice/voice-call.ts';
import { sayRefusal } from '../../src/channels/voice/voice-texts.ts';
import { changeTariffAction, connectProductAction, disableProductAction, namedParams, promisedPaymentAction, refusalWords, type Refusal } from '../../src/domain/actions/registry.ts';
import { hashPassword } from '../../src/domain/auth/secrets.ts';
import { setPasswordHash } from '../../src/domain/auth/subscriber-login.ts';
import type { Core } from '../../src/domain/core.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { systemCtx, type Lang } from '../../src/domain/shared/context.ts';
import { blockNumber } from '../../src/domain/subscribers/set-block.ts';
import { updatePreferences } from '../../src/domain/subscribers/update-preferences.ts';
import { smsReply, ussdOfferStatement, ussdScreen } from '../helpers/channel-statements.ts';
import { ledgerSum, makeSubscriber, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';
import { operatorAuth, tmfClient, type Res } from '../helpers/tmf.ts';

/**
 * One action, one refusal: for each action, every channel that offers it refuses the same input
 * with the registry's code and the same words (catalog names in place of codes) — the web and app
 * API's problem, the USSD screen, the SMS reply, what voice says and the TMF order item — and
 * nothing is charged. (Business bulk operations: business-bulk.test.ts.)
 */

let env: TestEnv;
let core: Core;
let app: FastifyInstance;
let orders: ReturnType<typeof tmfClient>;
before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
  orders = tmfClient(app, await operatorAuth(core), '/tmf-api/productOrderingManagement/v4');
});
after(async () => {
  await app.close();
  await env.close();
});

const sys = systemCtx('test');

async function subscriber(lang: Lang, opts: { blocked?: boolean; connect?: string } = {}) {
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  await updatePreferences(core, sys, { msisdn: s.msisdn, language: lang });
  if (opts.connect) await connectProduct(core, sys, { msisdn: s.msisdn, productCode: opts.connect });
  if (opts.blocked) await blockNumber(core, sys, { msisdn: s.msisdn });
  await setPasswordHash(core.db, s.subscriberId, await hashPassword('pw-12345'), core.clock.now());
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { msisdn: s.msisdn, password: 'pw-12345' } });
  assert.equal(res.statusCode, 200, res.body);
  const before = await ledgerSum(core, s.accountId);
  return { ...s, lang, before, auth: { authorization: `Bearer ${res.json<{ token: string }>().token}`, 'accept-language': lang } };
}
type Sub = Awaited<ReturnType<typeof subscriber>>;

/** The web and app API refuse with the registry's code and its words as the problem's title. */
async function web(s: Sub, method: 'POST' | 'PUT' | 'DELETE', url: string, r: Refusal, payload?: Record<string, unknown>) {
  const res = await app.inject({ method, url: `/api/v1/subscribers/${s.msisdn}${url}`, headers: s.auth, ...(payload ? { payload } : {}) });
  assert.ok(res.statusCode >= 400, `${method} ${url} is refused: ${res.body}`);
  const problem = res.json<{ code: string; title: string }>();
  assert.equal(problem.code, r.code, res.body);
  assert.equal(problem.title, await refusalWords(core.db, r, s.lang), `web words: ${res.body}`);
}

async function includesWords(channel: string, text: string, s: Sub, r: Refusal) {
  const words = await refusalWords(core.db, r, s.lang);
  assert.ok(text.includes(words), `${channel} says «${words}»: ${text}`);
}

async function voiceSays(s: Sub, target: { productCode: string } | { tariffCode: string }, r: Refusal) {
  const v = await voiceOfferText(core, subscriberCtx(s.subscriberId, { channel: 'voice', lang: s.lang }), s.msisdn, target, s.lang);
  const said = sayRefusal({ code: r.code, params: await namedParams(core.db, r.params, s.lang) }, s.lang);
  assert.ok(v.line.includes(said), `voice says «${said}»: ${v.line}`);
  assert.equal(v.confirmation, null);
}

async function tmfOrder(s: Sub, item: Record<string, unknown>, r: Refusal) {
  const res = await orders('POST', '/productOrder', { relatedParty: [{ id: s.msisdn }], productOrderItem: [{ id: '1', ...item }] }, { 'accept-language': s.lang });
  assert.equal(res.status, 201, res.raw);
  const err = (res.body!.productOrderItem as Res[])[0]!.errorMessage as Res;
  assert.equal(err.code, r.code, res.raw);
  assert.ok(String(err.message).startsWith(await refusalWords(core.db, r, s.lang)), String(err.message));
}

async function nothingCharged(s: Sub) {
  assert.deepEqual(await ledgerSum(core, s.accountId), s.before, 'nothing charged');
}

for (const lang of ['ru', 'en'] as const) {
  test(`${lang}: product.connect — already connected and a blocked number are refused alike on web, USSD, SMS, voice and TMF`, async () => {
    for (const [s, code] of [
      [await subscriber(lang, { connect: 'everywhere_home' }), 'ALREADY_CONNECTED'],
      [await subscriber(lang, { blocked: true }), 'SUBSCRIBER_BLOCKED'],
    ] as const) {
      const target = { productCode: 'everywhere_home' };
      const r = (await connectProductAction.offer(core, sys, { msisdn: s.msisdn, ...target })).refusal!;
      assert.equal(r.code, code);
      await web(s, 'POST', '/products', r, target);
      await includesWords('USSD', (await ussdOfferStatement(core, s.msisdn, target)).text, s, r);
      await includesWords('SMS', await smsReply(core, s.subscriberId, lang, 'EVERYWHERE_HOME'), s, r);
      await voiceSays(s, target, r);
      await tmfOrder(s, { action: 'add', productOffering: { id: 'everywhere_home' } }, r);
      await nothingCharged(s);
    }
  });

  test(`${lang}: product.disable — a service that cannot be switched off is refused alike on web, USSD, SMS and TMF`, async () => {
    const s = await subscriber(lang);
    const r = (await disableProductAction.offer(core, sys, { msisdn: s.msisdn, productCode: 'balance_check' })).refusal!;
    assert.equal(r.code, 'PRODUCT_NOT_DISABLEABLE');
    await web(s, 'DELETE', '/products/balance_check', r);
    await includesWords('USSD', (await ussdScreen(core, s.msisdn, 'off', 'balance_check')).text, s, r);
    await includesWords('SMS', await smsReply(core, s.subscriberId, lang, lang === 'ru' ? 'СТОП BALANCE_CHECK' : 'STOP BALANCE_CHECK'), s, r);
    await tmfOrder(s, { action: 'delete', productOffering: { id: 'balance_check' } }, r);
    await nothingCharged(s);
  });

  test(`${lang}: tariff.change — the plan one is on, and a blocked number, are refused alike on web, USSD, SMS, voice and TMF`, async () => {
    for (const [s, tariffCode, code] of [
      [await subscriber(lang), 'smart', 'ALREADY_ON_TARIFF'],
      [await subscriber(lang, { blocked: true }), 'smart_mini', 'SUBSCRIBER_BLOCKED'],
    ] as const) {
      const r = (await changeTariffAction.offer(core, sys, { msisdn: s.msisdn, tariffCode })).refusal!;
      assert.equal(r.code, code);
      await web(s, 'PUT', '/tariff', r, { tariffCode });
      await includesWords('USSD', (await ussdOfferStatement(core, s.msisdn, { tariffCode })).text, s, r);
      await includesWords('SMS', await smsReply(core, s.subscriberId, lang, `TARIFF ${tariffCode.toUpperCase()}`), s, r);
      await voiceSays(s, { tariffCode }, r);
      await tmfOrder(s, { action: 'modify', productOffering: { id: `tariff-${tariffCode}` } }, r);
      await nothingCharged(s);
    }
  });

  test(`${lang}: promised.take — an amount below the minimum or above the limit is refused alike on web and USSD`, async () => {
    const s = await subscriber(lang);
    const offer = await promisedPaymentAction.offer(core, sys, { msisdn: s.msisdn });
    assert.equal(offer.refusal, null, 'a promised payment is offered');
    const { max } = offer.details.bounds;
    for (const amount of [0, max + 100]) {
      const r = (await promisedPaymentAction.offer(core, sys, { msisdn: s.msisdn, amount })).refusal!;
      assert.equal(r.code, 'AMOUNT_NOT_ALLOWED');
      await web(s, 'POST', '/promised-payment', r, { amount });
      await includesWords('USSD', (await ussdScreen(core, s.msisdn, 'pp.q', String(amount / 100))).text, s, r);
    }
    await nothingCharged(s);
  });
}
