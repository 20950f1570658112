import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { shortMoney, texts } from '../../src/channels/ussd/texts.ts';
import { toGsm7Latin } from '../../src/text/translit.ts';
import { earnPoints } from '../../src/domain/bonus/earn-points.ts';
import { listProducts, listTariffs } from '../../src/domain/catalog/read-catalog.ts';
import type { Core } from '../../src/domain/core.ts';
import { listConnectedProducts } from '../../src/domain/services/list-connected-products.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { changeTariffAction, connectProductAction, disableProductAction, promisedPaymentAction } from '../../src/domain/actions/registry.ts';
import { stateChargedToday, statePrice } from '../../src/text/price.ts';
import type { PriceFacts } from '../../src/text/price-facts.ts';
import { getProfile } from '../../src/domain/subscribers/get-profile.ts';
import { updatePreferences } from '../../src/domain/subscribers/update-preferences.ts';
import { ledgerSum, makeSubscriber, testApp, testCore, type TestEnv } from '../helpers/core.ts';
import { handset, type Page } from '../helpers/ussd.ts';

let env: TestEnv;
let core: Core;
let app: FastifyInstance;
const names = new Map<string, { ru: string; en: string }>();
before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
  for (const p of await listProducts(core.db)) names.set(p.code, p.name);
  for (const t of await listTariffs(core.db)) names.set(t.code, t.name);
});
after(async () => {
  await app.close();
  await env.close();
});

const sys = systemCtx('test');
const variants = [
  { name: 'ru', lang: 'ru', script: 'cyrillic' },
  { name: 'en', lang: 'en', script: 'cyrillic' },
  { name: 'latin', lang: 'ru', script: 'latin' },
] as const;

async function auditChannels(subscriberId: number, action: string) {
  const rows = await core.db.query<{ channel: string; outcome: string }>('SELECT channel, outcome FROM audit_event WHERE subscriber_id = $1 AND action = $2', [subscriberId, action]);
  return rows;
}

for (const v of variants) {
  const t = texts[v.lang];
  const latin = v.script === 'latin';
  /** What the handset should show for a string of the variant's language. */
  const w = (s: string) => (latin ? toGsm7Latin(s) : s);
  const name = (code: string) => w(names.get(code)![v.lang]);
  const money = (k: number) => w(shortMoney(k, v.lang));
  /** The registry's statement of price and of today's charge, as this session reads it. */
  const price = (f: PriceFacts | null) => statePrice(f!, v.lang, latin ? 'translit' : 'text');
  const today = (f: PriceFacts | null) => stateChargedToday(f!, v.lang, latin ? 'translit' : 'text');
  /** A confirmation as a person reads it: "1" pages on until the page that offers "1 Confirm"; all its pages' text. */
  const readConfirmation = async (phone: ReturnType<typeof handset>, first: Page) => {
    let p = first;
    const seen = [p.text];
    while (!p.text.includes(`1 ${w(t.confirm)}`)) {
      p = await phone.send('1');
      seen.push(p.text);
    }
    return { last: p, text: seen.join('\n') };
  };
  const subscriber = async (balance = 100_000) => {
    const s = await makeSubscriber(core, { openingBalance: balance });
    await updatePreferences(core, sys, { msisdn: s.msisdn, language: v.lang, script: v.script });
    return { ...s, phone: handset(app, `+${s.msisdn}`, { latin }) };
  };

  test(`${v.name}: main menu pages with 00/0, balance, direct *111*5#`, async () => {
    const s = await subscriber();
    let p = await s.phone.dial('*111#');
    assert.equal(p.end, false);
    assert.ok(p.text.includes(`1 ${w(t.root[0]!)}`), p.text);
    // Cyrillic needs UCS-2 (80 characters), so the main menu takes two pages; in English or Latin
    // script it is GSM-7 (182) and fits on one.
    assert.equal(p.text.includes(w(t.next)), v.name === 'ru', p.text);
    assert.ok(!p.text.includes(w(t.back)), 'the root has nothing to go back to');
    const seen = new Set<string>();
    for (;;) {
      for (const line of p.text.split('\n')) if (/^[1-9] /.test(line)) seen.add(line.split(' ')[0]!);
      if (!p.text.includes(w(t.next))) break;
      p = await s.phone.send('00');
      assert.ok(p.text.includes(w(t.back)), 'later pages go back');
    }
    assert.deepEqual([...seen].sort(), ['1', '2', '3', '4', '5', '6', '7', '8']);
    p = await s.phone.send('0');
    p = await s.phone.send('5');
    const balance = (await ledgerSum(core, s.accountId)).balance;
    assert.equal(p.end, true);
    assert.ok(p.text.startsWith(w(t.balance(shortMoney(balance, v.lang), 0, 0, '').split('\n')[0]!)), p.text);
    p = await s.phone.dial('*111*5#');
    assert.equal(p.end, true);
    assert.ok(p.text.includes(money(balance)), p.text);
  });

  test(`${v.name}: *111*1# texts the app link, audited from ussd`, async () => {
    const s = await subscriber();
    const p = await s.phone.dial('*111*1#');
    assert.equal(p.end, true);
    assert.equal(p.text, w(t.appLinkSent));
    const sms = await core.db.query<{ text: string; meta: { kind: string } }>("SELECT text, meta FROM sms_message WHERE msisdn = $1 AND direction = 'mt'", [s.msisdn]);
    assert.ok(sms.some((m) => m.meta.kind === 'app_link' && m.text.includes('http')));
    assert.deepEqual(await auditChannels(s.subscriberId, 'app_link.send'), [{ channel: 'ussd', outcome: 'ok' }]);
  });

  test(`${v.name}: services — connected list, connect with price and confirm (cancel first), disable`, async () => {
    const s = await subscriber();
    let p = await s.phone.dial('*111*2*1#');
    let list = p.text;
    while (p.text.includes(w(t.next))) {
      p = await s.phone.send('00');
      list += '\n' + p.text;
    }
    assert.ok(list.includes(w(t.connectedTitle)) && list.includes(name('caller_id')) && list.includes(name('balance_check')), list);
    while (p.text.includes(w(t.back)) && !p.text.includes(`2 ${w(t.services[1]!)}`)) p = await s.phone.send('0');
    assert.ok(p.text.includes(`2 ${w(t.services[1]!)}`), p.text);
    p = await s.phone.send('2');
    p = await s.phone.pick(name('internet_plus'));
    assert.ok(p.text.includes(`1 ${w(t.confirm)}`) && p.text.includes(w(t.cancel)), p.text);
    const plus = await connectProductAction.offer(core, sys, { msisdn: s.msisdn, productCode: 'internet_plus' });
    const shown = await readConfirmation(s.phone, p);
    p = shown.last;
    assert.ok(shown.text.includes(price(plus.facts)) && shown.text.includes(today(plus.facts)), `the price is shown before confirming: ${shown.text}`);
    const before = (await ledgerSum(core, s.accountId)).balance;
    p = await s.phone.send('0');
    assert.ok(p.text.includes(name('internet_plus')) && !p.text.includes(w(t.confirm)), 'cancel goes back to the list page it came from');
    assert.equal((await ledgerSum(core, s.accountId)).balance, before, 'nothing charged on cancel');
    p = await s.phone.pick(name('internet_plus'));
    p = await s.phone.send('1');
    assert.equal(p.end, true);
    assert.equal(p.text, w(t.connected(names.get('internet_plus')![v.lang], shortMoney(25_000, v.lang))));
    assert.equal((await ledgerSum(core, s.accountId)).balance, before - 25_000);
    assert.deepEqual(await auditChannels(s.subscriberId, 'product.connect'), [{ channel: 'ussd', outcome: 'ok' }]);

    p = await s.phone.dial('*111*2*3#');
    p = await s.phone.pick(name('internet_plus'));
    assert.ok(p.text.includes(`1 ${w(t.confirm)}`), p.text);
    p = await s.phone.send('1');
    assert.equal(p.text, w(t.disabled(names.get('internet_plus')![v.lang])));
    const c = await listConnectedProducts(core, sys, { msisdn: s.msisdn });
    assert.ok(![...c.paid, ...c.free].some((x) => x.code === 'internet_plus'));
  });

  test(`${v.name}: subscriptions — subscribe, list, unsubscribe`, async () => {
    const s = await subscriber();
    let p = await s.phone.dial('*111*3#');
    p = await s.phone.send('2');
    p = await s.phone.pick(name('weather'));
    const weather = await connectProductAction.offer(core, sys, { msisdn: s.msisdn, productCode: 'weather' });
    assert.ok(p.text.includes(price(weather.facts)), p.text);
    p = await s.phone.send('1');
    assert.equal(p.end, true);
    assert.ok(p.text.startsWith(w(t.connected(names.get('weather')![v.lang], '')).slice(0, 5)), p.text);
    p = await s.phone.dial('*111*3*1#');
    p = await s.phone.pick(name('weather'));
    p = await s.phone.send('1');
    assert.equal(p.text, w(t.disabled(names.get('weather')![v.lang])));
  });

  test(`${v.name}: tariff — current, change with quote and confirm, tariff's own code`, async () => {
    const s = await subscriber();
    let p = await s.phone.dial('*111*4*1#');
    assert.ok(p.text.includes(name('smart')), p.text);
    p = await s.phone.send('0');
    p = await s.phone.send('2');
    p = await s.phone.pick(name('smart_mini'));
    const mini = await changeTariffAction.offer(core, sys, { msisdn: s.msisdn, tariffCode: 'smart_mini' });
    const shown = await readConfirmation(s.phone, p);
    p = shown.last;
    assert.ok(shown.text.includes(price(mini.facts)) && shown.text.includes(today(mini.facts)), shown.text);
    p = await s.phone.send('1');
    assert.equal(p.end, true);
    assert.ok(p.text.includes(name('smart_mini')), p.text);
    assert.equal((await getProfile(core, sys, { msisdn: s.msisdn })).tariff.code, 'smart_mini');
    assert.deepEqual(await auditChannels(s.subscriberId, 'tariff.change'), [{ channel: 'ussd', outcome: 'ok' }]);
    // A tariff's own code asks first; 0 cancels back to the main menu.
    p = await s.phone.dial('*111*1024#');
    assert.ok(p.text.includes(name('smart')) && p.text.includes(w(t.cancel)), p.text);
    p = await s.phone.send('0');
    assert.ok(p.text.includes(`1 ${w(t.root[0]!)}`), p.text);
    assert.equal((await getProfile(core, sys, { msisdn: s.msisdn })).tariff.code, 'smart_mini');
  });

  test(`${v.name}: settings — *111*6*2# Latin, *111*6*1# Cyrillic, language`, async () => {
    const s = await subscriber();
    let p = await s.phone.dial('*111*6*2#');
    assert.equal(p.end, true);
    assert.equal(p.text, toGsm7Latin(t.scriptLatin));
    assert.equal((await getProfile(core, sys, { msisdn: s.msisdn })).script, 'latin');
    p = await s.phone.dial('*111#');
    assert.ok(p.text.includes(`1 ${toGsm7Latin(t.root[0]!)}`), p.text);
    s.phone.latin = false;
    p = await s.phone.dial('*111*6*1#');
    assert.equal(p.text, t.scriptCyrillic);
    assert.equal((await getProfile(core, sys, { msisdn: s.msisdn })).script, 'cyrillic');
    p = await s.phone.dial('*111*6*3#');
    p = await s.phone.send(v.lang === 'ru' ? '2' : '1');
    const other = v.lang === 'ru' ? 'en' : 'ru';
    assert.equal(p.text, texts[other].languageSet);
    assert.equal((await getProfile(core, sys, { msisdn: s.msisdn })).language, other);
    assert.equal((await auditChannels(s.subscriberId, 'preferences.update')).filter((a) => a.channel === 'ussd').length, latin ? 2 : 3, 'each change audited (switching to the script already in use changes nothing)');
  });

  test(`${v.name}: promised payment — amounts with fees, confirm, one at a time`, async () => {
    const s = await subscriber(0);
    let p = await s.phone.dial('*111*7#');
    assert.ok(p.text.includes(money(3_000)), p.text);
    p = await s.phone.pick(money(5_000));
    const fifty = await promisedPaymentAction.offer(core, sys, { msisdn: s.msisdn, amount: 5_000 });
    const shown = await readConfirmation(s.phone, p);
    p = shown.last;
    assert.ok(shown.text.includes(price(fifty.facts)) && shown.text.includes(today(fifty.facts)), `fee shown before confirming: ${shown.text}`);
    const before = (await ledgerSum(core, s.accountId)).balance;
    p = await s.phone.send('1');
    assert.equal(p.end, true);
    assert.ok(p.text.includes(money(5_000)), p.text);
    assert.equal((await ledgerSum(core, s.accountId)).balance, before + 5_000 - 700);
    p = await s.phone.dial('*111*7#');
    assert.equal(p.end, true);
    assert.ok(p.text.startsWith(w(t.promisedActive(shortMoney(5_000, v.lang), ''))), p.text);
  });

  test(`${v.name}: bonuses — points and an exchange with confirm`, async () => {
    const s = await subscriber();
    await earnPoints(core.db, { pointsPerRuble: 1, expiryMonths: 12 }, { accountId: s.accountId, subscriberId: s.subscriberId, spent: 50_000, at: core.clock.now() });
    let p = await s.phone.dial('*111*8#');
    assert.ok(p.text.includes('500'), p.text);
    p = await s.phone.pick(/SMS/);
    assert.ok(p.text.includes('150') && p.text.includes(`1 ${w(t.confirm)}`), p.text);
    p = await s.phone.send('1');
    assert.equal(p.end, true);
    assert.ok(p.text.includes('350'), p.text);
    assert.deepEqual(await auditChannels(s.subscriberId, 'bonus.exchange'), [{ channel: 'ussd', outcome: 'ok' }]);
  });

  test(`${v.name}: product code *111*29#, *152# list, *152*2# paid only with price, disable from the list`, async () => {
    const s = await subscriber();
    let p = await s.phone.dial('*111*29#');
    const ringback = await connectProductAction.offer(core, sys, { msisdn: s.msisdn, productCode: 'ringback' });
    assert.ok(p.text.includes(name('ringback')) && p.text.includes(price(ringback.facts)) && p.text.includes(`1 ${w(t.confirm)}`), p.text);
    p = await s.phone.send('1');
    assert.equal(p.end, true);
    p = await s.phone.dial('*152#');
    const all: string[] = [];
    for (;;) {
      all.push(p.text);
      if (!p.text.includes(w(t.next))) break;
      p = await s.phone.send('00');
    }
    assert.ok(all.join('\n').includes(name('ringback')) && all.join('\n').includes(name('caller_id')), all.join('\n'));
    p = await s.phone.dial('*152*2#');
    const stops = (await disableProductAction.offer(core, sys, { msisdn: s.msisdn, productCode: 'ringback' })).details.stops;
    assert.ok(p.text.includes(name('ringback')) && p.text.includes(price(stops)), p.text);
    assert.ok(!p.text.includes(name('caller_id')), 'free services are not in the paid list');
    p = await s.phone.pick(name('ringback'));
    p = await s.phone.send('1');
    assert.equal(p.text, w(t.disabled(names.get('ringback')![v.lang])));
    p = await s.phone.dial('*152*2#');
    assert.equal(p.end, true);
    assert.equal(p.text, w(t.nothingPaid));
  });
}
