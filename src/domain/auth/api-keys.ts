import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../store/db.ts';
import type { Core } from '../core.ts';
import type { Actor } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { sameHash, sha256 } from './secrets.ts';

/**
 * What an operator API key may do. `read`: every read of the TM Forum APIs and their event
 * listeners (`/hub`). Each `<area>:write`: the writes of one area. A key made without scopes has
 * them all (and may use the operator's other API routes); a key with scopes is kept to the TM
 * Forum APIs and to what its scopes allow.
 */
export const API_SCOPES = ['read', 'catalog:write', 'product:write', 'balance:write', 'usage:write', 'payment:write', 'party:write', 'communication:write', 'account:write', 'bill:write'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** `read,party:write` (or `all`) as scopes: null for all; an unknown scope is refused. */
export function parseScopes(text: string): ApiScope[] | null {
  const names = [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))];
  if (names.length === 1 && names[0] === 'all') return null;
  const unknown = names.find((n) => !(API_SCOPES as readonly string[]).includes(n));
  if (unknown !== undefined || names.length === 0) throw new DomainError('VALIDATION', { field: 'scopes', message: `${unknown ?? '(none)'} is no scope; scopes: all, or some of ${API_SCOPES.join(', ')}` });
  return names as ApiScope[];
}

/**
 * Operator API keys look like `abk_<prefix>_<secret>`. Only the prefix and a hash of the whole key
 * are stored; the key itself is shown once, when it is created.
 */
export async function createApiKey(q: Queryable, input: { name: string; scopes?: readonly ApiScope[] | null }): Promise<{ id: number; key: string; prefix: string }> {
  const prefix = randomBytes(6).toString('hex');
  const key = `abk_${prefix}_${randomBytes(24).toString('base64url')}`;
  const rows = await q.query<{ id: number }>('INSERT INTO api_key (name, prefix, key_hash, scopes) VALUES ($1, $2, $3, $4) RETURNING id', [
    input.name,
    prefix,
    sha256(key),
    input.scopes ?? null,
  ]);
  return { id: rows[0]!.id, key, prefix };
}

export async function resolveApiKey(core: Core, key: string): Promise<Actor | null> {
  const m = /^abk_([0-9a-f]{12})_[A-Za-z0-9_-]{20,64}$/.exec(key);
  if (!m) return null;
  const rows = await core.db.query<{ id: number; key_hash: string; scopes: ApiScope[] | null }>('SELECT id, key_hash, scopes FROM api_key WHERE prefix = $1 AND revoked_at IS NULL', [m[1]]);
  const row = rows[0];
  if (!row || !sameHash(row.key_hash, sha256(key))) return null;
  return { kind: 'operator_api', apiKeyId: row.id, ...(row.scopes ? { scopes: row.scopes } : {}) };
}

/** Sets what a key may do (null: everything); false when no active key has that prefix. */
export async function setApiKeyScopes(q: Queryable, prefix: string, scopes: readonly ApiScope[] | null): Promise<boolean> {
  const rows = await q.query('UPDATE api_key SET scopes = $2 WHERE prefix = $1 AND revoked_at IS NULL RETURNING id', [prefix, scopes]);
  return rows.length > 0;
}

export async function revokeApiKey(q: Queryable, prefix: string): Promise<boolean> {
  const rows = await q.query('UPDATE api_key SET revoked_at = now() WHERE prefix = $1 AND revoked_at IS NULL RETURNING id', [prefix]);
  return rows.length > 0;
}
