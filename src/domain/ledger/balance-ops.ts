import type { Tx } from '../../store/db.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { applyBalanceRules } from '../billing/balance-rules.ts';
import type { Core } from '../core.ts';
import { requireFunds } from './funds.ts';
import { postEntry } from './post-entry.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError, mustExist } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { assertMinor } from '../shared/money.ts';
import { normalizeMsisdn } from '../shared/msisdn.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { lockContractPools, findSubscriberByMsisdn, loadSubscriber, loadSubscriberById } from '../subscribers/access.ts';
import { emptyPage, readPage, type Paged, type SqlFilter, type StorePage } from '../shared/list-page.ts';
import { requireOperator } from '../shared/operator-access.ts';

const msisdnOrNull = (m: string | undefined): string | null | false => (m === undefined ? null : (normalizeMsisdn(m) ?? false));

export type ReservationState = 'active' | 'released' | 'expired';

export interface Reservation {
  id: string;
  accountId: number;
  subscriberId: number;
  msisdn: string;
  amount: number;
  state: ReservationState;
  holdEntryId: number;
  releaseEntryId: number | null;
  validUntil: Date | null;
  body: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

const reservationColumns = `r.id, r.account_id AS "accountId", r.subscriber_id AS "subscriberId", s.msisdn, r.amount, r.state,
  r.hold_entry_id AS "holdEntryId", r.release_entry_id AS "releaseEntryId", r.valid_until AS "validUntil", r.body,
  r.created_at AS "createdAt", r.updated_at AS "updatedAt"
  FROM tmf_reservation r JOIN subscriber s ON s.id = r.subscriber_id`;

export async function listReservations(core: Core, ctx: Ctx, input: { id?: string; msisdn?: string; filter?: SqlFilter } = {}, page?: StorePage): Promise<Paged<Reservation>> {
  requireOperator(ctx);
  const msisdn = msisdnOrNull(input.msisdn);
  if (msisdn === false) return emptyPage(page);
  const params: unknown[] = [input.id ?? null, msisdn];
  const where = input.filter ? input.filter(params) : 'TRUE';
  return readPage<Reservation>(
    core.db,
    `SELECT * FROM (SELECT ${reservationColumns} WHERE ($1::text IS NULL OR r.id = $1) AND ($2::text IS NULL OR s.msisdn = $2)) x WHERE ${where}`,
    params,
    `"createdAt", id`,
    page,
  );
}

/**
 * TMF654 reserveBalance: holds money for a while. The hold is a ledger debit (kind adjustment,
 * category other) under the key `reserve:<id>`, refused like any charge when the account cannot pay,
 * so what the subscriber may spend drops at once and the balance stays the sum of the entries.
 * Releasing or expiry credits the same amount back (`reserve-release:<id>`). The id makes it
 * idempotent: a repeat returns the reservation as it stands and books nothing; the same id with
 * another request is refused (IDEMPOTENCY_KEY_REUSED).
 */
export async function reserveBalance(
  core: Core,
  ctx: Ctx,
  input: { id: string; msisdn: string; amount: number; validUntil?: Date | null; reason: string; body: Record<string, unknown> },
): Promise<Reservation> {
  requireOperator(ctx);
  assertMinor(input.amount);
  if (input.amount <= 0) throw new DomainError('VALIDATION', { field: 'amount', message: 'a reservation is positive' });
  const now = core.clock.now();
  if (input.validUntil && input.validUntil.getTime() <= now.getTime()) throw new DomainError('VALIDATION', { field: 'validFor.endDateTime', message: 'in the future' });
  const keyed: Ctx = { ...ctx, idempotencyKey: `tmf654:reserve:${input.id}` };
  await runUseCase(core, keyed, 'balance.reserve', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const fingerprint = { msisdn: sub.msisdn, amount: input.amount, validUntil: input.validUntil?.toISOString() ?? null };
    return idempotent(tx, keyed, `account:${sub.accountId}`, 'balance.reserve', fingerprint, async () => {
      requireFunds(sub, input.amount);
      const hold = await postEntry(tx, {
        accountId: sub.accountId,
        subscriberId: sub.id,
        amount: -input.amount,
        kind: 'adjustment',
        category: 'other',
        idempotencyKey: `reserve:${input.id}`,
        reference: input.id,
        description: `Reservation: ${input.reason}`.slice(0, 500),
        at: now,
      });
      await tx.query(
        `INSERT INTO tmf_reservation (id, account_id, subscriber_id, amount, state, hold_entry_id, valid_until, body, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'active', $5, $6, $7, $8, $8)`,
        [input.id, sub.accountId, sub.id, input.amount, hold.id, input.validUntil ?? null, JSON.stringify(input.body), now],
      );
      await applyBalanceRules(tx, core, ctx, [sub.accountId]);
      await recordAudit(tx, core, ctx, {
        action: 'balance.reserve',
        subscriberId: sub.id,
        customerId: sub.customerId,
        details: { id: input.id, amount: input.amount, reason: input.reason.slice(0, 500) },
      });
      return input.id;
    });
  });
  return mustExist((await listReservations(core, ctx, { id: input.id }))[0], 'reservation');
}

async function release(tx: Tx, core: Core, ctx: Ctx, r: Reservation, state: 'released' | 'expired'): Promise<void> {
  const back = await postEntry(tx, {
    accountId: r.accountId,
    subscriberId: r.subscriberId,
    amount: r.amount,
    kind: 'adjustment',
    category: 'other',
    idempotencyKey: `reserve-release:${r.id}`,
    reference: r.id,
    description: state === 'expired' ? 'Reservation expired' : 'Reservation released',
    at: core.clock.now(),
  });
  await tx.query('UPDATE tmf_reservation SET state = $2, release_entry_id = $3, updated_at = $4 WHERE id = $1', [r.id, state, back.id, core.clock.now()]);
  await applyBalanceRules(tx, core, ctx, [r.accountId]);
  await recordAudit(tx, core, ctx, { action: `balance.reservation.${state === 'expired' ? 'expire' : 'release'}`, subscriberId: r.subscriberId, details: { id: r.id, amount: r.amount } });
}

/** Releases a reservation (TMF654 DELETE): the held money is credited back once; a repeat changes nothing. */
export async function releaseReservation(core: Core, ctx: Ctx, input: { id: string }): Promise<Reservation> {
  requireOperator(ctx);
  const [found] = await listReservations(core, ctx, { id: input.id });
  if (!found) throw new DomainError('NOT_FOUND', { id: input.id });
  await runUseCase(core, ctx, 'balance.reservation.release', async (tx, subject) => {
    subject.subscriberId = found.subscriberId;
    await loadSubscriberById(tx, found.subscriberId, true);
    const [r] = await tx.query<{ state: ReservationState }>('SELECT state FROM tmf_reservation WHERE id = $1 FOR UPDATE', [input.id]);
    if (r?.state === 'active') await release(tx, core, ctx, found, 'released');
  });
  return mustExist((await listReservations(core, ctx, { id: input.id }))[0], 'reservation');
}

/** Credits back every reservation whose validity has ended (the scheduler's `reservation-expiry`). */
export async function expireReservations(core: Core, ctx: Ctx, input: { now: Date; limit?: number }): Promise<number> {
  const due = await core.db.query<Reservation>(
    `SELECT ${reservationColumns} WHERE r.state = 'active' AND r.valid_until IS NOT NULL AND r.valid_until <= $1 ORDER BY r.valid_until LIMIT ${input.limit ?? 500}`,
    [input.now],
  );
  let n = 0;
  for (const r of due) {
    await runUseCase(core, ctx, 'balance.reservation.expire', async (tx) => {
      await loadSubscriberById(tx, r.subscriberId, true);
      const [row] = await tx.query<{ state: ReservationState }>('SELECT state FROM tmf_reservation WHERE id = $1 FOR UPDATE', [r.id]);
      if (row?.state !== 'active') return;
      await release(tx, core, ctx, r, 'expired');
      n++;
    });
  }
  return n;
}

export interface Transfer {
  id: string;
  amount: number;
  sourceAccountId: number;
  sourceMsisdn: string;
  targetAccountId: number;
  targetMsisdn: string;
  debitEntryId: number;
  creditEntryId: number;
  body: Record<string, unknown>;
  createdAt: Date;
}

const transferColumns = `t.id, t.amount, t.source_account_id AS "sourceAccountId", src.msisdn AS "sourceMsisdn",
  t.target_account_id AS "targetAccountId", dst.msisdn AS "targetMsisdn", t.debit_entry_id AS "debitEntryId",
  t.credit_entry_id AS "creditEntryId", t.body, t.created_at AS "createdAt"
  FROM tmf_transfer t JOIN subscriber src ON src.id = t.source_subscriber_id JOIN subscriber dst ON dst.id = t.target_subscriber_id`;

export async function listTransfers(core: Core, ctx: Ctx, input: { id?: string; msisdn?: string; filter?: SqlFilter } = {}, page?: StorePage): Promise<Paged<Transfer>> {
  requireOperator(ctx);
  const msisdn = msisdnOrNull(input.msisdn);
  if (msisdn === false) return emptyPage(page);
  const params: unknown[] = [input.id ?? null, msisdn];
  const where = input.filter ? input.filter(params) : 'TRUE';
  return readPage<Transfer>(
    core.db,
    `SELECT * FROM (SELECT ${transferColumns} WHERE ($1::text IS NULL OR t.id = $1) AND ($2::text IS NULL OR src.msisdn = $2 OR dst.msisdn = $2)) x WHERE ${where}`,
    params,
    `"createdAt", id`,
    page,
  );
}

/**
 * TMF654 transferBalance: money from one number's account to another's, both entries in one
 * transaction with both accounts locked in id order (so two opposite transfers cannot deadlock).
 * Refused with INSUFFICIENT_FUNDS when the source cannot pay; idempotent by the transfer id.
 */
export async function transferBalance(
  core: Core,
  ctx: Ctx,
  input: { id: string; from: string; to: string; amount: number; reason: string; body: Record<string, unknown> },
): Promise<Transfer> {
  requireOperator(ctx);
  assertMinor(input.amount);
  if (input.amount <= 0) throw new DomainError('VALIDATION', { field: 'amount', message: 'a transfer is positive' });
  const fromMsisdn = normalizeMsisdn(input.from);
  const toMsisdn = normalizeMsisdn(input.to);
  const src = fromMsisdn ? await findSubscriberByMsisdn(core.db, fromMsisdn) : undefined;
  if (!src) throw new DomainError('SUBSCRIBER_NOT_FOUND', { msisdn: input.from });
  const dst = toMsisdn ? await findSubscriberByMsisdn(core.db, toMsisdn) : undefined;
  if (!dst) throw new DomainError('SUBSCRIBER_NOT_FOUND', { msisdn: input.to });
  if (src.accountId === dst.accountId) throw new DomainError('VALIDATION', { field: 'receiverBucket', message: 'the same account' });
  const keyed: Ctx = { ...ctx, idempotencyKey: `tmf654:transfer:${input.id}` };
  const now = core.clock.now();
  await runUseCase(core, keyed, 'balance.transfer', async (tx, subject) => {
    subject.subscriberId = src.id;
    subject.customerId = src.customerId;
    // Lock both accounts, lower account id first — their contracts' credit pools before them.
    await lockContractPools(tx, [src.poolContractId, dst.poolContractId].filter((c): c is number => c !== null));
    const locked = new Map<number, Awaited<ReturnType<typeof loadSubscriberById>>>();
    for (const s of [src, dst].sort((a, b) => a.accountId - b.accountId)) locked.set(s.id, await loadSubscriberById(tx, s.id, true));
    const source = mustExist(locked.get(src.id), 'source number');
    const target = mustExist(locked.get(dst.id), 'target number');
    const fingerprint = { from: source.msisdn, to: target.msisdn, amount: input.amount };
    return idempotent(tx, keyed, `account:${source.accountId}`, 'balance.transfer', fingerprint, async () => {
      requireFunds(source, input.amount);
      const description = `Transfer ${source.msisdn} → ${target.msisdn}: ${input.reason}`.slice(0, 500);
      const debit = await postEntry(tx, { accountId: source.accountId, subscriberId: source.id, amount: -input.amount, kind: 'adjustment', category: 'other', idempotencyKey: `transfer:${input.id}:out`, reference: input.id, description, at: now });
      const credit = await postEntry(tx, { accountId: target.accountId, subscriberId: target.id, amount: input.amount, kind: 'adjustment', category: 'other', idempotencyKey: `transfer:${input.id}:in`, reference: input.id, description, at: now });
      await tx.query(
        `INSERT INTO tmf_transfer (id, source_account_id, source_subscriber_id, target_account_id, target_subscriber_id, amount, debit_entry_id, credit_entry_id, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [input.id, source.accountId, source.id, target.accountId, target.id, input.amount, debit.id, credit.id, JSON.stringify(input.body), now],
      );
      await applyBalanceRules(tx, core, ctx, [source.accountId, target.accountId].sort((a, b) => a - b));
      for (const [s, side] of [[source, 'out'], [target, 'in']] as const) {
        await recordAudit(tx, core, ctx, {
          action: 'balance.transfer',
          subscriberId: s.id,
          customerId: s.customerId,
          details: { id: input.id, side, amount: input.amount, from: source.msisdn, to: target.msisdn, reason: input.reason.slice(0, 500) },
        });
      }
      return input.id;
    });
  });
  return mustExist((await listTransfers(core, ctx, { id: input.id }))[0], 'transfer');
}
