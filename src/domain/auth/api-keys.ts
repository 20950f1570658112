import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../store/db.ts';
import type { Core } from '../core.ts';
import type { Actor } from '../shared/context.ts';
import { sameHash, sha256 } from './secrets.ts';

/**
 * Operator API keys look like `abk_<prefix>_<secret>`. Only the prefix and a hash of the whole key
 * are stored; the key itself is shown once, when it is created.
 */
export async function createApiKey(q: Queryable, input: { name: string }): Promise<{ id: number; key: string; prefix: string }> {
  const prefix = randomBytes(6).toString('hex');
  const key = `abk_${prefix}_${randomBytes(24).toString('base64url')}`;
  const rows = await q.query<{ id: number }>('INSERT INTO api_key (name, prefix, key_hash) VALUES ($1, $2, $3) RETURNING id', [
    input.name,
    prefix,
    sha256(key),
  ]);
  return { id: rows[0]!.id, key, prefix };
}

export async function resolveApiKey(core: Core, key: string): Promise<Actor | null> {
  const m = /^abk_([0-9a-f]{12})_[A-Za-z0-9_-]{20,64}$/.exec(key);
  if (!m) return null;
  const rows = await core.db.query<{ id: number; key_hash: string }>('SELECT id, key_hash FROM api_key WHERE prefix = $1 AND revoked_at IS NULL', [m[1]]);
  const row = rows[0];
  if (!row || !sameHash(row.key_hash, sha256(key))) return null;
  return { kind: 'operator_api', apiKeyId: row.id };
}

export async function revokeApiKey(q: Queryable, prefix: string): Promise<boolean> {
  const rows = await q.query('UPDATE api_key SET revoked_at = now() WHERE prefix = $1 AND revoked_at IS NULL RETURNING id', [prefix]);
  return rows.length > 0;
}
