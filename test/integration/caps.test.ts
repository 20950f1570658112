import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { handleMo } from '../../src/channels/sms/handle-mo.ts';
import { capsAction, perform } from '../../src/domain/actions/registry.ts';
import { ingestUsage, type UsageInput } from '../../src/domain/billing/ingest-usage.ts';
import type { Core } from '../../src/domain/core.ts';
import { handset } from '../helpers/ussd.ts';
import { bearerFor, ctxAs, ledgerSum, makeSubscriber, refusal, secondCore, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
let app: FastifyInstance;
before(async () => {
  env = await testCore();
  core = env.core;
  app = await testApp(core);
});
after(async () => {
  await app.close();
  await env.close();
});

const op = () => ctxAs({ kind: 'operator_api', apiKeyId: 1 }, { channel: 'tmf' });
let n = 0;
const rec = (msisdn: string, r: Partial<UsageInput>): UsageInput => ({ recordId: `c-${++n}`, msisdn, kind: 'voice', zone: 'home', startedAt: env.clock.now(), durationSeconds: 60, ...r });
const noQuotas = (subscriberId: number) => core.db.query('UPDATE quota SET used = included WHERE subscriber_id = $1', [subscriberId]);
const spentThisMonth = async (accountId: number, category?: string) =>
  Number(
    (
      await core.db.query<{ s: number }>(
        "SELECT coalesce(sum(-amount), 0)::bigint AS s FROM ledger_entry WHERE account_id = $1 AND amount < 0 AND kind = 'usage' AND ($2::text IS NULL OR category = $2)",
        [accountId, category ?? null],
      )
    )[0]!.s,
  );

test('a monthly cap: the record that would pass it is refused with SPENDING_CAP, booked at 0, visible in the detail, alerted once', async () => {
  env.clock.set(new Date('2026-03-10T09:00:00Z'));
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  await noQuotas(s.subscriberId);
  await perform(core, subscriberCtx(s.subscriberId), capsAction, 'me', { monthly: 1_000 });
  // Calls at 2.50 ₽ a minute: 4 minutes fit in 10 ₽, the 5th does not.
  const res = await ingestUsage(core, op(), [1, 2, 3, 4, 5, 6].map((i) => rec(s.msisdn, { recordId: `m-${s.msisdn}-${i}` })));
  assert.equal(res.accepted, 6);
  assert.equal(res.charged, 1_000);
  assert.deepEqual(res.refused, [
    { recordId: `m-${s.msisdn}-5`, reason: 'SPENDING_CAP' },
    { recordId: `m-${s.msisdn}-6`, reason: 'SPENDING_CAP' },
  ]);
  const rows = await core.db.query<{ charged: number; refused: string | null }>('SELECT charged, refused FROM usage_record WHERE subscriber_id = $1 ORDER BY record_id', [s.subscriberId]);
  assert.deepEqual(rows.map((r) => [Number(r.charged), r.refused]), [[250, null], [250, null], [250, null], [250, null], [0, 'SPENDING_CAP'], [0, 'SPENDING_CAP']]);
  const alerts = await core.db.query<{ kind: string; text_ru: string }>('SELECT kind, text_ru FROM alert WHERE subscriber_id = $1', [s.subscriberId]);
  assert.deepEqual(alerts.map((a) => a.kind), ['cap_spending'], 'told once, though it chose no alerts');
  assert.match(alerts[0]!.text_ru, /^Достигнут ваш лимит расходов 10\u00a0₽ в месяц/);
  // A free record (from a package) still goes through.
  await core.db.query("UPDATE quota SET used = 0 WHERE subscriber_id = $1 AND unit = 'sms'", [s.subscriberId]);
  const free = await ingestUsage(core, op(), [rec(s.msisdn, { kind: 'sms', durationSeconds: null })]);
  assert.equal(free.refused, undefined);
  // Raising the cap lets usage through again.
  await perform(core, subscriberCtx(s.subscriberId), capsAction, 'me', { monthly: 2_000 });
  const more = await ingestUsage(core, op(), [rec(s.msisdn, {})]);
  assert.deepEqual([more.charged, more.refused], [250, undefined]);
});

test('the roaming cap holds by default at 5,000 ₽ a month; roaming records beyond it are ROAMING_CAP', async () => {
  env.clock.set(new Date('2026-03-10T09:00:00Z'));
  const s = await makeSubscriber(core, { openingBalance: 1_000_000 });
  const offer = await capsAction.offer(core, subscriberCtx(s.subscriberId), { msisdn: 'me' });
  assert.deepEqual(offer.details, { msisdn: s.msisdn, monthly: null, roaming: 500_000, dataHard: false });
  const res = await ingestUsage(core, op(), Array.from({ length: 40 }, () => rec(s.msisdn, { zone: 'roaming', durationSeconds: 600 })));
  const roaming = await spentThisMonth(s.accountId, 'roaming');
  assert.ok(roaming <= 500_000, `roaming ${roaming}`);
  assert.ok(res.refused && res.refused.length > 0 && res.refused.every((r) => r.reason === 'ROAMING_CAP'));
  assert.equal((await ledgerSum(core, s.accountId)).balance, 1_000_000 - roaming);
});

test('the month a cap counts is the number’s own: a charge at 01:00 on the 1st in Vladivostok (still the 31st in Moscow) starts a new month there, kept by the ledger; verify finds a changed month', async () => {
  const vvo = await makeSubscriber(core, { openingBalance: 100_000, regionCode: '25' });
  await noQuotas(vvo.subscriberId);
  await perform(core, subscriberCtx(vvo.subscriberId), capsAction, 'me', { monthly: 1_000 });
  // 31 March 12:00Z is 22:00 that day in Vladivostok (UTC+10); 15:00Z is 01:00 on 1 April there, 18:00 on 31 March in Moscow.
  env.clock.set(new Date('2026-03-31T12:00:00Z'));
  const march = await ingestUsage(core, op(), [1, 2, 3, 4].map((i) => rec(vvo.msisdn, { recordId: `v-mar-${i}`, startedAt: new Date('2026-03-31T12:00:00Z') })));
  assert.equal(march.charged, 1_000);
  env.clock.set(new Date('2026-03-31T15:00:00Z'));
  const april = await ingestUsage(core, op(), [1, 2, 3, 4, 5].map((i) => rec(vvo.msisdn, { recordId: `v-apr-${i}`, startedAt: new Date('2026-03-31T14:30:00Z') })));
  assert.equal(april.charged, 1_000, 'the 10 ₽ cap starts again with April in Vladivostok');
  assert.deepEqual(april.refused, [{ recordId: 'v-apr-5', reason: 'SPENDING_CAP' }]);
  const months = await core.db.query<{ month_start: Date; spent: number }>('SELECT month_start, spent FROM account_month_spend WHERE account_id = $1 ORDER BY month_start', [vvo.accountId]);
  assert.deepEqual(months.map((m) => [m.month_start.toISOString(), Number(m.spent)]), [
    ['2026-02-28T14:00:00.000Z', 1_000],
    ['2026-03-31T14:00:00.000Z', 1_000],
  ]);
  const { verifyLedger } = await import('../../src/domain/ledger/verify-ledger.ts');
  assert.equal((await verifyLedger(core.db)).monthSpendMismatches, 0);
  await core.db.query('UPDATE account_month_spend SET spent = spent - 1 WHERE account_id = $1 AND month_start = $2', [vvo.accountId, months[1]!.month_start]);
  assert.equal((await verifyLedger(core.db)).monthSpendMismatches, 1);
  await core.db.query('UPDATE account_month_spend SET spent = spent + 1 WHERE account_id = $1 AND month_start = $2', [vvo.accountId, months[1]!.month_start]);
});

test('the data hard cap: data past the packages is refused with DATA_CAP and draws nothing', async () => {
  env.clock.set(new Date('2026-03-10T09:00:00Z'));
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  await perform(core, subscriberCtx(s.subscriberId), capsAction, 'me', { dataHard: true });
  await core.db.query("UPDATE quota SET used = included - 102400 WHERE subscriber_id = $1 AND unit = 'bytes'", [s.subscriberId]);
  const res = await ingestUsage(core, op(), [rec(s.msisdn, { kind: 'data', bytes: 50_000, durationSeconds: null }), rec(s.msisdn, { kind: 'data', bytes: 300_000, durationSeconds: null })]);
  assert.equal(res.charged, 0);
  assert.deepEqual(res.refused?.map((r) => r.reason), ['DATA_CAP']);
  const left = await core.db.query<{ left: number }>("SELECT (included - used)::bigint AS left FROM quota WHERE subscriber_id = $1 AND unit = 'bytes'", [s.subscriberId]);
  assert.equal(Number(left[0]!.left), 0, 'the first used the last 100 KB; the refused one took nothing back or more');
});

test('property: whatever the records and however concurrent batches interleave, the monthly cap is never passed', async () => {
  env.clock.set(new Date('2026-03-10T09:00:00Z'));
  const other = await secondCore(env);
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 100, max: 5_000 }),
      fc.array(fc.array(fc.record({ seconds: fc.integer({ min: 1, max: 900 }), roaming: fc.boolean() }), { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 5 }),
      async (cap, batches) => {
        const s = await makeSubscriber(core, { openingBalance: 1_000_000 });
        await noQuotas(s.subscriberId);
        await perform(core, subscriberCtx(s.subscriberId), capsAction, 'me', { monthly: cap, roaming: Math.floor(cap / 2) });
        await Promise.all(batches.map((b, i) => ingestUsage(i % 2 ? other : core, op(), b.map((r) => rec(s.msisdn, { durationSeconds: r.seconds, zone: r.roaming ? 'roaming' : 'home' })))));
        const spent = await spentThisMonth(s.accountId);
        const roaming = await spentThisMonth(s.accountId, 'roaming');
        assert.ok(spent <= cap, `spent ${spent} > cap ${cap}`);
        assert.ok(roaming <= Math.floor(cap / 2), `roaming ${roaming} > ${Math.floor(cap / 2)}`);
        const booked = await core.db.query<{ n: number }>('SELECT count(*)::int AS n FROM usage_record WHERE subscriber_id = $1', [s.subscriberId]);
        assert.equal(booked[0]!.n, batches.flat().length, 'every record booked, refused or not');
      },
    ),
    { numRuns: 15 },
  );
});

test('caps from the app API: read, change, bounds in both languages, nobody else’s number; the detail shows a refusal', async () => {
  env.clock.set(new Date('2026-03-10T09:00:00Z'));
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  const o = await makeSubscriber(core, { openingBalance: 100_000 });
  const auth = await bearerFor(core, app, s);
  assert.deepEqual((await app.inject({ url: '/api/v1/subscribers/me/caps', headers: auth })).json(), { msisdn: s.msisdn, monthly: null, roaming: 500_000, dataHard: false });
  const set = await app.inject({ method: 'PATCH', url: '/api/v1/subscribers/me/caps', headers: auth, payload: { monthly: 100, roaming: 0 } });
  assert.equal(set.statusCode, 200, set.body);
  const bad = await app.inject({ method: 'PATCH', url: '/api/v1/subscribers/me/caps', headers: auth, payload: { monthly: 50 } });
  assert.deepEqual([bad.statusCode, bad.json<{ title: string }>().title], [422, 'Сумма должна быть от 1,00\u00a0₽ до 1\u00a0000\u00a0000,00\u00a0₽']);
  const badEn = await app.inject({ method: 'PATCH', url: '/api/v1/subscribers/me/caps', headers: { ...auth, 'accept-language': 'en' }, payload: { roaming: -1 } });
  assert.equal(badEn.json<{ title: string }>().title, 'The amount must be between RUB 0.00 and RUB 1,000,000.00');
  assert.equal((await app.inject({ method: 'PATCH', url: `/api/v1/subscribers/${o.msisdn}/caps`, headers: auth, payload: { monthly: 100 } })).statusCode, 404);
  await assert.rejects(perform(core, subscriberCtx(s.subscriberId), capsAction, o.msisdn, { monthly: 1_000 }), refusal('SUBSCRIBER_NOT_FOUND'));

  await ingestUsage(core, op(), [rec(s.msisdn, { zone: 'roaming', durationSeconds: 60 })]);
  const detail = await app.inject({ url: '/api/v1/subscribers/me/usage', headers: auth });
  assert.equal(detail.statusCode, 200, detail.body);
  const items = detail.json<{ items: { zone: string; charged: number; refused: string | null }[] }>().items;
  assert.deepEqual(items.map((i) => [i.zone, i.charged, i.refused]), [['roaming', 0, 'ROAMING_CAP']]);
});

test('SMS: ЛИМИТ states the caps; roubles set the monthly cap, РОУМИНГ the roaming cap, ИНТЕРНЕТ the data hard cap; nonsense gets the usage', async () => {
  const s = await makeSubscriber(core);
  let k = 0;
  const sms = async (text: string) => {
    env.clock.advance(5 * 60_000); // MO replies are rate-limited per minute
    assert.equal(await handleMo(core, { from: s.msisdn, to: '8111', text, smscId: `cap-${s.msisdn}-${++k}`, gateway: 'test' }, `req-cap-${k}`), 'replied');
    return (await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND direction = 'mt' ORDER BY id DESC LIMIT 1", [s.msisdn]))[0]!.text;
  };
  assert.equal(await sms('лимит'), 'Лимиты: в месяц — нет; роуминг — 5\u00a0000\u00a0₽ в месяц; интернет сверх пакета — разрешён.');
  assert.equal(await sms('ЛИМИТ 1500'), 'Лимиты: в месяц — 1\u00a0500\u00a0₽; роуминг — 5\u00a0000\u00a0₽ в месяц; интернет сверх пакета — разрешён.');
  await sms('ЛИМИТ РОУМИНГ 2000');
  assert.equal(await sms('лимит интернет'), 'Лимиты: в месяц — 1\u00a0500\u00a0₽; роуминг — 2\u00a0000\u00a0₽ в месяц; интернет сверх пакета — запрещён.');
  assert.match(await sms('ЛИМИТ много'), /^Не понял\. ЛИМИТ 1000/);
  await sms('ЛИМИТ 0');
  assert.deepEqual((await capsAction.offer(core, subscriberCtx(s.subscriberId), { msisdn: 'me' })).details, { msisdn: s.msisdn, monthly: null, roaming: 200_000, dataHard: true });
  const audit = await core.db.query<{ channel: string }>("SELECT channel FROM audit_event WHERE subscriber_id = $1 AND action = 'caps.settings' AND outcome = 'ok'", [s.subscriberId]);
  assert.deepEqual(audit.map((a) => a.channel), ['sms', 'sms', 'sms', 'sms']);
});

test('USSD: settings → caps states them; typed roubles set the monthly and roaming caps; 3 switches data beyond packages', async () => {
  const s = await makeSubscriber(core);
  const phone = handset(app, s.msisdn);
  let p = await phone.dial('*111*6*5#');
  assert.match(p.text, /^1 В месяц: нет\n2 Роуминг: 5\s?000\s?₽\n3 Интернет сверх пакета: да\n0 Назад$/u);
  await phone.send('1');
  p = await phone.send('700');
  assert.equal(p.end, true);
  assert.match(p.text, /^Лимиты: в месяц 700/);
  await phone.dial('*111*6*5#');
  await phone.send('2');
  p = await phone.send('2000000');
  assert.match(p.text, /^Сумма должна быть от/);
  await phone.dial('*111*6*5*3#');
  assert.deepEqual((await capsAction.offer(core, subscriberCtx(s.subscriberId), { msisdn: 'me' })).details, { msisdn: s.msisdn, monthly: 70_000, roaming: 500_000, dataHard: true });
  const audit = await core.db.query<{ channel: string }>("SELECT channel FROM audit_event WHERE subscriber_id = $1 AND action = 'caps.settings' AND outcome = 'ok'", [s.subscriberId]);
  assert.deepEqual(audit.map((a) => a.channel), ['ussd', 'ussd']);
});

test('"continue for 99 ₽" lifts the data hard cap until the month ends: charged once (a repeat charges 0), from the app API and USSD; the next month the cap is back', async () => {
  env.clock.set(new Date('2026-03-10T09:00:00Z'));
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  const auth = await bearerFor(core, app, s);
  // Without the data hard cap there is nothing to lift, in both languages.
  const off = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/caps/data-lift', headers: auth });
  assert.deepEqual([off.statusCode, off.json<{ title: string }>().title], [409, 'Интернет сверх пакета и так разрешён: продлевать нечего']);
  const offEn = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/caps/data-lift', headers: { ...auth, 'accept-language': 'en' } });
  assert.equal(offEn.json<{ title: string }>().title, 'Data beyond your packages is already allowed: there is nothing to lift');

  await perform(core, subscriberCtx(s.subscriberId), capsAction, 'me', { dataHard: true });
  await noQuotas(s.subscriberId);
  const data = () => rec(s.msisdn, { kind: 'data', bytes: 1_024_000, durationSeconds: null });
  assert.deepEqual((await ingestUsage(core, op(), [data()])).refused?.map((r) => r.reason), ['DATA_CAP']);
  const offer = (await app.inject({ url: '/api/v1/subscribers/me/caps/data-lift', headers: auth })).json();
  assert.deepEqual([offer.shown, offer.refusal, offer.fee, offer.facts.chargedToday, offer.liftedUntil, offer.periodEnd], [true, null, 9_900, 9_900, null, '2026-03-31T21:00:00.000Z']);

  const first = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/caps/data-lift', headers: { ...auth, 'idempotency-key': `lift-${s.msisdn}` } });
  assert.equal(first.statusCode, 201, first.body);
  assert.deepEqual(first.json(), { msisdn: s.msisdn, charged: 9_900, liftedUntil: '2026-03-31T21:00:00.000Z' });
  const again = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/caps/data-lift', headers: { ...auth, 'idempotency-key': `lift-${s.msisdn}` } });
  assert.deepEqual(again.json(), first.json(), 'the same key answers the first result');
  const other = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/caps/data-lift', headers: auth });
  assert.equal(other.json<{ charged: number }>().charged, 0, 'the month is paid once');
  const lifts = await core.db.query<{ amount: number; key: string }>("SELECT amount, idempotency_key AS key FROM ledger_entry WHERE account_id = $1 AND idempotency_key LIKE 'data_lift:%'", [s.accountId]);
  assert.deepEqual(lifts.map((l) => [Number(l.amount), l.key]), [[-9_900, `data_lift:${s.subscriberId}:2026-03`]]);
  // Data now goes through, charged per MB; the offer is no longer shown.
  const paid = await ingestUsage(core, op(), [data()]);
  assert.deepEqual([paid.refused, paid.charged > 0], [undefined, true]);
  assert.equal((await app.inject({ url: '/api/v1/subscribers/me/caps/data-lift', headers: auth })).json<{ shown: boolean }>().shown, false);
  const l = await ledgerSum(core, s.accountId);
  assert.equal(Number(l.balance), Number(l.sum));

  // April in Moscow: the cap holds again, and USSD offers the lift in the caps menu.
  env.clock.set(new Date('2026-04-02T09:00:00Z'));
  await noQuotas(s.subscriberId);
  assert.deepEqual((await ingestUsage(core, op(), [data()])).refused?.map((r) => r.reason), ['DATA_CAP']);
  const phone = handset(app, s.msisdn);
  let p = await phone.dial('*111*6*5#');
  assert.match(p.text, /^3 Интернет сверх пакета: нет\n00 Далее$/mu);
  p = await phone.send('00');
  assert.match(p.text, /^4 Продолжить интернет за 99\s?₽$/mu);
  p = await phone.send('4');
  assert.match(p.text, /^Интернет сверх пакета до конца месяца: 99\s?₽/u);
  while (!/^1 /mu.test(p.text)) p = await phone.send('00');
  p = await phone.send('1');
  assert.equal(p.text, 'Интернет сверх пакета разрешён до конца месяца.');
  const april = await core.db.query<{ key: string }>("SELECT idempotency_key AS key FROM ledger_entry WHERE account_id = $1 AND idempotency_key LIKE 'data_lift:%' ORDER BY id", [s.accountId]);
  assert.deepEqual(april.map((x) => x.key), [`data_lift:${s.subscriberId}:2026-03`, `data_lift:${s.subscriberId}:2026-04`]);
  const audit = await core.db.query<{ channel: string }>("SELECT channel FROM audit_event WHERE subscriber_id = $1 AND action = 'caps.lift_data' AND outcome = 'ok' ORDER BY id", [s.subscriberId]);
  assert.deepEqual(audit.map((a) => a.channel), ['web', 'ussd'], 'each lift bought is audited once');
});

test('SMS ЕЩЁ: "continue for 99 ₽" stated with its price, lifted on ДА and charged once; the same message again is not run twice; without the cap it is refused in words', async () => {
  env.clock.set(new Date('2026-05-10T09:00:00Z'));
  const s = await makeSubscriber(core, { openingBalance: 100_000 });
  const sms = async (text: string, smscId: string) => {
    env.clock.advance(5 * 60_000); // MO replies are rate-limited per minute
    const outcome = await handleMo(core, { from: s.msisdn, to: '8111', text, smscId, gateway: 'test' }, `req-${smscId}`);
    return { outcome, reply: (await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND direction = 'mt' ORDER BY id DESC LIMIT 1", [s.msisdn]))[0]?.text };
  };
  const off = await sms('ещё', `more-${s.msisdn}-0`);
  assert.equal(off.reply, 'Интернет сверх пакета и так разрешён: продлевать нечего');
  await perform(core, subscriberCtx(s.subscriberId), capsAction, 'me', { dataHard: true });
  const asked = await sms('ЕЩЕ', `more-${s.msisdn}-1`);
  assert.match(asked.reply!, /^Интернет сверх пакета до конца месяца: 99\s₽ разово\. Спишем сейчас 99\s₽\. Чтобы продолжить, ответьте ДА в течение 10\sминут\.$/u);
  const yes = await sms('да', `more-${s.msisdn}-2`);
  assert.equal(yes.reply, 'Интернет сверх пакета разрешён до конца месяца. Списано 99,00\u00a0₽.');
  assert.equal((await sms('да', `more-${s.msisdn}-2`)).outcome, 'duplicate', 'the same message id is handled once');
  assert.equal((await sms('MORE', `more-${s.msisdn}-3`)).reply, 'Интернет сверх пакета уже разрешён до конца месяца.');
  const lifts = await core.db.query<{ amount: number }>("SELECT amount FROM ledger_entry WHERE account_id = $1 AND idempotency_key LIKE 'data_lift:%'", [s.accountId]);
  assert.deepEqual(lifts.map((l) => Number(l.amount)), [-9_900]);
  const audit = await core.db.query<{ channel: string }>("SELECT channel FROM audit_event WHERE subscriber_id = $1 AND action = 'caps.lift_data' AND outcome = 'ok'", [s.subscriberId]);
  assert.deepEqual(audit.map((a) => a.channel), ['sms']);
  await core.db.query("UPDATE subscriber SET language = 'en' WHERE id = $1", [s.subscriberId]);
  env.clock.set(new Date('2026-06-02T09:00:00Z'));
  assert.match((await sms('more', `more-${s.msisdn}-4`)).reply!, /^Data beyond the packages until the month ends: RUB 99.*Reply YES within 10\sminutes to continue\.$/u);
});
