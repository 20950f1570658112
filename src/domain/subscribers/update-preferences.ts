import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from './access.ts';

/**
 * Language of every channel's answers, the USSD script (Cyrillic or Latin transliteration), and
 * the e-mail bills are sent to (the holder's own: a business number's e-mail is its company's,
 * set by the operator, so it is refused here). `email: null` removes it.
 */
export async function updatePreferences(
  core: Core,
  ctx: Ctx,
  input: { msisdn: string; language?: 'ru' | 'en'; script?: 'cyrillic' | 'latin'; email?: string | null },
): Promise<{ msisdn: string; language: 'ru' | 'en'; script: 'cyrillic' | 'latin'; email: string | null }> {
  return runUseCase(core, ctx, 'preferences.update', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const language = input.language ?? sub.language;
    const script = input.script ?? sub.script;
    const [customer] = await tx.query<{ email: string | null }>('SELECT email FROM customer WHERE id = $1', [sub.customerId]);
    const before = customer?.email ?? null;
    const email = input.email === undefined ? before : input.email === null ? null : input.email.trim().toLowerCase();
    if (email !== before && sub.customerKind !== 'person') throw new DomainError('VALIDATION', { field: 'email', reason: "a business number's e-mail is its company's" });
    if (language !== sub.language || script !== sub.script) {
      await tx.query('UPDATE subscriber SET language = $2, script = $3 WHERE id = $1', [sub.id, language, script]);
    }
    if (email !== before) await tx.query('UPDATE customer SET email = $2, updated_at = $3 WHERE id = $1', [sub.customerId, email, core.clock.now()]);
    if (language !== sub.language || script !== sub.script || email !== before) {
      await recordAudit(tx, core, ctx, {
        action: 'preferences.update',
        subscriberId: sub.id,
        customerId: sub.customerId,
        details: { language, script, ...(email !== before ? { email: email === null ? 'removed' : 'changed' } : {}) },
      });
    }
    return { msisdn: sub.msisdn, language, script, email };
  });
}
