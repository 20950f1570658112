import type { Db, Queryable } from '../../store/db.ts';
import type { Core } from '../core.ts';
import { loadTermsFile, type TermsDocument } from './terms-file.ts';

export interface TermsVersion {
  version: string;
  publishedAt: Date;
  text: { ru: string; en: string };
}

/**
 * Puts the version in catalog/terms.json into the store the first time a process reads the terms,
 * so shipping a new file and restarting publishes it (on every instance at once: the insert is
 * idempotent). A version once published is never changed by a file.
 */
const published = new WeakMap<Db, Promise<void>>();

export async function insertTermsVersion(q: Queryable, doc: TermsDocument): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO terms_version (version, published_at, text_ru, text_en) VALUES ($1, $2, $3, $4)
     ON CONFLICT (version) DO NOTHING RETURNING version`,
    [doc.version, new Date(doc.publishedAt), doc.text.ru, doc.text.en],
  );
  return rows.length > 0;
}

export function ensureTermsPublished(core: Core): Promise<void> {
  let p = published.get(core.db);
  if (!p) {
    p = insertTermsVersion(core.db, loadTermsFile()).then(
      () => undefined,
      (err: unknown) => {
        published.delete(core.db);
        throw err;
      },
    );
    published.set(core.db, p);
  }
  return p;
}

/** The version in force now: the latest one published by now, or null before any. */
export async function currentTerms(core: Core): Promise<TermsVersion | null> {
  await ensureTermsPublished(core);
  return readCurrentTerms(core.db, core.clock.now());
}

/** As currentTerms, inside a transaction (whose caller has called ensureTermsPublished first). */
export async function readCurrentTerms(q: Queryable, now: Date): Promise<TermsVersion | null> {
  const rows = await q.query<{ version: string; published_at: Date; text_ru: string; text_en: string }>(
    'SELECT version, published_at, text_ru, text_en FROM terms_version WHERE published_at <= $1 ORDER BY published_at DESC, version DESC LIMIT 1',
    [now],
  );
  const r = rows[0];
  return r ? { version: r.version, publishedAt: r.published_at, text: { ru: r.text_ru, en: r.text_en } } : null;
}

/** Whether the subscriber has yet to accept the version in force (false when none is). */
export async function mustAcceptTerms(core: Core, subscriberId: number): Promise<boolean> {
  const current = await currentTerms(core);
  if (!current) return false;
  const rows = await core.db.query('SELECT 1 FROM terms_acceptance WHERE subscriber_id = $1 AND version = $2', [subscriberId, current.version]);
  return rows.length === 0;
}
