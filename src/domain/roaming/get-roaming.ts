import { loadCapStates } from '../caps/caps.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { batchedLookup } from '../../store/batched-lookup.ts';
import { DomainError } from '../shared/errors.ts';
import { canSee, loadSubscriber, subscriberKey } from '../subscribers/access.ts';
import { countryName } from './welcome-text.ts';

export interface RoamingView {
  msisdn: string;
  /** ISO 3166-1 alpha-2 of the country the number is in, or null at home. */
  country: string | null;
  countryName: { ru: string; en: string } | null;
  since: string | null;
  /** Kopecks of roaming this calendar month (the region's), and the roaming cap. */
  spent: number;
  cap: number;
}

/** Whether the number is in roaming, where, and its roaming spending this month against its cap. */
export async function getRoaming(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<RoamingView>;
/** With `onlyAbroad`: null at home, without reading the month's spending. */
export async function getRoaming(core: Core, ctx: Ctx, input: { msisdn: string; onlyAbroad: true }): Promise<RoamingView | null>;
export async function getRoaming(core: Core, ctx: Ctx, input: { msisdn: string; onlyAbroad?: boolean }): Promise<RoamingView | null> {
  // Most numbers are at home: whether this one is abroad is one key lookup, shared by the reads
  // that arrive together (the USSD balance page asks it on every hop).
  if (input.onlyAbroad && !(await isAbroad(core, ctx, input.msisdn))) return null;
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const [state] = await core.db.query<{ country: string | null; since: Date }>('SELECT country, since FROM roaming_state WHERE subscriber_id = $1', [sub.id]);
  if (input.onlyAbroad && !state?.country) return null;
  const cap = (await loadCapStates(core.db, core.clock.now(), [sub.id], [sub.id])).get(sub.id)!;
  const country = state?.country ?? null;
  return {
    msisdn: sub.msisdn,
    country,
    countryName: country ? { ru: countryName(country, 'ru'), en: countryName(country, 'en') } : null,
    since: country && state ? state.since.toISOString() : null,
    spent: cap.roamingSpent,
    cap: cap.roaming,
  };
}

interface WhereRow {
  id: number;
  customerId: number;
  departmentId: number | null;
  msisdn: string;
  country: string | null;
}

const whereSql = (cond: string) =>
  `SELECT s.id, s.customer_id AS "customerId", s.department_id AS "departmentId", s.msisdn, rs.country
     FROM subscriber s LEFT JOIN roaming_state rs ON rs.subscriber_id = s.id WHERE ${cond}`;

/** Whether the number is abroad now; refuses a number the actor may not see, as `loadSubscriber` does. */
async function isAbroad(core: Core, ctx: Ctx, msisdnOrMe: string): Promise<boolean> {
  const { param } = subscriberKey(ctx.actor, msisdnOrMe);
  const common = { sql: whereSql, paramTypes: [], params: () => [] };
  const row =
    typeof param === 'number'
      ? await batchedLookup<number, WhereRow>(core.db, { ...common, name: 'roaming_where_by_id', keyColumn: 's.id', keyType: 'bigint', keyOf: (r) => Number(r.id) })(param)
      : await batchedLookup<string, WhereRow>(core.db, { ...common, name: 'roaming_where_by_msisdn', keyColumn: 's.msisdn', keyType: 'text', keyOf: (r) => r.msisdn })(param);
  if (!row || !canSee(ctx.actor, { id: Number(row.id), customerId: Number(row.customerId), departmentId: row.departmentId === null ? null : Number(row.departmentId) })) {
    throw new DomainError('SUBSCRIBER_NOT_FOUND', { msisdn: msisdnOrMe });
  }
  return row.country !== null;
}
