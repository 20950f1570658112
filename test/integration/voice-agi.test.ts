import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { createFastAgiServer } from '../../src/channels/voice/fastagi-server.ts';
import { getBalance } from '../../src/domain/subscribers/get-balance.ts';
import { sayCount, sayMoney } from '../../src/text/spoken.ts';
import { sayRefusal, voiceTexts } from '../../src/channels/voice/voice-texts.ts';
import { MAX_TOP_UP, MIN_TOP_UP, promisedPaymentAction } from '../../src/domain/actions/registry.ts';
import { stateChargedToday, statePrice } from '../../src/text/price.ts';
import { AgiPeer } from '../helpers/agi-peer.ts';
import { ledgerSum, makeSubscriber, subscriberCtx } from '../helpers/core.ts';
import { agiJourney, saveCard, voiceEnv, type VoiceEnv } from '../helpers/voice-env.ts';

const ru = voiceTexts.ru;
const en = voiceTexts.en;
/** The top-up bounds come from the registry's top-up offer; both ends are said as money. */
const askAmount = ru.askAmount(sayMoney(MIN_TOP_UP, 'ru'), sayMoney(MAX_TOP_UP, 'ru'));
/** A typed amount out of bounds is refused with the registry's reason: AMOUNT_NOT_ALLOWED {min, max}. */
const badAmount = sayRefusal({ code: 'AMOUNT_NOT_ALLOWED', params: { min: MIN_TOP_UP, max: MAX_TOP_UP } }, 'ru');
let v: VoiceEnv;
before(async () => {
  v = await voiceEnv();
});
after(async () => {
  await v.close();
});

const flat = (turn: string[]) => turn.join(' ');
const balanceOf = async (s: { subscriberId: number; msisdn: string }) => (await getBalance(v.core, subscriberCtx(s.subscriberId), { msisdn: s.msisdn })).balance;
async function paymentsOf(accountId: number) {
  return v.core.db.query<{ status: string; amount: number; channel: string }>('SELECT status, amount, channel FROM payment WHERE account_id = $1 ORDER BY created_at', [accountId]);
}
async function voiceAudit(subscriberId: number) {
  return v.core.db.query<{ action: string; outcome: string; channel: string }>('SELECT action, outcome, channel FROM audit_event WHERE subscriber_id = $1 AND channel = $2 ORDER BY id', [subscriberId, 'voice']);
}

test('balance: the main menu says actions are recorded; 1 speaks the balance in words with its time; 0 repeats, * goes back, 9 switches to English', async () => {
  const s = await makeSubscriber(v.core, { openingBalance: 12_345 });
  const balance = await balanceOf(s);
  const r = await agiJourney(v, s.msisdn, ['1', '0', '*', '9', '1']);
  assert.ok(r.turns[0]!.includes(ru.recorded), flat(r.turns[0]!));
  assert.ok(r.turns[0]!.includes(ru.mainItems[0]!));
  const spoken = r.turns[1]!.find((x) => x.startsWith('Ваш баланс'));
  assert.ok(spoken, flat(r.turns[1]!));
  assert.ok(spoken.includes(sayMoney(balance, 'ru')), spoken);
  // 09:00 UTC in Moscow (the test region) is twelve o'clock, said as a time of day, not a duration.
  assert.match(spoken, /по состоянию на двенадцать ноль-ноль\.$/);
  assert.deepEqual(r.turns[2], r.turns[1], '0 repeats the same screen');
  assert.ok(r.turns[3]!.includes(ru.mainItems[0]!), '* goes back to the main menu');
  assert.ok(!r.turns[3]!.includes(ru.recorded), 'the welcome is said once');
  assert.ok(r.turns[4]!.includes(en.mainItems[0]!), '9 switches to English');
  assert.ok(r.turns[5]!.some((x) => x.startsWith(`Your balance is ${sayMoney(balance, 'en')}`)), flat(r.turns[5]!));
  // The prompts played are telephony WAV files: 8 kHz, mono, 16-bit.
  const wav = execFileSync('soxi', [(await v.speech.prompt('ru', ru.welcome)).file], { encoding: 'utf8' });
  assert.match(wav, /Channels\s*: 1/);
  assert.match(wav, /Sample Rate\s*: 8000/);
  assert.match(wav, /Precision\s*: 16-bit/);
});

test('card payment with a saved card: amount by keypad, card by its number, confirmation, result spoken; the ledger and the audit agree', async () => {
  const s = await makeSubscriber(v.core, { openingBalance: 10_000 });
  await saveCard(v.core, s);
  const before = await ledgerSum(v.core, s.accountId);
  const r = await agiJourney(v, s.msisdn, ['1', '2', '1', '500', '1', '1']);
  assert.ok(r.turns[3]!.includes(askAmount));
  assert.ok(r.turns[4]!.includes('Карта VISA, последние цифры четыре два четыре два — один.'), flat(r.turns[4]!));
  assert.ok(r.turns[5]!.includes('Пополнить баланс на пятьсот рублей картой с последними цифрами четыре два четыре два?'), flat(r.turns[5]!));
  const after = await ledgerSum(v.core, s.accountId);
  assert.equal(after.balance - before.balance, 50_000);
  assert.equal(after.sum, after.balance);
  assert.ok(r.turns[6]!.includes(ru.paid(sayMoney(50_000, 'ru'), sayMoney(after.balance, 'ru'))), flat(r.turns[6]!));
  const payments = (await paymentsOf(s.accountId)).filter((p) => p.channel === 'voice');
  assert.deepEqual(payments, [{ status: 'succeeded', amount: 50_000, channel: 'voice' }]);
  assert.ok((await voiceAudit(s.subscriberId)).some((a) => a.action === 'payment.card' || a.action === 'payment.start'));
});

test('card payment with a new card through the provider phone flow; a declined card charges nothing and says so', async () => {
  const s = await makeSubscriber(v.core, { openingBalance: 0 });
  const r = await agiJourney(v, s.msisdn, ['1', '2', '1', '300', '8', '4242424242424242', '1230', '1']);
  assert.ok(r.turns[4]!.includes(ru.noCards));
  assert.ok(r.turns[5]!.includes(ru.askCardNumber));
  assert.ok(r.turns[6]!.includes(ru.askExpiry));
  assert.ok(r.turns[7]!.some((x) => x.includes('триста рублей') && x.includes('четыре два четыре два')), flat(r.turns[7]!));
  assert.equal((await ledgerSum(v.core, s.accountId)).balance, 30_000);
  assert.ok(r.turns[8]!.some((x) => x.startsWith('Платёж на триста рублей прошёл')), flat(r.turns[8]!));

  v.env.clock.advance(60_000);
  const declined = await agiJourney(v, s.msisdn, ['1', '2', '1', '300', '8', '4000000000000002', '1230', '1']);
  assert.ok(declined.turns[8]!.includes('Платёж не прошёл'), flat(declined.turns[8]!));
  assert.equal((await ledgerSum(v.core, s.accountId)).balance, 30_000);
  assert.deepEqual((await paymentsOf(s.accountId)).map((p) => p.status), ['succeeded', 'failed']);
});

test('hang-up mid-payment charges nothing: at the confirmation, while typing the card, by 511 and by result=-1', async () => {
  const s = await makeSubscriber(v.core, { openingBalance: 5_000 });
  await saveCard(v.core, s);
  const before = await ledgerSum(v.core, s.accountId);
  const paymentsBefore = (await paymentsOf(s.accountId)).length;
  for (const [script, how] of [
    [['1', '2', '1', '500', '1'], 'close'],
    [['1', '2', '1', '500', '8', '4242424242424242'], '511'],
    [['1', '2', '1', '700', '1'], '-1'],
  ] as const) {
    const r = await agiJourney(v, s.msisdn, [...script, { hangup: how }]);
    assert.equal(r.ended, 'caller');
  }
  const after = await ledgerSum(v.core, s.accountId);
  assert.equal(after.balance, before.balance);
  assert.equal(after.entries, before.entries);
  assert.equal((await paymentsOf(s.accountId)).length, paymentsBefore);
  // The server is still serving after three abandoned calls.
  assert.equal(v.agi.stats().active, 0);
});

test('promised payment: amounts, fee and term spoken; 1 accepts; credited with its fee and audited with channel voice', async () => {
  const s = await makeSubscriber(v.core, { openingBalance: 0 });
  const offer = await promisedPaymentAction.offer(v.core, subscriberCtx(s.subscriberId), { msisdn: s.msisdn });
  const r = await agiJourney(v, s.msisdn, ['3', '1', '1']);
  const menu = r.turns[1]!;
  assert.ok(menu.includes(ru.promisedTitle(sayCount(3, 'day', 'ru'))), flat(menu));
  // Each option as the registry offers it: its amount and the statement of its commission.
  assert.ok(offer.details.options.length > 0);
  offer.details.options.forEach((o, i) => assert.ok(menu.includes(ru.promisedOption(sayMoney(o.amount, 'ru'), statePrice(o.facts, 'ru', 'speech'), i + 1)), flat(menu)));
  assert.ok(menu.includes('пятьдесят рублей, комиссия семь рублей — два.'), flat(menu));
  const first = offer.details.options[0]!.facts;
  assert.ok(r.turns[2]!.some((x) => x.includes(statePrice(first, 'ru', 'speech')) && x.includes(stateChargedToday(first, 'ru', 'speech'))), flat(r.turns[2]!));
  assert.ok(r.turns[2]!.includes(ru.acceptKey));
  const taken = r.turns[3]!.find((x) => x.startsWith('Обещанный платёж'));
  assert.ok(taken && taken.includes('зачислен') && taken.includes(`Срок возврата — ${sayCount(3, 'day', 'ru')}.`), taken);
  const row = (await v.core.db.query<{ amount: number; fee: number }>('SELECT amount, fee FROM promised_payment WHERE subscriber_id = $1', [s.subscriberId]))[0]!;
  assert.ok(taken.includes(sayMoney(row.amount, 'ru')) && taken.includes(`комиссия ${sayMoney(row.fee, 'ru')}`), taken);
  assert.equal((await ledgerSum(v.core, s.accountId)).balance, row.amount - row.fee);
  assert.deepEqual((await voiceAudit(s.subscriberId)).map((a) => [a.action, a.outcome]), [['promised.take', 'ok']]);
  // A second time the menu says the registry's refusal (one is active) and what is left to repay, instead of offering amounts.
  const again = await agiJourney(v, s.msisdn, ['3']);
  assert.ok(again.turns[1]!.includes(sayRefusal({ code: 'PROMISED_PAYMENT_ACTIVE', params: {} }, 'ru')), flat(again.turns[1]!));
  assert.ok(again.turns[1]!.includes(ru.promisedLeft(sayMoney(row.amount, 'ru'))), flat(again.turns[1]!));
});

test('tariff name and monthly fee; promotions and options from the catalog', async () => {
  const s = await makeSubscriber(v.core);
  const r = await agiJourney(v, s.msisdn, ['4', '*', '7']);
  assert.ok(r.turns[1]!.includes(`Ваш тариф «Смарт». Абонентская плата ${sayMoney(55_000, 'ru')} в месяц.`), flat(r.turns[1]!));
  assert.ok(r.turns[3]!.includes(ru.offersTitle), flat(r.turns[3]!));
  const names = (await v.core.db.query<{ name: string }>(`SELECT spec->'name'->>'ru' AS name FROM product WHERE spec->>'kind' IN ('option', 'package')`)).map((x) => x.name);
  assert.ok(r.turns[3]!.some((x) => names.some((n) => x.startsWith(`«${n}»`))), flat(r.turns[3]!));
});

test('wrong keys and silence re-prompt twice, then the call ends politely', async () => {
  const s = await makeSubscriber(v.core);
  const wrong = await agiJourney(v, s.msisdn, ['2', '8', '2']);
  assert.equal(wrong.turns[1]![0], ru.nomatch);
  assert.ok(wrong.turns[1]!.includes(ru.mainItems[0]!), 're-prompts the menu');
  assert.equal(wrong.turns[2]![0], ru.nomatch);
  assert.deepEqual(wrong.turns[3], [ru.tooMany]);
  assert.equal(wrong.ended, 'server');

  const silent = await agiJourney(v, s.msisdn, [{ silence: true }, { silence: true }, { silence: true }]);
  assert.equal(silent.turns[1]![0], ru.noinput);
  assert.equal(silent.turns[2]![0], ru.noinput);
  assert.deepEqual(silent.turns[3], [ru.tooMany]);
  assert.equal(silent.ended, 'server');

  // A wrong amount counts as a miss too, and a good answer in between starts the count again.
  const amounts = await agiJourney(v, s.msisdn, ['1', '2', '1', '5', '99999', '*', '1', '1']);
  assert.equal(amounts.turns[4]![0], badAmount);
  assert.equal(amounts.turns[5]![0], badAmount);
  assert.ok(amounts.turns[6]!.includes(ru.payByCardKey), '* from the amount goes back to payments');
  assert.ok(amounts.turns[8]!.includes(askAmount));
});

test('a key pressed during a prompt interrupts it and counts as the answer', async () => {
  const s = await makeSubscriber(v.core);
  const peer = await AgiPeer.dial(v.agiPort, { agi_callerid: s.msisdn, agi_uniqueid: 'barge-1' });
  peer.bargeIn('4');
  const first = await peer.turn();
  assert.equal(first.kind, 'input');
  const next = await peer.turn();
  assert.ok(next.files.map((f) => v.speech.textOf(f)).some((x) => x.startsWith('Ваш тариф')));
  peer.hangUp('close');
  await peer.closedByServer();
});

test('an unknown number hears that it is not served; a peer off the allow-list is refused', async () => {
  const peer = await AgiPeer.dial(v.agiPort, { agi_callerid: '79990000000' });
  const t = await peer.turn();
  assert.deepEqual(t.files.map((f) => v.speech.textOf(f)), [ru.notServed]);
  assert.equal(t.kind, 'hangup');

  const strict = createFastAgiServer({ core: v.core, speech: v.speech, deps: v.voice.deps, port: 0, host: '127.0.0.1', allowed: ['10.1.2.3'] });
  const port = await strict.listen();
  try {
    const refused = await AgiPeer.dial(port, { agi_callerid: '79990000000' });
    const r = await refused.turn();
    assert.deepEqual(r.commands, []);
    assert.equal(r.kind, 'hangup');
    assert.equal(strict.stats().refused, 1);
  } finally {
    await strict.close();
  }
});

test('one bad caller cannot stall the server: a silent peer and a peer that stops answering are dropped while other calls go on', async () => {
  const quick = createFastAgiServer({ core: v.core, speech: v.speech, deps: v.voice.deps, port: 0, host: '127.0.0.1', allowed: [], headerTimeoutMs: 300, commandTimeoutMs: 300, digitTimeoutMs: 300 });
  const port = await quick.listen();
  try {
    const silent = connect({ port, host: '127.0.0.1' });
    const silentClosed = new Promise((r) => silent.once('close', r));
    silent.on('error', () => undefined);
    const stuck = await AgiPeer.dial(port, { agi_callerid: '79990000001' });
    // `stuck` reads commands but never answers: the ANSWER goes unanswered.
    const s = await makeSubscriber(v.core);
    const peers = await Promise.all(Array.from({ length: 10 }, (_x, i) => AgiPeer.dial(port, { agi_callerid: s.msisdn, agi_uniqueid: `many-${i}` })));
    const walks = await Promise.all(
      peers.map(async (p) => {
        const main = await p.turn();
        p.press('1');
        const bal = await p.turn();
        p.hangUp('close');
        await p.closedByServer();
        return [main.kind, bal.files.map((f) => v.speech.textOf(f)).some((x) => x.startsWith('Ваш баланс'))];
      }),
    );
    assert.deepEqual(walks, Array.from({ length: 10 }, () => ['input', true]));
    await silentClosed;
    await stuck.closedByServer();
    assert.equal(stuck.isClosed, true);
  } finally {
    await quick.close();
  }
});

test('the offer of the other language is spoken by that language voice', async () => {
  const s = await makeSubscriber(v.core);
  const peer = await AgiPeer.dial(v.agiPort, { agi_callerid: s.msisdn, agi_uniqueid: 'voice-1' });
  const t = await peer.turn();
  const offer = t.files.find((f) => v.speech.textOf(f) === ru.otherLanguage);
  assert.equal(offer, (await v.speech.prompt('en', ru.otherLanguage)).file.replace(/\.wav$/, ''));
  assert.notEqual(offer, (await v.speech.prompt('ru', ru.otherLanguage)).file.replace(/\.wav$/, ''));
  const menu = t.files.find((f) => v.speech.textOf(f) === ru.mainItems[0]);
  assert.equal(menu, (await v.speech.prompt('ru', ru.mainItems[0]!)).file.replace(/\.wav$/, ''));
  peer.hangUp('close');
  await peer.closedByServer();
});
