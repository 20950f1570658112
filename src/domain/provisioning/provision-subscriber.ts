import type { Tx } from '../../store/db.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { listProducts, requireTariff } from '../catalog/read-catalog.ts';
import type { Core } from '../core.ts';
import { postEntry } from '../ledger/post-entry.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { localDayOfMonth } from '../shared/local-time.ts';
import { requireMsisdn } from '../shared/msisdn.ts';
import { grantAllowance, tariffPeriod } from '../subscribers/quotas.ts';

export interface ProvisionInput {
  msisdn: string;
  iccid: string;
  regionCode: string;
  tariffCode: string;
  /** An existing customer (a business contract's numbers); a new person customer otherwise. */
  customerId?: number;
  customerName?: string;
  contractId?: number | null;
  departmentId?: number | null;
  employeeName?: string | null;
  language?: 'ru' | 'en';
  /** Opening credit on the account, booked as a payment. */
  openingBalance?: number;
  creditLimit?: number;
  activatedAt?: Date;
}

/**
 * Brings a new number to life: customer and account, the subscriber on its tariff, the default
 * free services, and the tariff's allowance for the current period. The first period's fee is part
 * of the SIM price, so activation charges nothing; the next fee falls at the period's end.
 */
export async function provisionSubscriberTx(tx: Tx, core: Core, ctx: Ctx, input: ProvisionInput): Promise<{ subscriberId: number; accountId: number; customerId: number }> {
  const msisdn = requireMsisdn(input.msisdn);
  const at = input.activatedAt ?? core.clock.now();
  const tariff = await requireTariff(tx, input.tariffCode);
  const region = (await tx.query<{ time_zone: string }>('SELECT time_zone FROM region WHERE code = $1', [input.regionCode]))[0];
  if (!region) throw new DomainError('VALIDATION', { field: 'regionCode' });
  const taken = await tx.query('SELECT 1 FROM subscriber WHERE msisdn = $1', [msisdn]);
  if (taken.length) throw new DomainError('CONFLICT', { msisdn });

  const customerId =
    input.customerId ??
    (await tx.query<{ id: number }>("INSERT INTO customer (kind, name, created_at) VALUES ('person', $1, $2) RETURNING id", [input.customerName ?? msisdn, at]))[0]!.id;
  const accountId = (
    // A contract's number draws on the contract's shared credit pool, not a limit of its own.
    await tx.query<{ id: number }>('INSERT INTO account (customer_id, credit_limit, pool_contract_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id', [
      customerId,
      input.contractId ? 0 : (input.creditLimit ?? 0),
      input.contractId ?? null,
      at,
    ])
  )[0]!.id;
  const billingDay = localDayOfMonth(at, region.time_zone);
  const period = tariffPeriod(tariff, { timeZone: region.time_zone, billingDay }, at);
  const subscriberId = (
    await tx.query<{ id: number }>(
      `INSERT INTO subscriber (account_id, customer_id, contract_id, department_id, msisdn, iccid, region_code, tariff_code,
         tariff_since, tariff_next_charge_at, language, billing_day, employee_name, activated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $9) RETURNING id`,
      [accountId, customerId, input.contractId ?? null, input.departmentId ?? null, msisdn, input.iccid, input.regionCode, tariff.code, at,
        tariff.fee.amount > 0 ? period.end : null, input.language ?? 'ru', billingDay, input.employeeName ?? null],
    )
  )[0]!.id;
  for (const p of (await listProducts(tx)).filter((p) => p.default)) {
    await tx.query(
      `INSERT INTO product_instance (account_id, subscriber_id, product_code, status, connected_at, anchor_day) VALUES ($1, $2, $3, 'active', $4, $5)`,
      [accountId, subscriberId, p.code, at, billingDay],
    );
  }
  await grantAllowance(tx, { accountId, subscriberId, source: `tariff:${tariff.code}`, allowance: tariff.included, period });
  if (input.openingBalance && input.openingBalance !== 0) {
    await postEntry(tx, {
      accountId,
      subscriberId,
      amount: input.openingBalance,
      kind: input.openingBalance > 0 ? 'payment' : 'adjustment',
      category: input.openingBalance > 0 ? 'payment' : 'other',
      idempotencyKey: `opening:${subscriberId}`,
      description: 'opening balance',
      at,
    });
  }
  await recordAudit(tx, core, ctx, { action: 'subscriber.provision', subscriberId, customerId, details: { msisdn, tariff: tariff.code, region: input.regionCode } });
  return { subscriberId, accountId, customerId };
}

export function provisionSubscriber(core: Core, ctx: Ctx, input: ProvisionInput) {
  return core.db.tx((tx) => provisionSubscriberTx(tx, core, ctx, input));
}
