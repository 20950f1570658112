import { DateTime } from 'luxon';
import { formatDateTime } from '../../text/format.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { charge } from '../billing/charge.ts';
import { getSettings } from '../catalog/read-catalog.ts';
import type { Core } from '../core.ts';
import { requireFunds } from '../ledger/funds.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import type { Ctx } from '../shared/context.ts';
import { shareAmount } from '../shared/error-messages.ts';
import { DomainError, mustExist } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { formatMsisdn, requireMsisdn } from '../shared/msisdn.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import { grantAllowance } from '../subscribers/quotas.ts';
import { amountRefusal, findRecipient, givableQuotas, giverRefusal, SHARE_UNIT, shareState, type ShareKind } from './share-rules.ts';

export interface ShareResult {
  transferId: number;
  msisdn: string;
  /** The recipient's number. */
  to: string;
  kind: ShareKind;
  /** Whole GB (data) or minutes given. */
  amount: number;
  fee: number;
  /** When the gift ends on the recipient's number. */
  validUntil: string;
  balance: number;
}

/**
 * Gives part of the number's own package (whole GB of data or whole minutes) to another number of
 * the operator. Under the giver's account lock: the rules (catalog's bounds, the tariff, abuse
 * limits per local day and calendar month, what is left) are judged again, the units are taken
 * from the giver's quotas (the tariff's first, then soonest to end), the fee is charged, and the
 * recipient gets a quota `gift:<id>` for the catalog's days and an SMS. Both sides are audited.
 */
export async function shareAllowance(core: Core, ctx: Ctx, input: { msisdn: string; kind: ShareKind; amount: number; to: string }): Promise<ShareResult> {
  return runUseCase(core, ctx, 'share.give', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const to = requireMsisdn(input.to);
    return idempotent(tx, ctx, `account:${sub.accountId}`, 'share.give', { sub: sub.id, k: input.kind, a: input.amount, to }, async () => {
      const now = core.clock.now();
      const settings = (await getSettings(tx)).sharing;
      const state = await shareState(tx, sub, now);
      const refused = giverRefusal(settings, sub, state, now) ?? amountRefusal(settings!, state, input.kind, input.amount);
      if (refused) throw refused;
      const rules = settings!;
      const fee = rules[input.kind]!.fee;
      const recipient = await findRecipient(tx, sub, to);
      requireFunds(sub, fee);

      const { unit, size } = SHARE_UNIT[input.kind];
      const units = input.amount * size;
      let left = units;
      const taken: { quotaId: number; units: number }[] = [];
      for (const q of await givableQuotas(tx, sub, unit, now, true)) {
        if (left === 0) break;
        const take = Math.min(left, q.remaining);
        // The quota's CHECK (used <= included) refuses an overdraw even if a reader had raced ahead.
        await tx.query('UPDATE quota SET included = included - $3 WHERE account_id = $1 AND id = $2', [sub.accountId, q.id, take]);
        taken.push({ quotaId: q.id, units: take });
        left -= take;
      }
      if (left > 0) throw new DomainError('INSUFFICIENT_ALLOWANCE', { kind: input.kind, required: input.amount, available: Math.floor((units - left) / size) });

      const validUntil = DateTime.fromJSDate(now, { zone: recipient.timeZone }).plus({ days: rules.validDays }).toJSDate();
      const [row] = await tx.query<{ id: number }>(
        `INSERT INTO share_transfer (giver_account_id, giver_subscriber_id, recipient_account_id, recipient_subscriber_id, unit, units, fee, taken, valid_until, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
        [sub.accountId, sub.id, recipient.accountId, recipient.id, unit, units, fee, JSON.stringify(taken), validUntil, now],
      );
      const transferId = Number(mustExist(row, 'share transfer').id);
      if (fee > 0) {
        await charge(tx, {
          accountId: sub.accountId,
          subscriberId: sub.id,
          amount: fee,
          kind: 'fee',
          category: 'one_off',
          idempotencyKey: `share:${transferId}`,
          reference: `share:${transferId}`,
          description: `sharing fee: ${input.amount} ${input.kind === 'data' ? 'GB' : 'min'} to ${recipient.msisdn}`,
          at: now,
        });
      }
      await grantAllowance(tx, {
        accountId: recipient.accountId,
        subscriberId: recipient.id,
        source: `gift:${transferId}`,
        allowance: input.kind === 'data' ? { dataMb: input.amount * 1024 } : { minutes: input.amount },
        period: { start: now, end: validUntil },
      });
      const lang = recipient.language;
      const what = shareAmount(input.kind, input.amount, lang);
      const until = formatDateTime(validUntil, lang, recipient.timeZone);
      await enqueueSms(tx, {
        msisdn: recipient.msisdn,
        kind: 'share_gift',
        at: now,
        text:
          lang === 'ru'
            ? `Номер ${formatMsisdn(sub.msisdn)} подарил вам ${what}${input.kind === 'data' ? ' интернета' : ' разговора'}. Подарок действует до ${until}.`
            : `${formatMsisdn(sub.msisdn)} gave you ${what}${input.kind === 'data' ? ' of internet' : ' of calls'}. The gift lasts until ${until}.`,
      });
      const details = { transferId, kind: input.kind, amount: input.amount, validUntil: validUntil.toISOString() };
      await recordAudit(tx, core, ctx, { action: 'share.give', subscriberId: sub.id, customerId: sub.customerId, details: { ...details, to: recipient.msisdn, fee } });
      await recordAudit(tx, core, ctx, { action: 'share.receive', subscriberId: recipient.id, customerId: recipient.customerId, details: { ...details, from: sub.msisdn } });
      return { transferId, msisdn: sub.msisdn, to: recipient.msisdn, kind: input.kind, amount: input.amount, fee, validUntil: validUntil.toISOString(), balance: sub.balance - fee };
    });
  });
}
