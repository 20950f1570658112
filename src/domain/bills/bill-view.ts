import type { Lang } from '../shared/context.ts';
import type { BillLine } from './lines.ts';

/** A bill as the channels show it (amounts in kopecks, signed: charges negative). */
export interface BillView {
  id: string;
  number: string;
  /** `YYYY-MM` in the billing account's local time. */
  period: string;
  periodStart: string;
  periodEnd: string;
  timeZone: string;
  issuedAt: string;
  language: Lang;
  currency: string;
  /** The phone number of a subscriber's own bill; null on a contract's bill. */
  msisdn: string | null;
  /** The contract's number on a business bill; null on a subscriber's own bill. */
  contract: string | null;
  openingBalance: number;
  closingBalance: number;
  charges: number;
  credits: number;
  lines: BillLine[];
}

export interface BillRow {
  id: string;
  number: string;
  period: string;
  period_start: Date;
  period_end: Date;
  time_zone: string;
  issued_at: Date;
  language: Lang;
  currency: string;
  msisdn: string | null;
  contract: string | null;
  opening_balance: number;
  closing_balance: number;
  charges: number;
  credits: number;
  lines: BillLine[];
}

/** The columns of `bill b` a BillRow reads, with the number (`subscriber s`) and contract (`contract k`) joined by BILL_JOINS. */
export const BILL_COLUMNS = `b.id::text AS id, b.number, b.period, b.period_start, b.period_end, b.time_zone, b.issued_at, b.language, b.currency,
  s.msisdn, k.number AS contract, b.opening_balance, b.closing_balance, b.charges, b.credits, b.lines`;
export const BILL_JOINS = `LEFT JOIN subscriber s ON b.account_id IS NOT NULL AND s.account_id = b.account_id LEFT JOIN contract k ON k.id = b.contract_id`;

export function billView(r: BillRow): BillView {
  return {
    id: r.id,
    number: r.number,
    period: r.period,
    periodStart: new Date(r.period_start).toISOString(),
    periodEnd: new Date(r.period_end).toISOString(),
    timeZone: r.time_zone,
    issuedAt: new Date(r.issued_at).toISOString(),
    language: r.language,
    currency: r.currency,
    msisdn: r.msisdn,
    contract: r.contract,
    openingBalance: Number(r.opening_balance),
    closingBalance: Number(r.closing_balance),
    charges: Number(r.charges),
    credits: Number(r.credits),
    lines: (typeof r.lines === 'string' ? (JSON.parse(r.lines) as BillLine[]) : r.lines).map((l) => ({ ...l, amount: Number(l.amount) })),
  };
}

export function isBillId(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}

export function billFilename(number: string): string {
  return `bill-${number}.pdf`;
}

export function bytesOf(bytes: Uint8Array): Buffer {
  // PGlite gives bytea as a Uint8Array, pg as a Buffer: hand every channel a Buffer.
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
