/**
 * What a bill line is for. Every ledger entry of the month falls in exactly one type (the `other`
 * types take whatever the others do not), so the lines of a bill add up to the ledger's movement.
 */
export const CHARGE_TYPES = ['tariff_fee', 'product_fee', 'content', 'usage_calls', 'usage_sms', 'usage_internet', 'usage_roaming', 'one_off', 'other_charge'] as const;
export const CREDIT_TYPES = ['payment', 'refund', 'adjustment', 'bonus', 'promised_credit', 'promised_repaid'] as const;
export const LINE_TYPES = [...CHARGE_TYPES, ...CREDIT_TYPES] as const;
export type LineType = (typeof LINE_TYPES)[number];

/** The SQL expression (on ledger alias `l`) giving an entry's line type. */
export const LINE_TYPE_SQL = `CASE
    WHEN l.kind = 'payment' THEN 'payment'
    WHEN l.kind = 'refund' THEN 'refund'
    WHEN l.kind = 'adjustment' THEN 'adjustment'
    WHEN l.kind = 'bonus' THEN 'bonus'
    WHEN l.kind = 'promised' AND l.amount > 0 THEN 'promised_credit'
    WHEN l.kind = 'promised' THEN 'promised_repaid'
    WHEN l.category = 'content' THEN 'content'
    WHEN l.category = 'one_off' THEN 'one_off'
    WHEN l.kind = 'usage' AND l.category IN ('calls', 'sms', 'internet', 'roaming') THEN 'usage_' || l.category
    WHEN l.kind = 'fee' AND l.category = 'subscription' AND l.product_code IS NULL THEN 'tariff_fee'
    WHEN l.kind = 'fee' AND l.category = 'subscription' THEN 'product_fee'
    ELSE 'other_charge' END`;

export interface BillLine {
  type: LineType;
  /** The number the line is for: business bills only (a subscriber's own bill has one number). */
  msisdn: string | null;
  /** Signed kopecks: charges negative, money in positive. */
  amount: number;
  /** How many ledger entries the line sums. */
  count: number;
}

export function isCharge(type: LineType): boolean {
  return (CHARGE_TYPES as readonly string[]).includes(type);
}

/** Lines in reading order: by number (business), then charges before money in, in the order above. */
export function sortLines(lines: BillLine[]): BillLine[] {
  const order = new Map<string, number>(LINE_TYPES.map((t, i) => [t, i]));
  return [...lines].sort((a, b) => (a.msisdn ?? '').localeCompare(b.msisdn ?? '') || order.get(a.type)! - order.get(b.type)!);
}

export interface BillTotals {
  /** Kopecks charged for services in the month (≥ 0: fee and usage entries only take money). */
  charges: number;
  /** Net kopecks of payments, refunds, adjustments, bonus credits and promised payments (signed). */
  credits: number;
}

export function totalsOf(lines: BillLine[]): BillTotals {
  let charges = 0;
  let credits = 0;
  for (const l of lines) {
    if (isCharge(l.type)) charges -= l.amount;
    else credits += l.amount;
  }
  return { charges, credits };
}
