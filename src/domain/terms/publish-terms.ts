import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { insertTermsVersion } from './current-terms.ts';
import { termsSchema, type TermsDocument } from './terms-file.ts';

/**
 * A new version of the terms (staff or the system). From `publishedAt` on it is the one in force,
 * and every subscriber must accept it at their next login. A version is published once: the same
 * version again with another text is refused.
 */
export async function publishTerms(core: Core, ctx: Ctx, input: TermsDocument): Promise<{ version: string; created: boolean }> {
  return runUseCase(core, ctx, 'terms.publish', async (tx) => {
    if (ctx.actor.kind !== 'staff' && ctx.actor.kind !== 'system') throw new DomainError('FORBIDDEN');
    const parsed = termsSchema.safeParse(input);
    if (!parsed.success) throw new DomainError('VALIDATION', { field: String(parsed.error.issues[0]?.path.join('.') ?? 'terms') });
    const doc = parsed.data;
    const created = await insertTermsVersion(tx, doc);
    if (!created) {
      const rows = await tx.query<{ text_ru: string; text_en: string; published_at: Date }>(
        'SELECT text_ru, text_en, published_at FROM terms_version WHERE version = $1',
        [doc.version],
      );
      const r = rows[0]!;
      if (r.text_ru !== doc.text.ru || r.text_en !== doc.text.en || r.published_at.getTime() !== new Date(doc.publishedAt).getTime()) {
        throw new DomainError('CONFLICT', { reason: 'terms_version_exists', version: doc.version });
      }
    } else {
      await recordAudit(tx, core, ctx, { action: 'terms.publish', details: { version: doc.version, publishedAt: doc.publishedAt } });
    }
    return { version: doc.version, created };
  });
}
