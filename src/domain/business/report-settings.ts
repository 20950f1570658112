import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx, Lang } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { requireBusinessAdmin } from './access.ts';

export const REPORT_LANGUAGES = ['ru', 'en'] as const;

/** The languages the company's monthly report is made in (Russian by default). Every role may read it. */
export async function getReportSettings(core: Core, ctx: Ctx): Promise<{ languages: Lang[] }> {
  const admin = requireBusinessAdmin(ctx, 'money');
  const [c] = await core.db.query<{ report_languages: Lang[] }>('SELECT report_languages FROM customer WHERE id = $1', [admin.customerId]);
  return { languages: c?.report_languages ?? ['ru'] };
}

/**
 * Chooses the language(s) of the monthly report: `ru`, `en` or both (Russian first). From the next
 * report on; reports already made stay as they are. Contract admins only.
 */
export async function setReportLanguages(core: Core, ctx: Ctx, input: { languages: string[] }): Promise<{ languages: Lang[] }> {
  return runUseCase(core, ctx, 'business.report.languages', async (tx, subject) => {
    const admin = requireBusinessAdmin(ctx, 'contract');
    subject.customerId = admin.customerId;
    const langs = REPORT_LANGUAGES.filter((l) => input.languages.includes(l));
    if (langs.length === 0 || input.languages.some((l) => !(REPORT_LANGUAGES as readonly string[]).includes(l))) throw new DomainError('VALIDATION', { field: 'languages' });
    const [prior] = await tx.query<{ report_languages: Lang[] }>('UPDATE customer c SET report_languages = $2 FROM customer old WHERE c.id = $1 AND old.id = c.id RETURNING old.report_languages', [admin.customerId, langs]);
    await recordAudit(tx, core, ctx, { action: 'business.report.languages', customerId: admin.customerId, details: { from: prior?.report_languages ?? null, to: langs } });
    return { languages: [...langs] };
  });
}
