import { randomBytes } from 'node:crypto';
import type { Db } from './db.ts';

/** A random secret made once per install and kept in the store, for when SECRET_KEY is not set. */
export async function installSecret(db: Db): Promise<string> {
  const fresh = randomBytes(32).toString('hex');
  await db.query(
    `INSERT INTO catalog_setting (key, value) VALUES ('install_secret', to_jsonb($1::text)) ON CONFLICT (key) DO NOTHING`,
    [fresh],
  );
  const rows = await db.query<{ value: string }>("SELECT value FROM catalog_setting WHERE key = 'install_secret'");
  return rows[0]!.value;
}
