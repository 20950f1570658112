import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkSpendingLimits, listContracts, listLimits, removeNumberLimit, setNumberLimit, updateContract } from '../../src/domain/business/limits.ts';
import { listNumbers } from '../../src/domain/business/list-numbers.ts';
import { readRingback } from '../../src/domain/ringback/settings.ts';
import { postEntry } from '../../src/domain/ledger/post-entry.ts';
import { applyBalanceRules } from '../../src/domain/billing/balance-rules.ts';
import { runRecurringFees } from '../../src/domain/billing/run-recurring-fees.ts';
import { listConnectedProducts } from '../../src/domain/services/list-connected-products.ts';
import { ingestUsage, type UsageInput } from '../../src/domain/billing/ingest-usage.ts';
import type { Core } from '../../src/domain/core.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { actions, perform } from '../../src/domain/actions/registry.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { ManualClock } from '../../src/domain/shared/clock.ts';
import { businessLimitsJob } from '../../src/jobs/business-limits.ts';
import { makeCompany, type Company } from '../helpers/business.ts';
import { refusal, secondCore, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';

let env: TestEnv;
let core: Core;
let clock: ManualClock;
let company: Company;
let recordSeq = 0;

before(async () => {
  // Mid-month, Moscow time.
  clock = new ManualClock('2026-03-15T09:00:00Z');
  env = await testCore({ clock });
  core = env.core;
  company = await makeCompany(core, 'ООО Лимит');
});

after(async () => {
  await env?.close();
});

/** Roaming calls: always charged money (roaming never draws on home quotas). */
function calls(msisdn: string, n: number, minutes: number): UsageInput[] {
  return Array.from({ length: n }, () => ({
    recordId: `r-${++recordSeq}`,
    msisdn,
    kind: 'voice' as const,
    zone: 'roaming' as const,
    startedAt: new Date(clock.now().getTime() - 60_000),
    durationSeconds: minutes * 60,
    counterpart: '79990000000',
  }));
}

async function events(subscriberId: number) {
  const ev = await core.db.query<{ period: string; action: string; spent: number }>('SELECT period, action, spent FROM number_limit_event WHERE subscriber_id = $1 ORDER BY period', [subscriberId]);
  const [sms] = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM sms_message m JOIN subscriber s ON s.msisdn = m.msisdn WHERE s.id = $1 AND m.meta->>'kind' = 'business.limit'", [subscriberId]);
  const [audit] = await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE subscriber_id = $1 AND action = 'business.limit.reached'", [subscriberId]);
  return { events: ev, sms: sms!.n, audit: audit!.n };
}

test('a limit reached mid-month under concurrent charges and checks acts exactly once; paid extras are blocked until the month ends', async () => {
  const admin = await company.admin('contract_admin');
  const n = await company.number({ balance: 1_000_000 });
  await setNumberLimit(core, admin.ctx, { msisdn: n.msisdn, amount: 30_000, scope: 'both', action: 'block_extras' });
  assert.deepEqual((await checkSpendingLimits(core)).triggered, [], 'nothing spent yet');
  const other = await secondCore(env);
  // Charges and checks interleave from two instances.
  const work: Promise<unknown>[] = [];
  for (let i = 0; i < 8; i++) {
    work.push(ingestUsage(i % 2 ? core : other, systemCtx('test'), calls(n.msisdn, 5, 3)));
    work.push(checkSpendingLimits(i % 2 ? other : core));
    work.push(businessLimitsJob(i % 2 ? core : other, {}));
  }
  await Promise.all(work);
  await Promise.all([checkSpendingLimits(core), checkSpendingLimits(other), checkSpendingLimits(core)]);
  const [view] = (await listLimits(core, admin.ctx, { msisdn: n.msisdn })).items;
  assert.ok(view!.spent >= 30_000, `spent ${view!.spent} crossed the limit`);
  assert.ok(view!.reachedAt);
  const e = await events(n.subscriberId);
  assert.deepEqual(e.events.map((x) => [x.period, x.action]), [['2026-03', 'block_extras']]);
  assert.equal(e.sms, 1, 'one SMS to the employee');
  assert.equal(e.audit, 1, 'one audit event');
  const [sms] = await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND meta->>'kind' = 'business.limit'", [n.msisdn]);
  assert.match(sms!.text, /лимит/);

  // Paid extras are refused for this number, by any channel; free ones are not.
  await assert.rejects(connectProduct(core, subscriberCtx(n.subscriberId), { msisdn: 'me', productCode: 'internet_plus' }), (err: unknown) => refusal('SERVICE_NOT_ALLOWED')(err) && (err as { params: { reason: string } }).params.reason === 'limit');
  await assert.rejects(connectProduct(core, admin.ctx, { msisdn: n.msisdn, productCode: 'sms_100' }), refusal('SERVICE_NOT_ALLOWED'));
  // More spending does not act again.
  await ingestUsage(core, systemCtx('test'), calls(n.msisdn, 5, 3));
  await checkSpendingLimits(core);
  assert.equal((await events(n.subscriberId)).sms, 1);

  // Next month the block is gone, and the limit acts again once the new month's spend crosses it.
  clock.set('2026-04-02T09:00:00Z');
  assert.deepEqual((await checkSpendingLimits(core)).triggered, []);
  await connectProduct(core, admin.ctx, { msisdn: n.msisdn, productCode: 'sms_100' });
  await ingestUsage(core, systemCtx('test'), calls(n.msisdn, 15, 3));
  const res = await checkSpendingLimits(core);
  assert.deepEqual(res.triggered.map((t) => [t.msisdn, t.action]), [[n.msisdn, 'block_extras']]);
  assert.deepEqual((await events(n.subscriberId)).events.map((x) => x.period), ['2026-03', '2026-04']);
  clock.set('2026-03-15T09:00:00Z');
});

test('the scope decides what counts: an extras limit ignores calls and acts on option fees; notify only tells', async () => {
  clock.set('2026-03-16T09:00:00Z');
  const admin = await company.admin('contract_admin');
  const n = await company.number({ balance: 1_000_000 });
  await setNumberLimit(core, admin.ctx, { msisdn: n.msisdn, amount: 20_000, scope: 'extras', action: 'notify' });
  await ingestUsage(core, systemCtx('test'), calls(n.msisdn, 20, 3));
  await checkSpendingLimits(core);
  assert.equal((await events(n.subscriberId)).events.length, 0, 'calls are the tariff, not extras');
  await connectProduct(core, admin.ctx, { msisdn: n.msisdn, productCode: 'internet_plus' }); // 250 ₽
  await checkSpendingLimits(core);
  const e = await events(n.subscriberId);
  assert.deepEqual(e.events.map((x) => [x.action, Number(x.spent)]), [['notify', 25_000]]);
  assert.equal(e.sms, 1);
  // Notify does not block anything.
  await connectProduct(core, admin.ctx, { msisdn: n.msisdn, productCode: 'sms_100' });
  // A changed limit is judged afresh.
  await setNumberLimit(core, admin.ctx, { msisdn: n.msisdn, amount: 40_000, scope: 'extras', action: 'notify' });
  assert.equal((await events(n.subscriberId)).events.length, 0);
  await checkSpendingLimits(core);
  assert.equal((await events(n.subscriberId)).events.length, 0, '310 ₽ of extras is under 400 ₽');
});

test('the allowed-services filter of the contract refuses content subscriptions and named products with a clear reason, by every channel', async () => {
  const admin = await company.admin('contract_admin');
  const n = await company.number();
  const contractId = company.contracts['77']!;
  const accountant = await company.admin('accountant');
  await assert.rejects(updateContract(core, accountant.ctx, { contractId, denyContent: true }), refusal('FORBIDDEN'));
  const manager = await company.admin('department_manager', company.departments[0]!);
  await assert.rejects(updateContract(core, manager.ctx, { contractId, denyContent: true }), refusal('FORBIDDEN'));
  const view = await updateContract(core, admin.ctx, { contractId, denyContent: true, deniedProducts: ['child_location'] });
  assert.deepEqual([view.denyContent, view.deniedProducts], [true, ['child_location']]);
  const app = await testApp(core);
  try {
    const login = await core.db.query<{ id: number }>('SELECT id FROM subscriber WHERE msisdn = $1', [n.msisdn]);
    const { createSession } = await import('../../src/domain/auth/sessions.ts');
    const token = (await createSession(core.db, core, { kind: 'subscriber', subjectId: login[0]!.id, channel: 'web', method: 'test' })).token;
    const res = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/products', headers: { authorization: `Bearer ${token}` }, payload: { productCode: 'weather' } });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json<{ code: string; title: string }>().code, 'SERVICE_NOT_ALLOWED');
    assert.match(res.json<{ title: string }>().title, /контент/);
    const en = await app.inject({ method: 'POST', url: '/api/v1/subscribers/me/products?lang=en', headers: { authorization: `Bearer ${token}` }, payload: { productCode: 'child_location' } });
    assert.equal(en.json<{ title: string }>().title, 'The company\'s contract does not allow "Child location" on corporate numbers');
  } finally {
    await app.close();
  }
  // Other products, and numbers of other contracts, are unaffected.
  await connectProduct(core, admin.ctx, { msisdn: n.msisdn, productCode: 'internet_plus' });
  const elsewhere = await company.number({ region: '78' });
  await connectProduct(core, admin.ctx, { msisdn: elsewhere.msisdn, productCode: 'weather' });
});

test("the contract's corporate trust limit is one pool its numbers share (not copied onto each account): a number in debt is unblocked when it is raised", async () => {
  const admin = await company.admin('contract_admin');
  const contractId = company.contracts['78']!;
  const n = await company.number({ region: '78', balance: -150_000 });
  const { applyBalanceRules } = await import('../../src/domain/billing/balance-rules.ts');
  await core.db.tx((tx) => applyBalanceRules(tx, core, systemCtx('test'), [n.accountId]));
  const status = async () => (await core.db.query<{ status: string; credit_limit: number }>('SELECT s.status, a.credit_limit FROM subscriber s JOIN account a ON a.id = s.account_id WHERE s.id = $1', [n.subscriberId]))[0]!;
  const pool = async () => {
    const c = (await listContracts(core, admin.ctx)).items.find((x) => x.id === contractId)!;
    return [c.creditLimit, c.poolDebt, c.poolRemaining];
  };
  assert.deepEqual(await status(), { status: 'blocked', credit_limit: 0 });
  const [, debt] = await pool();
  assert.ok(debt! >= 150_000, 'the number owes the pool');
  await updateContract(core, admin.ctx, { contractId, creditLimit: 100_000 });
  // The account's own limit stays 0: the contract's pool is the credit.
  assert.deepEqual(await status(), { status: 'active', credit_limit: 0 });
  assert.deepEqual(await pool(), [100_000, debt, 0]);
  await updateContract(core, admin.ctx, { contractId, creditLimit: 0 });
  assert.deepEqual(await status(), { status: 'blocked', credit_limit: 0 });
  const other = await makeCompany(core, 'ООО Чужой договор');
  await assert.rejects(updateContract(core, (await other.admin('contract_admin')).ctx, { contractId, creditLimit: 5 }), refusal('NOT_FOUND'));
});

test('"block paid extras" suspends connected paid extras exactly once, names them by SMS, charges no fee while held, and resumes them at the local new month or when the limit is raised', async () => {
  // 31 March, 15:00 in Moscow, 22:00 in Vladivostok.
  clock.set('2026-03-31T12:00:00Z');
  const co = await makeCompany(core, 'ООО Удержание', { regions: ['77', '25'] });
  const admin = await co.admin('contract_admin');
  const moscow = await co.number({ region: '77', balance: 1_000_000 });
  const vlad = await co.number({ region: '25', balance: 1_000_000 });
  const raised = await co.number({ region: '77', balance: 1_000_000 });
  await core.db.query("UPDATE subscriber SET language = 'en' WHERE id = $1", [vlad.subscriberId]);
  for (const n of [moscow, vlad, raised]) {
    for (const code of ['weather', 'internet_plus']) await connectProduct(core, admin.ctx, { msisdn: n.msisdn, productCode: code });
    await setNumberLimit(core, admin.ctx, { msisdn: n.msisdn, amount: 20_000, scope: 'both', action: 'block_extras' });
  }
  // The service "Гудок" is a paid extra too: its melodies are held and released with it.
  await connectProduct(core, admin.ctx, { msisdn: raised.msisdn, productCode: 'ringback' });
  await perform(core, subscriberCtx(raised.subscriberId), actions['ringback.buy'], raised.msisdn, { melody: 'kalinka' });
  const tone = async () => (await core.db.query<{ status: string }>('SELECT status FROM ringback_tone WHERE subscriber_id = $1', [raised.subscriberId]))[0]!.status;
  const lastPush = async () => (await core.db.query<{ body: { active: boolean; melodies: string[] } }>('SELECT body FROM ringback_push WHERE subscriber_id = $1 ORDER BY version DESC LIMIT 1', [raised.subscriberId]))[0]!.body;
  const statuses = async (subscriberId: number) =>
    Object.fromEntries((await core.db.query<{ product_code: string; status: string }>('SELECT product_code, status FROM product_instance WHERE subscriber_id = $1 AND status <> \'disabled\' AND product_code IN (\'weather\', \'internet_plus\', \'caller_id\')', [subscriberId])).map((r) => [r.product_code, r.status]));
  const count = async (sql: string, params: unknown[]) => (await core.db.query<{ n: number }>(sql, params))[0]!.n;
  const audits = (subscriberId: number, action: string) => count('SELECT count(*)::int AS n FROM audit_event WHERE subscriber_id = $1 AND action = $2', [subscriberId, action]);
  const smsOf = (msisdn: string, kind: string) => core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND meta->>'kind' = $2 ORDER BY id", [msisdn, kind]);

  // Checks from two instances at once, with usage still arriving.
  const other = await secondCore(env);
  const work: Promise<unknown>[] = [];
  for (let i = 0; i < 6; i++) {
    work.push(checkSpendingLimits(i % 2 ? core : other, { customerId: co.id }));
    work.push(ingestUsage(i % 2 ? other : core, systemCtx('test'), calls(moscow.msisdn, 1, 1)));
  }
  await Promise.all(work);
  for (const n of [moscow, vlad, raised]) {
    assert.deepEqual(await statuses(n.subscriberId), { weather: 'limit_suspended', internet_plus: 'limit_suspended', caller_id: 'active' }, 'paid extras held, free ones not');
    assert.equal(await audits(n.subscriberId, 'business.limit.suspend'), 1, 'suspension audited once');
    assert.equal((await smsOf(n.msisdn, 'business.limit')).length, 1, 'one SMS');
  }
  assert.equal(await tone(), 'suspended', 'the melody held with the service');
  assert.deepEqual([(await lastPush()).active, (await lastPush()).melodies], [false, []], 'the platform told');
  // Every channel says the company holds "Гудок", not the money: a top-up would not release it.
  assert.equal((await readRingback(core.db, { id: raised.subscriberId, accountId: raised.accountId })).service, 'held');
  const app = await testApp(core);
  try {
    const { createSession } = await import('../../src/domain/auth/sessions.ts');
    const { handset } = await import('../helpers/ussd.ts');
    const token = (await createSession(core.db, core, { kind: 'subscriber', subjectId: raised.subscriberId, channel: 'web', method: 'test' })).token;
    const api = await app.inject({ method: 'GET', url: '/api/v1/subscribers/me/ringback', headers: { authorization: `Bearer ${token}` } });
    assert.equal(api.json<{ service: string }>().service, 'held');
    const ussd = await handset(app, raised.msisdn).dial('*770#');
    assert.equal(ussd.text.replace(/\s+/g, ' '), 'Гудок приостановлен компанией. Вернуть его может администратор договора');
    assert.doesNotMatch(ussd.text, /пополн|денег/);
    const script = (to: string) => app.inject({ method: 'PATCH', url: '/api/v1/subscribers/me/preferences', headers: { authorization: `Bearer ${token}` }, payload: { script: to } });
    await script('latin');
    const latin = await handset(app, raised.msisdn, { latin: true }).dial('*770#');
    await script('cyrillic');
    const { handleMo } = await import('../../src/channels/sms/handle-mo.ts');
    await handleMo(core, { from: raised.msisdn, to: '8111', text: 'ГУДОК', smscId: 'held-rb', gateway: 'test' }, 'req-held-rb');
    const [reply] = await core.db.query<{ text: string }>("SELECT text FROM sms_message WHERE msisdn = $1 AND direction = 'mt' AND short_code = '8111' ORDER BY id DESC LIMIT 1", [raised.msisdn]);
    assert.match(reply!.text, /^Услуга «Гудок» приостановлена компанией: .*администратор договора/);
    assert.doesNotMatch(reply!.text, /пополн|денег/);
    assert.match(latin.text.replace(/\s+/g, ' '), /^Gudok priostanovlen kompaniey\. Vernut ego mozhet administrator dogovora$/);
  } finally {
    await app.close();
  }
  const [ru] = await smsOf(moscow.msisdn, 'business.limit');
  assert.match(ru!.text, /Платные услуги приостановлены до конца месяца: «Интернет Плюс», «Погода»/);
  const [en] = await smsOf(vlad.msisdn, 'business.limit');
  assert.match(en!.text, /Paid extras are suspended until the end of the month: "Internet Plus", "Weather"/);

  // The portal's number card and limits list, and the employee's own services list, show them as suspended.
  const card = (await listNumbers(core, admin.ctx, { q: moscow.msisdn })).items[0]!;
  assert.deepEqual(card.suspendedExtras.map((x) => x.code).sort(), ['internet_plus', 'weather']);
  assert.deepEqual((await listLimits(core, admin.ctx, { msisdn: moscow.msisdn })).items[0]!.suspendedExtras.map((x) => x.code).sort(), ['internet_plus', 'weather']);
  const own = await listConnectedProducts(core, subscriberCtx(moscow.subscriberId), { msisdn: 'me' });
  assert.deepEqual(own.paid.map((p) => [p.code, p.status]).sort(), [['internet_plus', 'limit_suspended'], ['weather', 'limit_suspended']]);

  // A top-up does not bring them back (that is for products out of money).
  await core.db.tx(async (tx) => {
    await postEntry(tx, { accountId: moscow.accountId, amount: 500_000, kind: 'payment', category: 'payment', idempotencyKey: 'held-topup', at: clock.now() });
    await applyBalanceRules(tx, core, systemCtx('test'), [moscow.accountId]);
  });
  assert.equal((await statuses(moscow.subscriberId)).weather, 'limit_suspended');

  // 23:00 in Moscow, 06:00 on 1 April in Vladivostok: the daily fees fall due, none is charged for a held extra.
  clock.set('2026-03-31T20:00:00Z');
  const fees = (accountId: number, code: string) => count('SELECT count(*)::int AS n FROM ledger_entry WHERE account_id = $1 AND product_code = $2', [accountId, code]);
  const before = { moscow: await fees(moscow.accountId, 'weather'), vlad: await fees(vlad.accountId, 'weather') };
  await runRecurringFees(core, systemCtx('test'), { now: clock.now() });
  assert.equal(await fees(moscow.accountId, 'weather'), before.moscow, 'no fee while held');
  assert.equal(await fees(vlad.accountId, 'weather'), before.vlad, 'no fee while held');

  // Vladivostok's April has begun, Moscow's has not: only the Vladivostok number's extras resume, once.
  const [a, b] = await Promise.all([checkSpendingLimits(core, { customerId: co.id }), checkSpendingLimits(other, { customerId: co.id })]);
  assert.deepEqual([...a!.resumed, ...b!.resumed].map((r) => [r.msisdn, r.products.sort()]), [[vlad.msisdn, ['internet_plus', 'weather']]]);
  assert.deepEqual(await statuses(vlad.subscriberId), { weather: 'active', internet_plus: 'active', caller_id: 'active' });
  assert.equal((await statuses(moscow.subscriberId)).weather, 'limit_suspended');
  assert.equal(await audits(vlad.subscriberId, 'business.limit.resume'), 1);
  assert.match((await smsOf(vlad.msisdn, 'business.limit.resume'))[0]!.text, /back on: "Internet Plus", "Weather"/);
  // The resumed daily extra is due at once and charged exactly once, from now on.
  await runRecurringFees(core, systemCtx('test'), { now: clock.now() });
  await runRecurringFees(core, systemCtx('test'), { now: clock.now() });
  assert.equal(await fees(vlad.accountId, 'weather'), before.vlad + 1);

  // An admin raising the limit above the month's spend resumes at once; removing it too.
  await setNumberLimit(core, admin.ctx, { msisdn: raised.msisdn, amount: 50_000, scope: 'both', action: 'block_extras' });
  assert.deepEqual(await statuses(raised.subscriberId), { weather: 'active', internet_plus: 'active', caller_id: 'active' });
  const [resume] = await core.db.query<{ details: { reason: string } }>("SELECT details FROM audit_event WHERE subscriber_id = $1 AND action = 'business.limit.resume'", [raised.subscriberId]);
  assert.equal(resume!.details.reason, 'limit_raised');
  assert.equal(await tone(), 'active', 'the melody back with the service');
  assert.deepEqual([(await lastPush()).active, (await lastPush()).melodies], [true, ['kalinka']]);
  // Its next day is charged by the fee run at the local midnight, once.
  const melodyFees = () => count("SELECT count(*)::int AS n FROM ledger_entry WHERE account_id = $1 AND idempotency_key LIKE 'ringback:%'", [raised.accountId]);
  const bought = await melodyFees();
  await runRecurringFees(core, systemCtx('test'), { now: new Date('2026-03-31T21:00:00Z') });
  await runRecurringFees(core, systemCtx('test'), { now: new Date('2026-03-31T21:00:00Z') });
  assert.equal(await melodyFees(), bought + 1);
  await removeNumberLimit(core, admin.ctx, { msisdn: moscow.msisdn });
  assert.deepEqual(await statuses(moscow.subscriberId), { weather: 'active', internet_plus: 'active', caller_id: 'active' });
  // Nothing more to resume, whoever asks.
  assert.deepEqual((await checkSpendingLimits(core, { customerId: co.id })).resumed, []);
  clock.set('2026-03-15T09:00:00Z');
});
