import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import { enqueueMail } from '../notifications/enqueue-mail.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import type { Ctx, Lang } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { formatMoney } from '../shared/money.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import type { Tx } from '../../store/db.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { billWords } from './bill-words.ts';
import { isBillId } from './bill-view.ts';
import { requireContractBillReader } from './list-bills.ts';

export type BillSendChannel = 'sms' | 'email';

/** Where the link went: the SMS to a number, or the e-mail to an address (each through its outbox). */
export type BillSent = { channel: 'sms'; msisdn: string; smsId: number } | { channel: 'email'; email: string; mailId: number };

interface Bill {
  number: string;
  period: string;
  closing_balance: number;
  language: Lang;
}

/** Queues the link in `lang` by SMS to `msisdn` or by e-mail to `email` (in the caller's transaction). */
async function queueLink(core: Core, tx: Tx, bill: Bill, to: { channel: BillSendChannel; lang: Lang; msisdn: string; email: string | null; customerId: number }, url: string): Promise<BillSent> {
  const words = billWords[to.lang];
  const closing = formatMoney(Number(bill.closing_balance), to.lang);
  if (to.channel === 'sms') {
    const smsId = await enqueueSms(tx, { msisdn: to.msisdn, text: words.sms(bill.period, closing, url), kind: 'bill_link', at: core.clock.now() });
    return { channel: 'sms', msisdn: to.msisdn, smsId };
  }
  if (!to.email) throw new DomainError('EMAIL_MISSING');
  const mailId = await enqueueMail(tx, {
    to: to.email,
    subject: words.mailSubject(bill.period),
    text: words.mailText(bill.period, bill.number, closing, url),
    kind: 'bill_link',
    customerId: to.customerId,
    at: core.clock.now(),
  });
  return { channel: 'email', email: to.email, mailId };
}

/**
 * Sends the subscriber a link to one of their bills, in their language: by SMS to the number, or
 * by e-mail to the address in their profile, through the outbox (sent by a job, never in this
 * transaction). The link leads to the bill in the account (`url` is the channel's page for it):
 * the bill itself is opened after login, so a message read by someone else shows no figures
 * beyond its closing balance. A repeat with the same idempotency key sends nothing again.
 */
export async function sendBillLink(core: Core, ctx: Ctx, input: { msisdn: string; billId: string; url: string; channel?: BillSendChannel }): Promise<BillSent> {
  const channel = input.channel ?? 'sms';
  return runUseCase(core, ctx, 'bill.send', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'read' });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    if (!isBillId(input.billId)) throw new DomainError('NOT_FOUND', { bill: input.billId });
    return idempotent(tx, ctx, `account:${sub.accountId}`, 'bill.send', { bill: input.billId, channel }, async () => {
      const [bill] = await tx.query<Bill>('SELECT number, period, closing_balance, language FROM bill WHERE id = $1::uuid AND account_id = $2', [input.billId, sub.accountId]);
      if (!bill) throw new DomainError('NOT_FOUND', { bill: input.billId });
      const [customer] = await tx.query<{ email: string | null }>('SELECT email FROM customer WHERE id = $1', [sub.customerId]);
      const sent = await queueLink(core, tx, bill, { channel, lang: sub.language, msisdn: sub.msisdn, email: customer?.email ?? null, customerId: sub.customerId }, input.url);
      await recordAudit(tx, core, ctx, { action: 'bill.send', subscriberId: sub.id, customerId: sub.customerId, details: { bill: bill.number, ...sentDetails(sent) } });
      return sent;
    });
  });
}

/**
 * Sends a business admin a link to one of the contract bills: by SMS to the phone on their login
 * (in the language they use), or by e-mail to their login's address (in the contract's bill language).
 */
export async function sendContractBillLink(core: Core, ctx: Ctx, input: { billId: string; url: string; channel?: BillSendChannel }): Promise<BillSent> {
  const admin = requireContractBillReader(ctx);
  const channel = input.channel ?? 'sms';
  return runUseCase(core, ctx, 'bill.send', async (tx, subject) => {
    subject.customerId = admin.customerId;
    if (!isBillId(input.billId)) throw new DomainError('NOT_FOUND', { bill: input.billId });
    return idempotent(tx, ctx, `business_admin:${admin.adminId}`, 'bill.send', { bill: input.billId, channel }, async () => {
      const [bill] = await tx.query<Bill>(
        'SELECT number, period, closing_balance, language FROM bill WHERE id = $1::uuid AND customer_id = $2 AND contract_id IS NOT NULL',
        [input.billId, admin.customerId],
      );
      if (!bill) throw new DomainError('NOT_FOUND', { bill: input.billId });
      const [who] = await tx.query<{ phone: string | null; email: string | null }>('SELECT phone, email FROM business_admin WHERE id = $1', [admin.adminId]);
      if (channel === 'sms' && !who?.phone) throw new DomainError('VALIDATION', { field: 'phone', reason: 'no phone on the admin login' });
      const lang = channel === 'sms' ? ctx.lang : bill.language;
      const sent = await queueLink(core, tx, bill, { channel, lang, msisdn: who?.phone ?? '', email: who?.email ?? null, customerId: admin.customerId }, input.url);
      await recordAudit(tx, core, ctx, { action: 'bill.send', customerId: admin.customerId, details: { bill: bill.number, ...sentDetails(sent) } });
      return sent;
    });
  });
}

const sentDetails = (s: BillSent) => (s.channel === 'sms' ? { channel: s.channel, smsId: s.smsId } : { channel: s.channel, mailId: s.mailId });
