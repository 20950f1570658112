import { spendablePoints } from '../bonus/lots.ts';
import type { Core } from '../core.ts';
import type { Lang } from '../shared/context.ts';
import { readBalance } from '../ledger/read-balance.ts';
import { DomainError, mustExist } from '../shared/errors.ts';
import { hashWidgetToken, WIDGET_TOKEN_PATTERN } from './token.ts';

/** What the widget card shows, and nothing more: the token's whole read scope. */
export interface WidgetCard {
  /** The number with all but the last two digits hidden: +7 *** ***-**-67. */
  maskedMsisdn: string;
  balance: number;
  currency: string;
  asOf: string;
  points: number;
  tariffName: { ru: string; en: string };
  /** The subscriber's own language, for a card asked for without `lang`. */
  language: Lang;
  /** The time zone of the subscriber's region: the card's time is local time. */
  timeZone: string;
}

/** `lastUsedAt` moves at most once a minute: a busy page should not turn every view into a write. */
const LAST_USED_STEP_MS = 60_000;

export function maskMsisdn(msisdn: string): string {
  const tail = msisdn.slice(-2);
  return msisdn.length === 11 && msisdn.startsWith('7') ? `+7 *** ***-**-${tail}` : `+${'*'.repeat(Math.max(msisdn.length - 2, 0))}${tail}`;
}

/**
 * The card for a widget token. An unknown, malformed or revoked token is NOT_FOUND, the same
 * answer for each, so the card tells nobody which tokens once existed.
 */
export async function readWidgetCard(core: Core, input: { token: string }): Promise<WidgetCard> {
  if (!WIDGET_TOKEN_PATTERN.test(input.token)) throw new DomainError('NOT_FOUND', { resource: 'widget' });
  const rows = await core.db.query<{
    id: number;
    account_id: number;
    subscriber_id: number;
    last_used_at: Date | null;
    msisdn: string;
    language: Lang;
    tariff_name: { ru: string; en: string };
    time_zone: string;
  }>(
    `SELECT w.id, w.account_id, w.subscriber_id, w.last_used_at, s.msisdn, s.language, p.spec->'name' AS tariff_name, r.time_zone
       FROM widget_token w JOIN subscriber s ON s.id = w.subscriber_id
       JOIN tariff_plan p ON p.code = s.tariff_code JOIN region r ON r.code = s.region_code
      WHERE w.token_hash = $1 AND w.revoked_at IS NULL`,
    [hashWidgetToken(core.secret, input.token)],
  );
  const r = rows[0];
  if (!r) throw new DomainError('NOT_FOUND', { resource: 'widget' });
  const funds = mustExist(await readBalance(core, { subscriberId: Number(r.subscriber_id) }), 'balance');
  const now = core.clock.now();
  const points = await spendablePoints(core.db, r.account_id, now);
  if (!r.last_used_at || now.getTime() - r.last_used_at.getTime() >= LAST_USED_STEP_MS) {
    await core.db.query('UPDATE widget_token SET last_used_at = $2 WHERE id = $1 AND revoked_at IS NULL', [r.id, now]);
  }
  return {
    maskedMsisdn: maskMsisdn(r.msisdn),
    balance: funds.balance,
    currency: funds.currency,
    asOf: funds.asOf,
    points,
    tariffName: r.tariff_name,
    language: r.language,
    timeZone: r.time_zone,
  };
}
