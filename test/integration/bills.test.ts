import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SandboxProvider } from '../../src/adapters/payments/sandbox.ts';
import { SANDBOX_CARDS } from '../../src/adapters/payments/sandbox.ts';
import { ingestUsage, type UsageInput } from '../../src/domain/billing/ingest-usage.ts';
import { expirePromisedPayments, takePromisedPayment } from '../../src/domain/billing/promised-payment.ts';
import { runRecurringFees } from '../../src/domain/billing/run-recurring-fees.ts';
import { issueDueBills } from '../../src/domain/bills/issue-bills.ts';
import type { BillLine } from '../../src/domain/bills/lines.ts';
import { verifyBills } from '../../src/domain/bills/verify-bills.ts';
import type { Core } from '../../src/domain/core.ts';
import { adjustBalance } from '../../src/domain/ledger/adjust-balance.ts';
import { refundPayment } from '../../src/domain/payments/refund-payment.ts';
import { startTopUp } from '../../src/domain/payments/top-up.ts';
import { connectProduct } from '../../src/domain/services/connect-product.ts';
import { systemCtx } from '../../src/domain/shared/context.ts';
import { billsJob } from '../../src/jobs/bills.ts';
import { makeCompany } from '../helpers/business.ts';
import { createSession } from '../../src/domain/auth/sessions.ts';
import { ctxAs, makeSubscriber, secondCore, subscriberCtx, testApp, testCore, type TestEnv } from '../helpers/core.ts';
import { pdfText } from '../helpers/pdf.ts';

let env: TestEnv;
let core: Core;
before(async () => {
  env = await testCore();
  core = env.core;
});
after(() => env.close());

const op = () => ctxAs({ kind: 'operator_api', apiKeyId: 1 }, { channel: 'tmf' });
const staff = (key: string) => ctxAs({ kind: 'staff', staffId: 1 }, { channel: 'staff', idempotencyKey: key });
let n = 0;
const call = (msisdn: string, r: Partial<UsageInput> = {}): UsageInput => ({
  recordId: `bill-${++n}`,
  msisdn,
  kind: 'voice',
  zone: 'roaming',
  startedAt: env.clock.now(),
  durationSeconds: 125,
  ...r,
});

interface BillRow {
  id: string;
  number: string;
  period: string;
  period_start: Date;
  period_end: Date;
  opening_balance: number;
  closing_balance: number;
  charges: number;
  credits: number;
  lines: BillLine[];
  pdf: Buffer;
}

async function bills(where: string, id: number): Promise<BillRow[]> {
  const rows = await core.db.query<BillRow>(`SELECT * FROM bill WHERE ${where} = $1 ORDER BY period`, [id]);
  return rows.map((r) => ({ ...r, opening_balance: Number(r.opening_balance), closing_balance: Number(r.closing_balance), charges: Number(r.charges), credits: Number(r.credits), pdf: Buffer.from(r.pdf) }));
}

async function movement(accounts: number[], from: Date, to: Date): Promise<number> {
  const [r] = await core.db.query<{ sum: number }>('SELECT COALESCE(sum(amount), 0)::bigint AS sum FROM ledger_entry WHERE account_id = ANY($1::bigint[]) AND created_at >= $2 AND created_at < $3', [accounts, from, to]);
  return Number(r!.sum);
}

const sum = (lines: BillLine[]) => lines.reduce((a, l) => a + l.amount, 0);
const amountOf = (b: BillRow, type: string) => b.lines.filter((l) => l.type === type).reduce((a, l) => a + l.amount, 0);

async function payByCard(msisdn: string, subscriberId: number, amount: number): Promise<string> {
  const started = await startTopUp(core, subscriberCtx(subscriberId, { idempotencyKey: `pay-${++n}` }), { msisdn, amount });
  const [p] = await core.db.query<{ provider_ref: string }>('SELECT provider_ref FROM payment WHERE id = $1', [started.paymentId]);
  await (core.payments as SandboxProvider).complete(p!.provider_ref, { action: 'pay', card: SANDBOX_CARDS.success });
  return started.paymentId;
}

test('three months of usage, fees, payments, a refund and a promised payment: each bill sums the ledger, opens with the last closing, a late correction lands on the next bill', async () => {
  env.clock.set('2026-01-12T09:00:00Z');
  const s = await makeSubscriber(core, { openingBalance: 30_000 });
  const ctx = subscriberCtx(s.subscriberId);
  await connectProduct(core, ctx, { msisdn: 'me', productCode: 'dating' });
  await ingestUsage(core, op(), [call(s.msisdn), call(s.msisdn, { kind: 'sms', durationSeconds: null })]);
  const paid = await payByCard(s.msisdn, s.subscriberId, 50_000);

  // Moscow's January ends at 21:00 UTC on the 31st; its bill waits ten minutes more.
  env.clock.set('2026-01-31T21:05:00Z');
  assert.deepEqual((await issueDueBills(core)).issued, []);
  env.clock.set('2026-01-31T21:11:00Z');
  // Two instances at once: the bill is issued once.
  const other = await secondCore(env);
  const [a, b] = await Promise.all([billsJob(core), billsJob(other)]);
  const issuedJan = [...(a?.issued ?? []), ...(b?.issued ?? [])];
  assert.deepEqual(issuedJan, [`202601-A${s.accountId}`]);
  const [jan] = await bills('account_id', s.accountId);
  assert.equal(jan!.period, '2026-01');
  assert.equal(jan!.opening_balance, 0, 'the account began in January');
  assert.equal(sum(jan!.lines), await movement([s.accountId], jan!.period_start, jan!.period_end), "the lines add up to the ledger's movement");
  assert.equal(jan!.closing_balance, jan!.opening_balance + sum(jan!.lines));
  assert.equal(amountOf(jan!, 'payment'), 80_000, 'the opening payment and the card payment');
  assert.ok(amountOf(jan!, 'usage_roaming') < 0 && amountOf(jan!, 'content') < 0, JSON.stringify(jan!.lines));

  // February: a correction for January after its bill, the fee run, usage, a refund, a promised payment.
  env.clock.set('2026-02-02T08:00:00Z');
  await adjustBalance(core, staff('jan-fix'), { msisdn: s.msisdn, amount: 1_500, kind: 'adjustment', reason: 'January roaming overcharged' });
  await assert.rejects(core.db.query('UPDATE bill SET closing_balance = closing_balance + 1 WHERE id = $1', [jan!.id]), /immutable/);
  await assert.rejects(core.db.query('DELETE FROM bill WHERE id = $1', [jan!.id]), /immutable/);
  env.clock.set('2026-02-12T09:00:00Z');
  await runRecurringFees(core, systemCtx('fees'), { now: env.clock.now() });
  await ingestUsage(core, op(), [call(s.msisdn, { durationSeconds: 3_000 }), call(s.msisdn, { kind: 'data', bytes: 5_000_000, durationSeconds: null })]);
  await refundPayment(core, staff('refund-1'), { paymentId: paid, amount: 20_000, reason: 'paid twice' });
  const taken = await takePromisedPayment(core, ctx, { msisdn: 'me', amount: 10_000 });
  assert.ok(taken);
  env.clock.set('2026-02-16T09:00:00Z');
  await expirePromisedPayments(core, systemCtx('promised-expiry'), { now: env.clock.now() });

  env.clock.set('2026-02-28T21:30:00Z');
  assert.deepEqual((await issueDueBills(core)).issued, [`202602-A${s.accountId}`]);
  const [jan2, feb] = await bills('account_id', s.accountId);
  assert.deepEqual(jan2!.pdf, jan!.pdf, 'the issued January bill is unchanged');
  assert.equal(jan2!.closing_balance, jan!.closing_balance);
  assert.equal(feb!.opening_balance, jan!.closing_balance, "February opens with January's closing balance");
  assert.equal(sum(feb!.lines), await movement([s.accountId], feb!.period_start, feb!.period_end));
  assert.equal(amountOf(feb!, 'adjustment'), 1_500, 'the correction for January is on the February bill');
  assert.equal(amountOf(feb!, 'refund'), -20_000);
  assert.equal(amountOf(feb!, 'promised_credit'), 10_000);
  assert.equal(amountOf(feb!, 'promised_repaid'), -10_000, 'the promised payment not repaid was taken back at its due time');
  assert.ok(amountOf(feb!, 'usage_roaming') < 0 && amountOf(feb!, 'tariff_fee') < 0);

  // March: a payment and usage; the bill closes on the balance.
  env.clock.set('2026-03-05T09:00:00Z');
  await payByCard(s.msisdn, s.subscriberId, 30_000);
  await ingestUsage(core, op(), [call(s.msisdn)]);
  env.clock.set('2026-03-31T21:20:00Z');
  assert.deepEqual((await issueDueBills(core)).issued, [`202603-A${s.accountId}`]);
  assert.deepEqual((await issueDueBills(core)).issued, [], 'nothing is issued twice');
  const [, feb2, mar] = await bills('account_id', s.accountId);
  assert.equal(mar!.opening_balance, feb2!.closing_balance);
  assert.equal(sum(mar!.lines), await movement([s.accountId], mar!.period_start, mar!.period_end));
  const [bal] = await core.db.query<{ balance: number }>('SELECT balance FROM account WHERE id = $1', [s.accountId]);
  assert.equal(mar!.closing_balance, Number(bal!.balance), 'the last closing balance is the balance now');

  const v = await verifyBills(core.db);
  assert.deepEqual(v.mismatches, []);
  assert.ok(v.bills >= 3);

  // The PDF: opened, its totals read back.
  const { text } = await pdfText(mar!.pdf);
  const flat = text.replace(/\s+/g, ' ');
  for (const word of ['Счёт за март 2026 г.', `202603-A${s.accountId}`, 'ООО «Абонент Телеком»', 'ИНН 7701234567', 'Баланс на начало периода', 'Баланс на конец периода', 'Роуминг']) {
    assert.ok(flat.includes(word), `"${word}" is in the PDF: ${flat.slice(0, 400)}`);
  }
  const rub = (k: number) => `${k < 0 ? '-' : ''}${Math.floor(Math.abs(k) / 100).toLocaleString('ru-RU')},${String(Math.abs(k) % 100).padStart(2, '0')} ₽`.replace(/\s/g, '');
  const squeezed = text.replace(/\s/g, '');
  for (const k of [mar!.opening_balance, mar!.closing_balance]) assert.ok(squeezed.includes(rub(k)), `${rub(k)} is in the PDF`);
});

test('a correction booked into a billed month shows in verify; a Vladivostok number is billed at its own midnight', async () => {
  env.clock.set('2026-05-10T03:00:00Z');
  const far = await makeSubscriber(core, { regionCode: '25', openingBalance: 5_000 });
  const moscow = await makeSubscriber(core, { openingBalance: 5_000 });
  // 31 May 15:00 UTC is already 1 June 01:00 in Vladivostok, still May in Moscow.
  env.clock.set('2026-05-31T15:00:00Z');
  const issued = (await issueDueBills(core)).issued;
  assert.ok(issued.includes(`202605-A${far.accountId}`), JSON.stringify(issued));
  assert.ok(!issued.some((x) => x.endsWith(`-A${moscow.accountId}`)));
  // An entry written with a date inside the billed month (what no use case does) is found.
  await core.db.query(
    `INSERT INTO ledger_entry (account_id, amount, kind, subscriber_id, idempotency_key, category, created_at) VALUES ($1, -100, 'fee', $2, 'backdated', 'one_off', '2026-05-20T00:00:00Z')`,
    [far.accountId, far.subscriberId],
  );
  const v = await verifyBills(core.db);
  assert.deepEqual(
    v.mismatches.map((m) => [m.number, m.problem]),
    [[`202605-A${far.accountId}`, 'ledger']],
  );
});

test("a business contract's bill: one bill for its numbers, lines by number, in the customer's language", async () => {
  env.clock.set('2026-06-03T09:00:00Z');
  const co = await makeCompany(core, 'ООО «Ромашка»', { regions: ['77'] });
  await core.db.query("UPDATE customer SET report_languages = '{en}' WHERE id = $1", [co.id]);
  const one = await co.number({ balance: 20_000 });
  const two = await co.number({ balance: 10_000 });
  await ingestUsage(core, op(), [call(one.msisdn), call(two.msisdn, { durationSeconds: 600 })]);
  env.clock.set('2026-06-30T21:15:00Z');
  const issued = (await issueDueBills(core)).issued;
  const contractId = co.contracts['77']!;
  assert.ok(issued.includes(`202606-C${contractId}`), JSON.stringify(issued));
  assert.ok(!issued.some((x) => x.endsWith(`-A${one.accountId}`) || x.endsWith(`-A${two.accountId}`)), "a contract's numbers have no bills of their own");
  const [bill] = await bills('contract_id', contractId);
  assert.equal(bill!.opening_balance, 0);
  assert.equal(sum(bill!.lines), await movement([one.accountId, two.accountId], bill!.period_start, bill!.period_end));
  const byNumber = (m: string) => bill!.lines.filter((l) => l.msisdn === m);
  assert.equal(byNumber(one.msisdn).find((l) => l.type === 'payment')?.amount, 20_000);
  assert.equal(byNumber(two.msisdn).find((l) => l.type === 'payment')?.amount, 10_000);
  assert.ok((byNumber(two.msisdn).find((l) => l.type === 'usage_roaming')?.amount ?? 0) < (byNumber(one.msisdn).find((l) => l.type === 'usage_roaming')?.amount ?? 0));
  const { text } = await pdfText(bill!.pdf);
  const flat = text.replace(/\s+/g, ' ');
  for (const word of ['Bill for June 2026', 'Abonent Telecom LLC', 'By number', 'Contract: C-', `+7 ${one.msisdn.slice(1, 4)} ${one.msisdn.slice(4, 7)}-`, 'Closing balance']) {
    assert.ok(flat.includes(word), `"${word}" is in the PDF: ${flat.slice(0, 500)}`);
  }
  assert.deepEqual((await verifyBills(core.db)).mismatches.filter((m) => m.number.includes('-C')), []);
});

test('HTTP: a subscriber lists and downloads their own bills and has one re-sent by SMS; another subscriber\'s bill is 404; a business admin sees only their contracts\' bills', async () => {
  env.clock.set('2026-07-05T09:00:00Z');
  const mine = await makeSubscriber(core, { openingBalance: 12_345, language: 'en' });
  const theirs = await makeSubscriber(core, { openingBalance: 500 });
  const co = await makeCompany(core, 'ООО «Вектор»', { regions: ['77'] });
  await co.number({ balance: 7_000 });
  const rival = await makeCompany(core, 'ООО «Соперник»', { regions: ['78'] });
  await rival.number({ region: '78', balance: 1_000 });
  env.clock.set('2026-07-31T21:30:00Z');
  await issueDueBills(core);
  const app = await testApp(core);
  try {
    const token = (await createSession(core.db, core, { kind: 'subscriber', subjectId: mine.subscriberId, channel: 'web', method: 'test' })).token;
    const auth = { authorization: `Bearer ${token}` };
    const list = await app.inject({ url: '/api/v1/subscribers/me/bills', headers: auth });
    assert.equal(list.statusCode, 200, list.body);
    const items = list.json<{ items: { id: string; number: string; period: string; openingBalance: number; closingBalance: number; msisdn: string }[] }>().items;
    assert.deepEqual(items.map((b) => [b.period, b.closingBalance, b.msisdn]), [['2026-07', 12_345, mine.msisdn]]);
    const pdf = await app.inject({ url: `/api/v1/subscribers/me/bills/${items[0]!.id}/pdf`, headers: auth });
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.match(String(pdf.headers['content-disposition']), new RegExp(`bill-${items[0]!.number}\\.pdf`));
    const again = await app.inject({ url: `/api/v1/subscribers/me/bills/${items[0]!.id}/pdf`, headers: auth });
    assert.deepEqual(again.rawPayload, pdf.rawPayload, 'a re-download is the same document');
    const { text } = await pdfText(pdf.rawPayload);
    assert.ok(text.replace(/\s+/g, ' ').includes('Bill for July 2026'), 'in the subscriber\'s language');

    const [other] = await bills('account_id', theirs.accountId);
    for (const url of [`/api/v1/subscribers/me/bills/${other!.id}/pdf`, `/api/v1/subscribers/${theirs.msisdn}/bills`, `/api/v1/subscribers/me/bills/not-a-bill/pdf`]) {
      const res = await app.inject({ url, headers: auth });
      assert.ok([403, 404].includes(res.statusCode), `${url}: ${res.statusCode}`);
      assert.ok(!res.body.includes(String(other!.closing_balance)) || res.statusCode !== 200);
    }
    assert.equal((await app.inject({ url: `/api/v1/subscribers/me/bills/${other!.id}/pdf`, headers: auth })).statusCode, 404);
    assert.equal((await app.inject({ method: 'POST', url: `/api/v1/subscribers/me/bills/${other!.id}/send`, headers: auth })).statusCode, 404);
    assert.equal((await app.inject({ url: '/api/v1/subscribers/me/bills' })).statusCode, 401);

    const sent = await app.inject({ method: 'POST', url: `/api/v1/subscribers/me/bills/${items[0]!.id}/send`, headers: auth });
    assert.equal(sent.statusCode, 200, sent.body);
    const [sms] = await core.db.query<{ text: string; status: string; msisdn: string }>('SELECT text, status, msisdn FROM sms_message WHERE id = $1', [sent.json<{ smsId: number }>().smsId]);
    assert.equal(sms!.msisdn, mine.msisdn);
    assert.equal(sms!.status, 'queued', 'through the outbox');
    assert.match(sms!.text, /^Your bill for July 2026: closing balance RUB 123\.45\. Download: http.*\/bills\?bill=/);
    const audit = await core.db.query<{ action: string; outcome: string }>("SELECT action, outcome FROM audit_event WHERE subscriber_id = $1 AND action LIKE 'bill.%'", [mine.subscriberId]);
    assert.deepEqual(audit.map((a) => `${a.action} ${a.outcome}`).sort(), ['bill.download ok', 'bill.download ok', 'bill.send ok', 'bill.send refused'], 'downloads and sends are on record, the refused one too');

    const accountant = await co.admin('accountant');
    const manager = await co.admin('department_manager', co.departments[0]!);
    const b = { authorization: `Bearer ${accountant.token}` };
    const theirsBiz = await app.inject({ url: '/api/v1/business/bills', headers: b });
    assert.equal(theirsBiz.statusCode, 200, theirsBiz.body);
    const bizItems = theirsBiz.json<{ items: { id: string; contract: string; period: string }[] }>().items;
    assert.equal(bizItems.length, 1);
    assert.match(bizItems[0]!.contract, /^C-\d+-77$/);
    assert.equal(bizItems[0]!.period, '2026-07');
    assert.equal((await app.inject({ url: `/api/v1/business/bills/${bizItems[0]!.id}/pdf`, headers: b })).statusCode, 200);
    const [rivalBill] = await bills('contract_id', rival.contracts['78']!);
    assert.equal((await app.inject({ url: `/api/v1/business/bills/${rivalBill!.id}/pdf`, headers: b })).statusCode, 404);
    assert.equal((await app.inject({ url: `/api/v1/business/bills/${items[0]!.id}/pdf`, headers: b })).statusCode, 404, "a subscriber's bill is not a contract bill");
    assert.equal((await app.inject({ url: '/api/v1/business/bills', headers: { authorization: `Bearer ${manager.token}` } })).statusCode, 403);
    const bizSent = await app.inject({ method: 'POST', url: `/api/v1/business/bills/${bizItems[0]!.id}/send`, headers: b });
    assert.equal(bizSent.statusCode, 200, bizSent.body);
    // A subscriber session reaches no business bill, and a business admin no subscriber's bill.
    assert.equal((await app.inject({ url: '/api/v1/business/bills', headers: auth })).statusCode, 403);
  } finally {
    await app.close();
  }
});
