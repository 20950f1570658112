import { createHmac } from 'node:crypto';
import type { Queryable } from '../../store/db.ts';
import { newToken } from '../auth/secrets.ts';

/**
 * Widget tokens look like `wgt_<43 base64url characters>` (32 random bytes). The store keeps only
 * an HMAC of the token under the install's secret, so a copy of the database opens no widget.
 * The prefix also keeps them apart from session tokens and API keys: as a Bearer they are unknown.
 */
export const WIDGET_TOKEN_PATTERN = /^wgt_[A-Za-z0-9_-]{43}$/;

export function newWidgetToken(): string {
  return `wgt_${newToken(32)}`;
}

export function hashWidgetToken(secret: string, token: string): string {
  return createHmac('sha256', secret).update(`widget:${token}`).digest('hex');
}

export interface WidgetTokenInfo {
  id: string;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface WidgetTokenRow {
  id: number;
  label: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export function toInfo(r: WidgetTokenRow): WidgetTokenInfo {
  return {
    id: String(r.id),
    label: r.label,
    createdAt: r.created_at.toISOString(),
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
  };
}

export async function countActive(q: Queryable, subscriberId: number): Promise<number> {
  const rows = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM widget_token WHERE subscriber_id = $1 AND revoked_at IS NULL', [subscriberId]);
  return rows[0]!.n;
}
