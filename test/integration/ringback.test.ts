import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { DemoRingbackPlatform } from '../../src/adapters/ringback/demo-platform.ts';
import { handleMo } from '../../src/channels/sms/handle-mo.ts';
import { perform, actions } from '../../src/domain/actions/registry.ts';
import { createSession } from '../../src/domain/auth/sessions.ts';
import { runRecurringFees } from '../../src/domain/billing/run-recurring-fees.ts';
import type { Core } from '../../src/domain/core.ts';
import { pushRingbackChanges } from '../../src/domain/ringback/push-changes.ts';
import { toneForCaller } from '../../src/domain/ringback/tone-for-caller.ts';
import { formatPrice } from '../../src/text/format.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { disableProduct } from '../../src/domain/services/disable-product.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { adjustBalance } from '../../src/domain/ledger/adjust-balance.ts';
import { settlePayment } from '../../src/domain/payments/settle-payment.ts';
import { startTopUp } from '../../src/domain/payments/top-up.ts';
import { ctxAs, ledgerSum, makeSubscriber, refusal, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';

/**
 * Ringback tones ("Гудок") on a real store: melodies bought through the ledger and charged by the
 * fee run, rules chosen by caller and time of day, each change pushed to the platform once, and
 * the channels (app API, SMS, USSD) performing the same registry actions.
 */
let env: TestEnv;
let core: Core;
let app: FastifyInstance;
let platform: DemoRingbackPlatform;
before(async () => {
  env = await testCore();
  core = env.core;
  platform = core.ringback as DemoRingbackPlatform;
  app = await testApp(core);
});
after(async () => {
  await app.close();
  await env.close();
});

interface Sub {
  msisdn: string;
  subscriberId: number;
  accountId: number;
  auth: Record<string, string>;
}

async function subscriber(input: Parameters<typeof makeSubscriber>[1] = {}, ringback = true): Promise<Sub> {
  const s = await makeSubscriber(core, input);
  if (ringback) await connectProduct(core, subscriberCtx(s.subscriberId), { msisdn: s.msisdn, productCode: 'ringback' });
  const session = await createSession(core.db, core, { kind: 'subscriber', subjectId: s.subscriberId, channel: 'web', method: 'password' });
  return { ...s, auth: { authorization: `Bearer ${session.token}` } };
}

const pushesOf = (msisdn: string) => platform.received.filter((p) => p.msisdn === msisdn);
const ringbackEntries = (accountId: number) =>
  core.db.query<{ amount: number; key: string }>("SELECT amount::int AS amount, idempotency_key AS key FROM ledger_entry WHERE account_id = $1 AND idempotency_key LIKE 'ringback:%' ORDER BY created_at, idempotency_key", [accountId]);

test('buying needs the service on; a melody is charged its first period through the ledger, once per idempotency key', async () => {
  const off = await subscriber({}, false);
  await assert.rejects(perform(core, subscriberCtx(off.subscriberId), actions['ringback.buy'], off.msisdn, { melody: 'kalinka' }), refusal('PRODUCT_NOT_CONNECTED'));

  const s = await subscriber();
  const offer = await actions['ringback.buy'].offer(core, subscriberCtx(s.subscriberId), { msisdn: s.msisdn, melody: 'ode_to_joy' });
  assert.deepEqual(offer.facts, { price: 3000, period: 'month', connectionFee: 0, commission: 0, chargedToday: 3000 });
  const before = await ledgerSum(core, s.accountId);
  const ctx = subscriberCtx(s.subscriberId, { idempotencyKey: 'buy-ode-1' });
  const first = await perform(core, ctx, actions['ringback.buy'], s.msisdn, { melody: 'ode_to_joy' });
  const again = await perform(core, ctx, actions['ringback.buy'], s.msisdn, { melody: 'ode_to_joy' });
  assert.deepEqual(again, first);
  assert.equal(first.charged, 3000);
  const afterBuy = await ledgerSum(core, s.accountId);
  assert.equal(afterBuy.balance, before.balance - 3000);
  assert.equal(afterBuy.balance, afterBuy.sum);
  assert.equal((await ringbackEntries(s.accountId)).length, 1);
  await assert.rejects(perform(core, subscriberCtx(s.subscriberId), actions['ringback.buy'], s.msisdn, { melody: 'ode_to_joy' }), refusal('MELODY_ALREADY_BOUGHT'));
  await assert.rejects(perform(core, subscriberCtx(s.subscriberId), actions['ringback.buy'], s.msisdn, { melody: 'no_such_tune' }), refusal('MELODY_NOT_FOUND'));
  await assert.rejects(perform(core, subscriberCtx(s.subscriberId), actions['ringback.set'], s.msisdn, { melody: 'kalinka' }), refusal('MELODY_NOT_BOUGHT'));
});

test('the fee run charges a daily melody each local midnight and a monthly one each month, each period once; unpaid, it is suspended', async () => {
  const s = await subscriber();
  const ctx = subscriberCtx(s.subscriberId);
  await perform(core, ctx, actions['ringback.buy'], s.msisdn, { melody: 'kalinka' }); // 1,50 ₽ a day
  await perform(core, ctx, actions['ringback.buy'], s.msisdn, { melody: 'korobeiniki' }); // 25 ₽ a month
  // 2026-03-10 12:00 in Moscow: the daily fee falls due at 00:00 on the 11th, 12th, 13th; the monthly on 10 April.
  for (const at of ['2026-03-12T22:00:00Z', '2026-03-12T22:00:00Z']) await runRecurringFees(core, systemCtx('test'), { now: new Date(at) });
  let entries = await ringbackEntries(s.accountId);
  assert.deepEqual(entries.map((e) => e.amount), [-150, -2500, -150, -150, -150]);
  await runRecurringFees(core, systemCtx('test'), { now: new Date('2026-04-09T21:00:00Z') });
  entries = await ringbackEntries(s.accountId);
  assert.equal(entries.filter((e) => e.amount === -2500).length, 2, 'the second month of the monthly melody');
  assert.equal(entries.filter((e) => e.amount === -150).length, 1 + 31, 'bought on 10 March, then each midnight from 11 March to 10 April');
  const sum = await ledgerSum(core, s.accountId);
  assert.equal(sum.balance, sum.sum);

  // No money: the melody is suspended, told by SMS, and the platform no longer plays it.
  const poor = await subscriber({ openingBalance: 600 });
  await perform(core, subscriberCtx(poor.subscriberId), actions['ringback.buy'], poor.msisdn, { melody: 'birch_tree' }); // 1 ₽ a day: 2,50 ₽ left, the service's next day and not the melody's
  await runRecurringFees(core, systemCtx('test'), { now: new Date('2026-03-11T21:00:00Z') });
  const row = await core.db.query<{ status: string }>('SELECT status FROM ringback_tone WHERE subscriber_id = $1', [poor.subscriberId]);
  assert.equal(row[0]?.status, 'suspended');
  const notice = await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND direction = 'mt' AND text LIKE '%мелоди%'", [poor.msisdn]);
  assert.match(notice[0]?.text ?? '', /Во поле берёза стояла/);
});

test('a melody suspended for want of money plays again after a top-up that covers it: charged once, pushed once; a credit too small leaves it suspended', async (t) => {
  const s = await subscriber({ openingBalance: 700 }); // 2,50 ₽ for the service today, 1,50 ₽ for kalinka: 3 ₽ left
  const ctx = subscriberCtx(s.subscriberId);
  await perform(core, ctx, actions['ringback.buy'], s.msisdn, { melody: 'kalinka' });
  await perform(core, ctx, actions['ringback.set'], s.msisdn, { melody: 'kalinka' });
  // Local midnight: the service's 2,50 ₽ is paid, kalinka's 1,50 ₽ is not (0,50 ₽ left).
  const back = env.clock.now();
  env.clock.set(new Date('2026-03-10T21:00:00Z'));
  t.after(() => env.clock.set(back));
  await runRecurringFees(core, systemCtx('test'), { now: env.clock.now() });
  const status = async () => (await core.db.query<{ status: string }>('SELECT status FROM ringback_tone WHERE subscriber_id = $1', [s.subscriberId]))[0]?.status;
  assert.equal(await status(), 'suspended');
  await pushRingbackChanges(core);
  const pushed = pushesOf(s.msisdn).length;
  assert.deepEqual(platform.current.get(s.msisdn)?.melodies, [], 'the platform no longer plays it');
  const entries = (await ringbackEntries(s.accountId)).length;

  // 0,50 ₽ more is not enough for 1,50 ₽: nothing is charged, nothing pushed.
  await adjustBalance(core, ctxAs({ kind: 'staff', staffId: 1 }, { idempotencyKey: 'rb-credit-small' }), { msisdn: s.msisdn, amount: 50, kind: 'payment', reason: 'cash' });
  assert.equal(await status(), 'suspended');
  assert.equal((await ringbackEntries(s.accountId)).length, entries);
  assert.equal(await pushRingbackChanges(core), 0);

  // A card payment the provider confirms: the melody's fee is charged once and the platform told once.
  const started = await startTopUp(core, subscriberCtx(s.subscriberId, { idempotencyKey: 'rb-topup' }), { msisdn: s.msisdn, amount: 1000 });
  const [p] = await core.db.query<{ provider_ref: string }>('SELECT provider_ref FROM payment WHERE id = $1', [started.paymentId]);
  assert.equal((await settlePayment(core, { type: 'payment.succeeded', providerRef: p!.provider_ref })).status, 'succeeded');
  assert.equal((await settlePayment(core, { type: 'payment.succeeded', providerRef: p!.provider_ref })).changed, false, 'the provider repeating its event');
  assert.equal(await status(), 'active');
  const after = await ringbackEntries(s.accountId);
  assert.deepEqual(after.slice(entries).map((e) => e.amount), [-150]);
  const sum = await ledgerSum(core, s.accountId);
  assert.equal(sum.balance, 50 + 50 + 1000 - 150);
  assert.equal(sum.balance, sum.sum);
  assert.equal(await pushRingbackChanges(core), 1);
  assert.equal(pushesOf(s.msisdn).length, pushed + 1);
  assert.deepEqual([platform.current.get(s.msisdn)?.active, platform.current.get(s.msisdn)?.melodies], [true, ['kalinka']]);
  assert.equal((await toneForCaller(core.db, { msisdn: s.msisdn, caller: '79031112233', at: new Date('2026-03-11T09:00:00Z') }))?.melody.code, 'kalinka');
  const [audit] = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE subscriber_id = $1 AND action = 'ringback.resume'", [s.subscriberId]);
  assert.equal(audit!.n, 1);
  const sms = await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND direction = 'mt' ORDER BY id", [s.msisdn]);
  assert.match(sms.map((m) => m.text).join('\n'), /приостановлена и зазвучит снова после пополнения[\s\S]*Мелодия «Калинка» снова звучит для ваших абонентов, списано 1,50\s₽/);
});

test('the service off stops every melody fee: the library is kept suspended, a top-up brings nothing back; on again, each melody is charged one period once and pushed once', async (t) => {
  const s = await subscriber();
  const ctx = subscriberCtx(s.subscriberId);
  await perform(core, ctx, actions['ringback.buy'], s.msisdn, { melody: 'kalinka' }); // 1,50 ₽ a day
  await perform(core, ctx, actions['ringback.buy'], s.msisdn, { melody: 'korobeiniki' }); // 25 ₽ a month
  await perform(core, ctx, actions['ringback.set'], s.msisdn, { melody: 'kalinka' });
  const statuses = async () => (await core.db.query<{ melody_code: string; status: string }>('SELECT melody_code, status FROM ringback_tone WHERE subscriber_id = $1 ORDER BY id', [s.subscriberId])).map((r) => `${r.melody_code}:${r.status}`);
  await pushRingbackChanges(core);
  const pushedOn = pushesOf(s.msisdn).length;

  await disableProduct(core, ctx, { msisdn: s.msisdn, productCode: 'ringback' });
  assert.deepEqual(await statuses(), ['kalinka:suspended', 'korobeiniki:suspended'], 'kept in the library, charged nothing');
  await pushRingbackChanges(core);
  assert.equal(pushesOf(s.msisdn).length, pushedOn + 1, 'the service off: one push');
  assert.deepEqual([platform.current.get(s.msisdn)?.active, platform.current.get(s.msisdn)?.melodies], [false, []]);
  const entries = (await ringbackEntries(s.accountId)).length;

  // Two local midnights and a month later: the fee run charges no melody (and no service).
  await runRecurringFees(core, systemCtx('test'), { now: new Date('2026-03-12T22:00:00Z') });
  await runRecurringFees(core, systemCtx('test'), { now: new Date('2026-04-10T22:00:00Z') });
  assert.equal((await ringbackEntries(s.accountId)).length, entries);
  const [serviceFees] = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger_entry WHERE account_id = $1 AND product_code = 'ringback' AND created_at > $2", [s.accountId, new Date('2026-03-11T00:00:00Z')]);
  assert.equal(serviceFees!.n, 0);
  let sum = await ledgerSum(core, s.accountId);
  assert.equal(sum.balance, sum.sum);

  // Money coming in while the service is off resumes no melody, pushes nothing.
  const back = env.clock.now();
  env.clock.set(new Date('2026-04-11T09:00:00Z'));
  t.after(() => env.clock.set(back));
  await adjustBalance(core, ctxAs({ kind: 'staff', staffId: 1 }, { idempotencyKey: 'rb-off-credit' }), { msisdn: s.msisdn, amount: 5000, kind: 'payment', reason: 'cash' });
  assert.deepEqual(await statuses(), ['kalinka:suspended', 'korobeiniki:suspended']);
  assert.equal((await ringbackEntries(s.accountId)).length, entries);
  await pushRingbackChanges(core);
  assert.equal(pushesOf(s.msisdn).length, pushedOn + 1);

  // The service on again (a retried request under the same key changes nothing more): both melodies
  // charged one period each, through the ledger, and one push carries the service and both.
  const onCtx = subscriberCtx(s.subscriberId, { idempotencyKey: 'rb-on-again' });
  const on = await connectProduct(core, onCtx, { msisdn: s.msisdn, productCode: 'ringback' });
  assert.deepEqual(await connectProduct(core, onCtx, { msisdn: s.msisdn, productCode: 'ringback' }), on);
  assert.deepEqual(await statuses(), ['kalinka:active', 'korobeiniki:active']);
  const added = (await ringbackEntries(s.accountId)).slice(entries);
  assert.deepEqual(added.map((e) => e.amount).sort((a, b) => a - b), [-2500, -150]);
  assert.ok(added.every((e) => /^ringback:\d+:resumed:2026-04-11T09:00:00\.000Z$/.test(e.key)), JSON.stringify(added));
  sum = await ledgerSum(core, s.accountId);
  assert.equal(sum.balance, sum.sum);
  assert.equal(on.balance, sum.balance, 'the balance the answer states counts the melodies');
  await pushRingbackChanges(core);
  assert.equal(pushesOf(s.msisdn).length, pushedOn + 2, 'on again: one push');
  assert.deepEqual([platform.current.get(s.msisdn)?.active, platform.current.get(s.msisdn)?.melodies], [true, ['kalinka', 'korobeiniki']]);
  assert.equal((await toneForCaller(core.db, { msisdn: s.msisdn, caller: '79031112233', at: new Date('2026-04-11T10:00:00Z') }))?.melody.code, 'kalinka', 'the rules were kept');
  // The next local midnight charges kalinka's day as usual.
  await runRecurringFees(core, systemCtx('test'), { now: new Date('2026-04-11T21:00:00Z') });
  assert.deepEqual((await ringbackEntries(s.accountId)).slice(entries + 2).map((e) => e.amount), [-150]);
});

test('a melody suspended while the service is off or suspended is not charged; a top-up resumes the service first, then the melody, each once', async (t) => {
  // 2,50 ₽ for the service and 1 ₽ for the melody today: 2 ₽ left — short of the service's next
  // day, enough for the melody's, which must not be charged while the service is suspended.
  const s = await subscriber({ openingBalance: 550 });
  const ctx = subscriberCtx(s.subscriberId);
  await perform(core, ctx, actions['ringback.buy'], s.msisdn, { melody: 'birch_tree' });
  const entries = (await ringbackEntries(s.accountId)).length;
  const back = env.clock.now();
  env.clock.set(new Date('2026-03-10T21:00:00Z'));
  t.after(() => env.clock.set(back));
  await runRecurringFees(core, systemCtx('test'), { now: env.clock.now() });
  const [inst] = await core.db.query<{ status: string }>("SELECT status FROM product_instance WHERE subscriber_id = $1 AND product_code = 'ringback'", [s.subscriberId]);
  assert.equal(inst!.status, 'suspended');
  const status = async () => (await core.db.query<{ status: string }>('SELECT status FROM ringback_tone WHERE subscriber_id = $1', [s.subscriberId]))[0]?.status;
  assert.equal(await status(), 'suspended');
  assert.equal((await ringbackEntries(s.accountId)).length, entries, 'no melody fee while the service is suspended');
  const texts = async () => (await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND direction = 'mt' ORDER BY id", [s.msisdn])).map((m) => m.text).join('\n');
  assert.doesNotMatch(await texts(), /оплаты мелодии/, 'the service\'s own notice is enough');
  await pushRingbackChanges(core);
  const pushed = pushesOf(s.msisdn).length;
  assert.deepEqual([platform.current.get(s.msisdn)?.active, platform.current.get(s.msisdn)?.melodies], [false, []]);

  env.clock.set(new Date('2026-03-11T09:00:00Z'));
  await adjustBalance(core, ctxAs({ kind: 'staff', staffId: 1 }, { idempotencyKey: 'rb-susp-credit' }), { msisdn: s.msisdn, amount: 1000, kind: 'payment', reason: 'cash' });
  assert.equal(await status(), 'active');
  assert.deepEqual((await ringbackEntries(s.accountId)).slice(entries).map((e) => e.amount), [-100]);
  const sum = await ledgerSum(core, s.accountId);
  assert.equal(sum.balance, 200 + 1000 - 250 - 100);
  assert.equal(sum.balance, sum.sum);
  await pushRingbackChanges(core);
  assert.equal(pushesOf(s.msisdn).length, pushed + 1);
  assert.deepEqual([platform.current.get(s.msisdn)?.active, platform.current.get(s.msisdn)?.melodies], [true, ['birch_tree']]);
  assert.match(await texts(), /«Гудок» возобновлена[\s\S]*Мелодия «Во поле берёза стояла» снова звучит/);
});

test('who hears what: a caller alone, a group and a time of day, in the number\'s local time; stop and remove bring back the ringing', async () => {
  const s = await subscriber();
  const ctx = subscriberCtx(s.subscriberId);
  for (const melody of ['ode_to_joy', 'kalinka', 'swan_lake', 'turkish_march']) await perform(core, ctx, actions['ringback.buy'], s.msisdn, { melody });
  const mum = '79161234567';
  const friend = '79261234567';
  await perform(core, ctx, actions['ringback.set'], s.msisdn, { melody: 'ode_to_joy' });
  await perform(core, ctx, actions['ringback.set'], s.msisdn, { melody: 'kalinka', callers: [mum] });
  await perform(core, ctx, actions['ringback.set'], s.msisdn, { melody: 'swan_lake', callers: [mum, friend], group: 'Семья' });
  await perform(core, ctx, actions['ringback.set'], s.msisdn, { melody: 'turkish_march', from: '22:00', to: '07:00' });
  const hears = async (caller: string, at: string) => (await toneForCaller(core.db, { msisdn: s.msisdn, caller, at: new Date(at) }))?.melody.code ?? null;
  assert.equal(await hears(mum, '2026-03-10T09:00:00Z'), 'kalinka');
  assert.equal(await hears(friend, '2026-03-10T09:00:00Z'), 'swan_lake');
  assert.equal(await hears('79031112233', '2026-03-10T09:00:00Z'), 'ode_to_joy');
  assert.equal(await hears('79031112233', '2026-03-10T20:30:00Z'), 'turkish_march', '23:30 in Moscow');
  assert.equal(await hears(friend, '2026-03-10T20:30:00Z'), 'swan_lake', 'a group beats a time of day for everyone');

  await perform(core, ctx, actions['ringback.remove'], s.msisdn, { melody: 'kalinka' });
  assert.equal(await hears(mum, '2026-03-10T09:00:00Z'), 'swan_lake', 'the melody and its rule are gone');
  const library = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM ringback_tone WHERE subscriber_id = $1 AND status = 'active'", [s.subscriberId]);
  assert.equal(library[0]!.n, 3);
  await perform(core, ctx, actions['ringback.remove'], s.msisdn, { all: true });
  assert.equal(await hears(mum, '2026-03-10T09:00:00Z'), null);

  await perform(core, ctx, actions['ringback.set'], s.msisdn, { melody: 'ode_to_joy' });
  await disableProduct(core, ctx, { msisdn: s.msisdn, productCode: 'ringback' });
  assert.equal(await hears(mum, '2026-03-10T09:00:00Z'), null, 'the service off: ordinary ringing');
});

test('the platform receives each change once: a repeated request pushes nothing more, and a second run finds nothing to push', async () => {
  await pushRingbackChanges(core);
  const s = await subscriber();
  const ctx = subscriberCtx(s.subscriberId);
  await perform(core, subscriberCtx(s.subscriberId, { idempotencyKey: 'b1' }), actions['ringback.buy'], s.msisdn, { melody: 'swan_lake' });
  await perform(core, subscriberCtx(s.subscriberId, { idempotencyKey: 'b1' }), actions['ringback.buy'], s.msisdn, { melody: 'swan_lake' });
  const set = await perform(core, ctx, actions['ringback.set'], s.msisdn, { melody: 'swan_lake', from: '08:00', to: '20:00' });
  const same = await perform(core, ctx, actions['ringback.set'], s.msisdn, { melody: 'swan_lake', from: '08:00', to: '20:00' });
  assert.equal(set.changed, true);
  assert.equal(same.changed, false);
  const none = await perform(core, ctx, actions['ringback.remove'], s.msisdn, { all: true });
  assert.equal(none.changed, true);
  const nothing = await perform(core, ctx, actions['ringback.remove'], s.msisdn, { all: true });
  assert.equal(nothing.changed, false);

  assert.equal(await pushRingbackChanges(core), 4, 'service on, melody bought, rule set, rules removed');
  assert.equal(await pushRingbackChanges(core), 0);
  const pushes = pushesOf(s.msisdn);
  assert.deepEqual(pushes.map((p) => p.version), [1, 2, 3, 4]);
  assert.deepEqual(pushes.map((p) => [p.active, p.melodies.length, p.rules.length]), [[true, 0, 0], [true, 1, 0], [true, 1, 1], [true, 1, 0]]);
  assert.deepEqual(pushes[2]!.rules[0], { id: set.rule, melody: 'swan_lake', callers: null, group: null, from: '08:00', to: '20:00' });
  assert.equal(pushes[2]!.timeZone, 'Europe/Moscow');
  assert.equal(platform.current.get(s.msisdn)?.version, 4);
});

test('app API: the catalog with prices in words and previews, buy with an Idempotency-Key (one charge, one push), rules, refusals in the asker\'s language', async () => {
  const s = await subscriber();
  const get = async () => (await app.inject({ url: '/api/v1/subscribers/me/ringback', headers: s.auth })).json<{
    service: string;
    catalog: { code: string; title: { ru: string }; statement: { ru: string; en: string }; preview: { ogg: string; wav: string } }[];
    library: { melody: string; status: string }[];
    rules: { melody: string; callers: string[] | null; from: string | null }[];
    nowForEveryone: string | null;
  }>();
  const o = await get();
  assert.equal(o.service, 'active');
  const kalinka = o.catalog.find((m) => m.code === 'kalinka')!;
  assert.equal(kalinka.title.ru, 'Калинка');
  assert.equal(kalinka.statement.ru, '1,50\u00a0₽/день');
  assert.equal(kalinka.statement.en, 'RUB 1.50/day');
  assert.deepEqual(kalinka.preview, { ogg: '/tones/kalinka.ogg', wav: '/tones/kalinka.wav' });

  await pushRingbackChanges(core);
  const buy = () => app.inject({ method: 'POST', url: '/api/v1/subscribers/me/ringback/library', headers: { ...s.auth, 'idempotency-key': 'web-buy-1' }, payload: { melody: 'kalinka' } });
  const [first, second] = [await buy(), await buy()];
  assert.equal(first.statusCode, 200, first.body);
  assert.deepEqual(second.json(), first.json());
  assert.equal((await ringbackEntries(s.accountId)).length, 1);
  const set = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/ringback/rules', headers: s.auth, payload: { melody: 'kalinka', from: '09:00', to: '18:00' } });
  assert.equal(set.statusCode, 200, set.body);
  assert.equal(await pushRingbackChanges(core), 2, 'the purchase and the rule, once each');
  const now = await get();
  assert.deepEqual(now.library.map((l) => [l.melody, l.status]), [['kalinka', 'active']]);
  assert.deepEqual(now.rules.map((r) => [r.melody, r.callers, r.from]), [['kalinka', null, '09:00']]);
  assert.equal(now.nowForEveryone, 'kalinka', '12:00 in Moscow');

  const notBought = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/ringback/rules', headers: { ...s.auth, 'accept-language': 'en' }, payload: { melody: 'swan_lake' } });
  assert.equal(notBought.statusCode, 409);
  assert.equal(notBought.json<{ title: string }>().title, 'This melody is not in your library: buy it first');
  const badTime = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/ringback/rules', headers: s.auth, payload: { melody: 'kalinka', from: '25:00', to: '07:00' } });
  assert.equal(badTime.statusCode, 400);
  const other = await subscriber();
  const foreign = await app.inject({ url: `/api/v1/subscribers/${other.msisdn}/ringback`, headers: s.auth });
  assert.equal(foreign.statusCode, 404, 'another subscriber\'s tones are not seen');
});

let smsN = 0;
async function sms(from: string, text: string): Promise<string> {
  smsN += 1;
  env.clock.advance(11_000); // 8111 answers a number at most 6 times a minute (a loop guard)
  await handleMo(core, { from, to: '8111', text, smscId: `rb-${smsN}`, gateway: 'test' }, `req-rb-${smsN}`);
  const rows = await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND direction = 'mt' AND short_code = '8111' ORDER BY id DESC LIMIT 1", [from]);
  return rows[0]?.text ?? '';
}

test('SMS: ГУДОК offers the service, lists the melodies by number, ГУДОК 2 states the price and ДА buys and sets it; RINGBACK STOP in English', async () => {
  const s = await subscriber({}, false);
  const offer = await sms(s.msisdn, 'гудок');
  assert.match(offer, /«Гудок»: 2,50\u00a0₽\/день/);
  assert.match(offer, /ДА/);
  assert.match(await sms(s.msisdn, 'ДА'), /Подключено/);
  const list = await sms(s.msisdn, 'ГУДОК');
  assert.match(list, /^Мелодии вместо гудка:/);
  assert.match(list, /2\. «Калинка», Иван Ларионов: 1,50\u00a0₽\/день/);
  assert.match(list, /ГУДОК <номер>/);
  const price = await sms(s.msisdn, 'Гудок 2');
  assert.match(price, /«Калинка», Иван Ларионов: 1,50\u00a0₽\/день\. .*ответьте ДА в течение 10\u00a0минут/);
  assert.equal((await ringbackEntries(s.accountId)).length, 0, 'nothing charged before the reply');
  assert.match(await sms(s.msisdn, 'да'), /Мелодия куплена и звучит для всех звонящих\. Списано 1,50\u00a0₽/);
  assert.equal((await ringbackEntries(s.accountId)).length, 1);
  assert.equal((await toneForCaller(core.db, { msisdn: s.msisdn, caller: '79990001122', at: core.clock.now() }))?.melody.code, 'kalinka');
  assert.match(await sms(s.msisdn, 'ГУДОК'), /«Калинка».*— играет/);
  assert.match(await sms(s.msisdn, 'ГУДОК 99'), /Нет мелодии с номером 99/);
  await core.db.query("UPDATE subscriber SET language = 'en' WHERE id = $1", [s.subscriberId]); // answers come in the number's language
  assert.match(await sms(s.msisdn, 'RINGBACK'), /2\. "Kalinka", Ivan Larionov: RUB 1\.50\/day — playing/);
  assert.match(await sms(s.msisdn, 'RINGBACK STOP'), /^Melodies are off: callers hear ordinary ringing/);
  assert.equal(await toneForCaller(core.db, { msisdn: s.msisdn, caller: '79990001122', at: core.clock.now() }), null);
});

test('USSD *770#: the melodies with prices, one bought and set after the confirm screen that states its price; Latin script; melodies off', async () => {
  const { handset } = await import('../helpers/ussd.ts');
  const s = await subscriber();
  const phone = handset(app, s.msisdn);
  const list = await phone.dial('*770#');
  assert.match(list.text, /^Гудок\. Мелодии:/);
  const pick = (text: string, what: string) => /^(\d+)\D/m.exec(text.split('\n').find((l) => l.includes(what)) ?? '')?.[1] ?? assert.fail(`${what} in ${text}`);
  assert.match(list.text, /Калинка 1,50\u00a0₽\/день/);
  const q = await phone.send(pick(list.text, 'Калинка'));
  assert.match(q.text, /^«Калинка»: 1,50\u00a0₽\/день\. Спишем сейчас 1,50\u00a0₽\.\n1 /);
  assert.equal((await ringbackEntries(s.accountId)).length, 0, 'nothing charged on the confirm screen');
  const done = await phone.send('1');
  assert.equal(done.end, true);
  assert.equal(done.text, 'Теперь все звонящие слышат «Калинка»');
  assert.equal((await ringbackEntries(s.accountId)).length, 1);
  // Every page of the menu ("00" for the next), the session left on the last.
  const all = async (p: typeof phone, first: { text: string }) => {
    let text = first.text;
    for (let page = first; /^00 /m.test(page.text); ) text += `\n${(page = await p.send('00')).text}`;
    return text;
  };
  assert.match(await all(phone, await phone.dial('*770#')), /Калинка 1,50\u00a0₽\/день \(играет\)/);

  await app.inject({ method: 'PATCH', url: '/api/v1/subscribers/me/preferences', headers: s.auth, payload: { script: 'latin' } });
  const latin = handset(app, s.msisdn, { latin: true });
  const l = await all(latin, await latin.dial('*770#'));
  assert.match(l, /^Gudok\. Melodii:/);
  const stop = await latin.send(pick(l, 'Vykl'));
  assert.match(stop.text, /^Melodii vyklyucheny: zvonyashchie slyshat obychnye gudki$/);
  assert.equal(await toneForCaller(core.db, { msisdn: s.msisdn, caller: '79990001122', at: core.clock.now() }), null);
});

test('the service\'s connect offer states the kept melody it resumes and the whole charge today — through the registry, the app API and USSD — and connecting charges exactly that', async () => {
  const { handset } = await import('../helpers/ussd.ts');
  const s = await subscriber();
  const ctx = subscriberCtx(s.subscriberId);
  await perform(core, ctx, actions['ringback.buy'], s.msisdn, { melody: 'kalinka' }); // 1,50 ₽ a day
  await disableProduct(core, ctx, { msisdn: s.msisdn, productCode: 'ringback' });

  const offer = await actions['product.connect'].offer(core, ctx, { msisdn: s.msisdn, productCode: 'ringback' });
  assert.equal(offer.refusal, null);
  const facts = offer.facts!;
  assert.deepEqual(facts.melodies, [{ title: { ru: 'Калинка', en: 'Kalinka' }, price: 150, period: 'day' }]);
  const service = facts.connectionFee + facts.price;
  assert.equal(facts.chargedToday, service + 150, 'the service\'s first day and the melody\'s');
  const total = formatPrice(facts.chargedToday, 'ru');

  const res = await app.inject({ method: 'GET', url: '/api/v1/subscribers/me/products/available', headers: s.auth });
  const item = (res.json() as { items: { code: string; chargeNow: number; statement: { ru: string; en: string }; facts: { melodies?: unknown } }[] }).items.find((i) => i.code === 'ringback')!;
  assert.equal(item.chargeNow, facts.chargedToday);
  assert.match(item.statement.ru, /и мелодии: «Калинка» 1,50\u00a0₽\/день$/);
  assert.match(item.statement.en, /^RUB\s2\.50\/day plus melodies: "Kalinka" RUB\s1\.50\/day$/);
  assert.deepEqual(item.facts.melodies, facts.melodies);

  const phone = handset(app, s.msisdn);
  let page = await phone.dial('*770#');
  let text = page.text;
  while (/^00 /m.test(page.text)) text = `${text.replace(/\n00 .*$/, '')}\n${(page = await phone.send('00')).text}`;
  assert.match(text, new RegExp(`^«Гудок»: 2,50\u00a0₽/день и мелодии: «Калинка» 1,50\u00a0₽/день\\.\\n?\\s?Всего спишем сейчас ${total}\\.\\n1 `));
  const before = (await ledgerSum(core, s.accountId)).balance;
  const done = await phone.send('1');
  assert.equal(done.end, true);
  assert.ok(done.text.replace(/\s/g, ' ').includes(total.replace(/\s/g, ' ')), `the answer names the total charged (${total}): ${done.text}`);
  const after = await ledgerSum(core, s.accountId);
  assert.equal(before - after.balance, facts.chargedToday, 'charged exactly what the offer said');
  assert.equal(after.balance, after.sum);
  const [tone] = await core.db.query<{ status: string }>('SELECT status FROM ringback_tone WHERE subscriber_id = $1', [s.subscriberId]);
  assert.equal(tone!.status, 'active');
});
