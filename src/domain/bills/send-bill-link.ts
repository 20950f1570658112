import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { formatMoney } from '../shared/money.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { billWords } from './bill-words.ts';
import { isBillId } from './bill-view.ts';
import { requireContractBillReader } from './list-bills.ts';

/**
 * Texts the subscriber a link to one of their bills, in their language, through the SMS outbox.
 * The link leads to the bill in the account (`url` is the channel's page for it): the bill itself
 * is opened after login, so an SMS read by someone else shows no figures beyond its closing balance.
 */
export async function sendBillLink(core: Core, ctx: Ctx, input: { msisdn: string; billId: string; url: string }): Promise<{ msisdn: string; smsId: number }> {
  return runUseCase(core, ctx, 'bill.send', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'read' });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    if (!isBillId(input.billId)) throw new DomainError('NOT_FOUND', { bill: input.billId });
    const [bill] = await tx.query<{ number: string; period: string; closing_balance: number }>(
      'SELECT number, period, closing_balance FROM bill WHERE id = $1::uuid AND account_id = $2',
      [input.billId, sub.accountId],
    );
    if (!bill) throw new DomainError('NOT_FOUND', { bill: input.billId });
    const text = billWords[sub.language].sms(bill.period, formatMoney(Number(bill.closing_balance), sub.language), input.url);
    const smsId = await enqueueSms(tx, { msisdn: sub.msisdn, text, kind: 'bill_link', at: core.clock.now() });
    await recordAudit(tx, core, ctx, { action: 'bill.send', subscriberId: sub.id, customerId: sub.customerId, details: { bill: bill.number, smsId } });
    return { msisdn: sub.msisdn, smsId };
  });
}

/** Texts a business admin (to the phone on their login) a link to one of the contract bills. */
export async function sendContractBillLink(core: Core, ctx: Ctx, input: { billId: string; url: string }): Promise<{ msisdn: string; smsId: number }> {
  const admin = requireContractBillReader(ctx);
  return runUseCase(core, ctx, 'bill.send', async (tx, subject) => {
    subject.customerId = admin.customerId;
    if (!isBillId(input.billId)) throw new DomainError('NOT_FOUND', { bill: input.billId });
    const [bill] = await tx.query<{ number: string; period: string; closing_balance: number; language: 'ru' | 'en' }>(
      'SELECT number, period, closing_balance, language FROM bill WHERE id = $1::uuid AND customer_id = $2 AND contract_id IS NOT NULL',
      [input.billId, admin.customerId],
    );
    if (!bill) throw new DomainError('NOT_FOUND', { bill: input.billId });
    const [who] = await tx.query<{ phone: string | null }>('SELECT phone FROM business_admin WHERE id = $1', [admin.adminId]);
    if (!who?.phone) throw new DomainError('VALIDATION', { field: 'phone', reason: 'no phone on the admin login' });
    const lang = ctx.lang;
    const text = billWords[lang].sms(bill.period, formatMoney(Number(bill.closing_balance), lang), input.url);
    const smsId = await enqueueSms(tx, { msisdn: who.phone, text, kind: 'bill_link', at: core.clock.now() });
    await recordAudit(tx, core, ctx, { action: 'bill.send', customerId: admin.customerId, details: { bill: bill.number, smsId } });
    return { msisdn: who.phone, smsId };
  });
}
