import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { advanceCall, findVoiceCaller, startCall, voiceOfferText, type Turn, type VoiceCaller } from '../../src/channels/voice/voice-call.ts';
import { sayRefusal, voiceTexts } from '../../src/channels/voice/voice-texts.ts';
import { changeTariffAction, connectProductAction, disableProductAction, perform, promisedPaymentAction, topUpAction, namedParams } from '../../src/domain/actions/registry.ts';
import { getTariff } from '../../src/domain/subscribers/get-tariff.ts';
import { stateChargedToday, statePrice } from '../../src/text/price.ts';
import { ledgerSum, makeSubscriber, subscriberCtx, testCore, type TestEnv } from '../helpers/core.ts';

/**
 * The voice menu states what the action registry offers, in the text before speech: every price is
 * `statePrice(offer.facts, lang, 'speech')` verbatim, every refusal the error code's message of the
 * registry's refusal. Driven through the state machine both front ends use (no audio needed).
 */
let env: TestEnv;
before(async () => {
  env = await testCore();
});
after(async () => {
  await env.close();
});

const deps = { phoneCardFlow: null };
let calls = 0;

/** Dials 111 from the number and presses `keys` one answer at a time; returns what each turn said. */
async function call(msisdn: string, keys: string[], between?: (i: number) => Promise<void>): Promise<{ turns: string[][]; last: Turn }> {
  const caller = (await findVoiceCaller(env.core, msisdn)) as VoiceCaller;
  let turn = startCall(caller, `test:${++calls}`);
  const turns = [turn.say.prompts];
  for (const [i, k] of keys.entries()) {
    await between?.(i);
    turn = await advanceCall(env.core, deps, caller, turn.state, { kind: 'digits', digits: k });
    turns.push(turn.say.prompts);
  }
  return { turns, last: turn };
}

const flat = (t: string[]) => t.join(' | ');
const ctxOf = (s: { subscriberId: number }) => subscriberCtx(s.subscriberId, { channel: 'voice' });

/** The line key 7 reads for `code` and the key that picks it. */
function optionLine(turn: string[], name: string): { line: string; key: number } {
  const line = turn.find((x) => x.startsWith(`«${name}»`) || x.startsWith(`${name}:`));
  assert.ok(line, `«${name}» is listed: ${flat(turn)}`);
  const word = /(?:—|,) ([a-zа-яё]+)\.$/.exec(line)?.[1];
  const key = (['один', 'два', 'три', 'четыре', 'пять', 'шесть', 'семь'].indexOf(word ?? '') + 1) || (['one', 'two', 'three', 'four', 'five', 'six', 'seven'].indexOf(word ?? '') + 1);
  return { line, key };
}

test('key 7 states each option as the registry offers it: one-off Turbo 100 ₽, «Везде как дома» daily with its 30 ₽ connection fee, a monthly package', async () => {
  const s = await makeSubscriber(env.core, { openingBalance: 50_000 });
  const offer = async (productCode: string) => connectProductAction.offer(env.core, ctxOf(s), { msisdn: s.msisdn, productCode });
  const turbo = await offer('turbo_1gb');
  const home = await offer('everywhere_home');
  const sms = await offer('sms_100');
  for (const lang of ['ru', 'en'] as const) {
    const r = await call(s.msisdn, lang === 'ru' ? ['7'] : ['9', '7']);
    const menu = r.turns.at(-1)!;
    for (const o of [turbo, home, sms]) {
      const { line } = optionLine(menu, o.details.name[lang]);
      assert.ok(line.includes(statePrice(o.facts!, lang, 'speech')), `${line}\nexpected: ${statePrice(o.facts!, lang, 'speech')}`);
      // The cross-channel helper says the same line.
      const said = await voiceOfferText(env.core, ctxOf(s), s.msisdn, { productCode: o.details.code }, lang);
      assert.equal(said.line.replace(/(—|,) [a-z\u0430-\u044f\u0451]+\.$/, ''), line.replace(/(—|,) [a-z\u0430-\u044f\u0451]+\.$/, ''));
    }
  }
  // The drift of issue 16: Turbo is one-off, and the connection fee of «Везде как дома» is said.
  const ruMenu = (await call(s.msisdn, ['7'])).turns[1]!;
  const turboLine = optionLine(ruMenu, 'Турбо-кнопка 1 ГБ').line;
  assert.match(turboLine, /сто рублей разово/);
  assert.doesNotMatch(turboLine, /в месяц/);
  assert.match(optionLine(ruMenu, 'Везде как дома').line, /три рубля пятьдесят копеек в день и тридцать рублей за подключение/);
});

test('picking an option: the confirmation states its price and what is charged now; 1 connects it through the registry and charges exactly that', async () => {
  const s = await makeSubscriber(env.core, { openingBalance: 50_000 });
  const home = await connectProductAction.offer(env.core, ctxOf(s), { msisdn: s.msisdn, productCode: 'everywhere_home' });
  const { key } = optionLine((await call(s.msisdn, ['7'])).turns[1]!, 'Везде как дома');
  assert.ok(key > 0);
  const said = await voiceOfferText(env.core, ctxOf(s), s.msisdn, { productCode: 'everywhere_home' }, 'ru');
  const before = await ledgerSum(env.core, s.accountId);
  const r = await call(s.msisdn, ['7', String(key), '1']);
  const confirm = r.turns[2]!;
  assert.ok(confirm.includes(said.confirmation!), flat(confirm));
  assert.ok(said.confirmation!.includes(statePrice(home.facts!, 'ru', 'speech')) && said.confirmation!.includes(stateChargedToday(home.facts!, 'ru', 'speech')), said.confirmation!);
  assert.ok(confirm.includes(voiceTexts.ru.confirmKey));
  assert.ok(r.turns[3]!.includes(voiceTexts.ru.connected('Везде как дома')), flat(r.turns[3]!));
  const after = await ledgerSum(env.core, s.accountId);
  assert.equal(before.balance - after.balance, home.facts!.chargedToday);
  const again = await connectProductAction.offer(env.core, ctxOf(s), { msisdn: s.msisdn, productCode: 'everywhere_home' });
  assert.equal(again.refusal?.code, 'ALREADY_CONNECTED');
  // Connected, it is no longer offered on key 7.
  assert.ok(!(await call(s.msisdn, ['7'])).turns[1]!.some((x) => x.startsWith('«Везде как дома»')));
});

test('tariff: key 4 says the plan and its fee; 1 lists the plans the registry lets the number pick with their statement; one is picked, confirmed and changed', async () => {
  const s = await makeSubscriber(env.core, { openingBalance: 200_000 });
  const offers = (await changeTariffAction.offers(env.core, ctxOf(s), { msisdn: s.msisdn })).filter((o) => o.shown && !o.refusal);
  assert.ok(offers.length > 0);
  const r = await call(s.msisdn, ['4', '1']);
  assert.ok(r.turns[1]!.includes(voiceTexts.ru.changeTariffKey), flat(r.turns[1]!));
  const list = r.turns[2]!;
  offers.forEach((o, i) => {
    assert.ok(list.includes(voiceTexts.ru.item(o.details.name.ru, statePrice(o.facts!, 'ru', 'speech'), i + 1)), `${o.details.code}: ${flat(list)}`);
  });
  const mini = offers.findIndex((o) => o.details.code === 'smart_mini');
  assert.ok(mini >= 0);
  const said = await voiceOfferText(env.core, ctxOf(s), s.msisdn, { tariffCode: 'smart_mini' }, 'ru');
  const picked = await call(s.msisdn, ['4', '1', String(mini + 1), '1']);
  assert.ok(picked.turns[3]!.includes(said.confirmation!), flat(picked.turns[3]!));
  assert.ok(said.confirmation!.includes(statePrice(offers[mini]!.facts!, 'ru', 'speech')) && said.confirmation!.includes(stateChargedToday(offers[mini]!.facts!, 'ru', 'speech')));
  assert.ok(picked.turns[4]!.includes(voiceTexts.ru.tariffChanged('Смарт Мини')), flat(picked.turns[4]!));
  assert.equal((await getTariff(env.core, ctxOf(s), { msisdn: s.msisdn })).tariff.code, 'smart_mini');
  assert.ok((await call(s.msisdn, ['4'])).turns[1]!.includes(`Ваш тариф «Смарт Мини». Абонентская плата ${statePrice({ ...offers[mini]!.facts!, connectionFee: 0, chargedToday: 0 }, 'ru', 'speech')}.`));
});

test('refusals are the registry\'s: promised payment unavailable, a top-up amount out of bounds, an option connected meanwhile', async () => {
  // Promised payment with the trust limit on: the offer refuses, the menu says its reason and offers no amounts.
  const trusted = await makeSubscriber(env.core, { openingBalance: 0 });
  await env.core.db.query('UPDATE account SET credit_limit = 30000 WHERE id = $1', [trusted.accountId]);
  const promised = await promisedPaymentAction.offer(env.core, ctxOf(trusted), { msisdn: trusted.msisdn });
  assert.equal(promised.refusal?.code, 'PROMISED_PAYMENT_UNAVAILABLE');
  for (const lang of ['ru', 'en'] as const) {
    const r = await call(trusted.msisdn, lang === 'ru' ? ['3'] : ['9', '3']);
    const said = r.turns.at(-1)!;
    assert.ok(said.includes(sayRefusal(promised.refusal!, lang)), flat(said));
    assert.equal(r.last.say.expect.kind === 'key' && /[1-7]/.test(r.last.say.expect.keys), false, 'no amount can be picked');
  }

  // A top-up amount out of the offer's bounds: the registry's AMOUNT_NOT_ALLOWED {min, max}, said in words, then asked again.
  const s = await makeSubscriber(env.core);
  for (const rub of ['5', '20000']) {
    const refused = await topUpAction.offer(env.core, ctxOf(s), { msisdn: s.msisdn, amount: Number(rub) * 100 });
    assert.equal(refused.refusal?.code, 'AMOUNT_NOT_ALLOWED');
    const r = await call(s.msisdn, ['1', '2', '1', rub]);
    assert.equal(r.turns[4]![0], sayRefusal(refused.refusal!, 'ru'));
    assert.equal(r.last.state.node, 'pay.amount');
    assert.equal(r.last.say.expect.kind, 'digits');
  }
  const bounds = (await topUpAction.offer(env.core, ctxOf(s), { msisdn: s.msisdn })).details.bounds;
  assert.equal(sayRefusal({ code: 'AMOUNT_NOT_ALLOWED', params: bounds }, 'ru'), 'Такую сумму принять нельзя: наименьшая — десять рублей, наибольшая — пятнадцать тысяч рублей');
  assert.equal(sayRefusal({ code: 'AMOUNT_NOT_ALLOWED', params: bounds }, 'en'), 'The amount must be between ten roubles and fifteen thousand roubles');

  // Connected on another channel while the caller listens to the confirmation: the registry's ALREADY_CONNECTED.
  const internet = await connectProductAction.offer(env.core, ctxOf(s), { msisdn: s.msisdn, productCode: 'internet_plus' });
  const { key } = optionLine((await call(s.msisdn, ['7'])).turns[1]!, 'Интернет Плюс');
  const before = await ledgerSum(env.core, s.accountId);
  const r = await call(s.msisdn, ['7', String(key), '1'], async (i) => {
    if (i === 2) await perform(env.core, subscriberCtx(s.subscriberId), connectProductAction, s.msisdn, { productCode: 'internet_plus' });
  });
  const now = await connectProductAction.offer(env.core, ctxOf(s), { msisdn: s.msisdn, productCode: 'internet_plus' });
  assert.equal(now.refusal?.code, 'ALREADY_CONNECTED');
  assert.ok(r.turns[3]!.includes(sayRefusal({ code: now.refusal!.code, params: await namedParams(env.core.db, now.refusal!.params, 'ru') }, 'ru')), flat(r.turns[3]!));
  const after = await ledgerSum(env.core, s.accountId);
  assert.equal(before.balance - after.balance, internet.facts!.chargedToday, 'charged once, by the other channel');
});

test('key 7 then 8: the connected products with what they cost now (the registry\'s disable offer); one is disabled after its confirmation', async () => {
  const s = await makeSubscriber(env.core, { openingBalance: 100_000 });
  await perform(env.core, subscriberCtx(s.subscriberId), connectProductAction, s.msisdn, { productCode: 'internet_plus' });
  const offer = await disableProductAction.offer(env.core, ctxOf(s), { msisdn: s.msisdn, productCode: 'internet_plus' });
  assert.equal(offer.refusal, null);
  const stops = statePrice(offer.details.stops, 'ru', 'speech');
  const r = await call(s.msisdn, ['7', '8']);
  assert.ok(r.turns[1]!.includes(voiceTexts.ru.connectedKey), flat(r.turns[1]!));
  const { line, key } = optionLine(r.turns[2]!, 'Интернет Плюс');
  assert.equal(line, voiceTexts.ru.item('Интернет Плюс', stops, key));
  const done = await call(s.msisdn, ['7', '8', String(key), '1']);
  assert.ok(done.turns[3]!.includes(voiceTexts.ru.confirmDisable('Интернет Плюс', stops)), flat(done.turns[3]!));
  assert.ok(done.turns[4]!.includes(voiceTexts.ru.disabled('Интернет Плюс')), flat(done.turns[4]!));
  assert.equal((await disableProductAction.offer(env.core, ctxOf(s), { msisdn: s.msisdn, productCode: 'internet_plus' })).refusal?.code, 'PRODUCT_NOT_CONNECTED');
  assert.ok(!(await call(s.msisdn, ['7', '8'])).turns[2]!.some((x) => x.startsWith('«Интернет Плюс»')));
});
