import type { Queryable } from '../../store/db.ts';
import { accrueSql, lotExpiry, monthLotReference, type BonusRules } from '../bonus/earn-points.ts';
import { getSettings } from '../catalog/read-catalog.ts';
import { assertMinor } from '../shared/money.ts';
import { balanceBoundRefusal } from './balance-bound.ts';

export type EntryKind = 'payment' | 'fee' | 'usage' | 'promised' | 'bonus' | 'refund' | 'adjustment';
export type EntryCategory = 'subscription' | 'calls' | 'sms' | 'internet' | 'content' | 'roaming' | 'one_off' | 'promised' | 'payment' | 'bonus' | 'other';

/** The kinds of entry that are a charge for a service: taken from the account, they earn bonus points. */
export const POINT_EARNING_KINDS: readonly EntryKind[] = ['fee', 'usage'];

/** Whether an entry earns bonus points: a fee or usage charge (money taken, so a negative amount). */
export function earnsPoints(kind: EntryKind, amount: number): boolean {
  return amount < 0 && POINT_EARNING_KINDS.includes(kind);
}

export interface EntryInput {
  accountId: number;
  /** Signed minor units: credits positive, charges negative. */
  amount: number;
  kind: EntryKind;
  idempotencyKey: string;
  subscriberId?: number | null;
  productCode?: string | null;
  reference?: string | null;
  description?: string | null;
  /** What a charge was for, for spending by category. */
  category?: EntryCategory | null;
  at: Date;
}

/** A batch of entries as ledger columns, one array element per entry, all booked at one time. */
export interface EntryColumns {
  account: number[];
  /** Signed minor units: credits positive, charges negative. */
  amount: number[];
  kind: EntryKind[];
  key: string[];
  sub: (number | null)[];
  category: (EntryCategory | null)[] | string[];
  product?: (string | null)[];
  description?: (string | null)[];
  reference?: (string | null)[];
}

export interface PostedEntry {
  id: number;
  /** False when an entry with this key was already booked: nothing new was written. */
  booked: boolean;
}

export interface PostOptions {
  /** The bonus rules in force; read from the store's settings when left out and an entry earns points. */
  bonus?: BonusRules;
}

/**
 * THE ledger write path: every entry that moves a balance — payments, fees, usage, top-ups,
 * refunds, adjustments, promised payments, points exchanged for money — is booked here and only
 * here (test/unit/one-ledger-path.test.ts keeps it so). One statement, whatever the batch size:
 *
 * - The entries are inserted; an entry whose (account, idempotency key) is already booked books
 *   nothing (and earns nothing). The store's trigger moves each account's balance in the same
 *   statement, so the balance is always the sum of the entries.
 * - Every fee or usage charge actually booked earns bonus points, ONE rule whichever use case
 *   books it, alone or in a batch: `floor(kopecks × pointsPerRuble / 100)` per entry, computed
 *   exactly (SQL numeric, the rate passed as its decimal text), then summed per account into the
 *   account's lot of the month (`bonus/earn-points.ts`).
 *
 * Returns, for each entry in order, its id and whether it was booked now; `ids: false` spares a
 * large batch (a fee run) the reading back.
 */
export async function postEntries(q: Queryable, c: EntryColumns, at: Date, opts: PostOptions & { ids: false }): Promise<void>;
export async function postEntries(q: Queryable, c: EntryColumns, at: Date, opts?: PostOptions & { ids?: true }): Promise<PostedEntry[]>;
export async function postEntries(q: Queryable, c: EntryColumns, at: Date, opts: PostOptions & { ids?: boolean } = {}): Promise<PostedEntry[] | void> {
  const n = c.account.length;
  for (const [name, col] of [['amount', c.amount], ['kind', c.kind], ['key', c.key], ['sub', c.sub], ['category', c.category]] as const) {
    if (col.length !== n) throw new RangeError(`ledger columns differ in length: ${name} has ${col.length}, account ${n}`);
  }
  if (n === 0) return opts.ids === false ? undefined : [];
  let earning = false;
  for (let i = 0; i < n; i++) {
    const m = assertMinor(c.amount[i]!);
    if (m === 0) throw new RangeError('a ledger entry moves a non-zero amount');
    if (earnsPoints(c.kind[i]!, m)) earning = true;
  }
  // Settings are read from this store every time: operators change the rate at run time.
  const bonus = earning ? (opts.bonus ?? (await getSettings(q)).bonus) : null;
  const none = () => new Array<null>(n).fill(null);
  const wantIds = opts.ids !== false;
  let rows: { id: number; key: string; account: number }[];
  try {
    rows = await q.query<{ id: number; key: string; account: number }>(
      `WITH x AS (
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
                  WITH ORDINALITY AS x(a, m, t, s, k, c, p, d, r, o)
       ), taken AS (
         -- The key first: ledger_entry is partitioned by month and cannot hold a key without the
         -- instant, so ledger_entry_key (account, idempotency key) decides which entries are new.
         INSERT INTO ledger_entry_key (account_id, idempotency_key, created_at) SELECT a, k, $10 FROM x
         ON CONFLICT DO NOTHING
         RETURNING account_id, idempotency_key
       ), booked AS (
         INSERT INTO ledger_entry (account_id, amount, kind, subscriber_id, idempotency_key, category, product_code, description, reference, created_at)
         SELECT a, m, t, s, k, c, p, d, r, $10::timestamptz FROM (
           -- A key twice in one batch books its first entry; entries are booked in the batch's order.
           SELECT DISTINCT ON (x.a, x.k) x.* FROM x JOIN taken ON taken.account_id = x.a AND taken.idempotency_key = x.k
            ORDER BY x.a, x.k, x.o
         ) y ORDER BY o
         RETURNING id, account_id, subscriber_id, idempotency_key,
                   CASE WHEN amount < 0 AND kind = ANY($14::text[]) THEN floor(-amount * $11::numeric / 100) ELSE 0 END AS points
       ), earned AS (
         -- Points are worked out per entry above and summed here without a filter: a filter on the
         -- CTE would make the planner expect few accounts and join the lots to them in a nested loop.
         SELECT account_id, min(subscriber_id) AS subscriber_id, sum(points)::bigint AS points FROM booked GROUP BY account_id
       ), ${accrueSql('earned', { at: 10, expires: 12, month: 13 })}
       ${wantIds ? 'SELECT id, idempotency_key AS key, account_id AS account FROM booked' : 'SELECT 0 AS id, NULL AS key, 0 AS account WHERE false'}`,
      [
        c.account,
        c.amount,
        c.kind,
        c.sub,
        c.key,
        c.category,
        c.product ?? none(),
        c.description ?? none(),
        c.reference ?? none(),
        at,
        String(bonus ? Math.max(0, bonus.pointsPerRuble) : 0),
        lotExpiry(at, bonus?.expiryMonths ?? 12),
        monthLotReference(at),
        POINT_EARNING_KINDS,
      ],
    );
  } catch (err) {
    throw balanceBoundRefusal(err) ?? err;
  }
  if (!wantIds) return;
  const keyOf = (account: number, key: string) => `${account}\u0000${key}`;
  const found = new Map(rows.map((r) => [keyOf(Number(r.account), r.key), { id: Number(r.id), booked: true }]));
  const missing = c.key.map((k, i) => (found.has(keyOf(c.account[i]!, k)) ? -1 : i)).filter((i) => i >= 0);
  if (missing.length) {
    const prior = await q.query<{ id: number; key: string; account: number }>(
      `SELECT l.id, l.idempotency_key AS key, l.account_id AS account
         FROM ledger_entry l JOIN unnest($1::bigint[], $2::text[]) AS x(a, k) ON l.account_id = x.a AND l.idempotency_key = x.k`,
      [missing.map((i) => c.account[i]!), missing.map((i) => c.key[i]!)],
    );
    for (const p of prior) found.set(keyOf(Number(p.account), p.key), { id: Number(p.id), booked: false });
  }
  return c.key.map((k, i) => found.get(keyOf(c.account[i]!, k)) ?? { id: 0, booked: false });
}

/** One entry through the one write path (`postEntries`). */
export async function postEntry(q: Queryable, e: EntryInput, opts: PostOptions = {}): Promise<PostedEntry> {
  const [posted] = await postEntries(
    q,
    {
      account: [e.accountId],
      amount: [e.amount],
      kind: [e.kind],
      key: [e.idempotencyKey],
      sub: [e.subscriberId ?? null],
      category: [e.category ?? null],
      product: [e.productCode ?? null],
      description: [e.description ?? null],
      reference: [e.reference ?? null],
    },
    e.at,
    opts,
  );
  return posted!;
}
