import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from './access.ts';

/** Language of every channel's answers and the USSD script (Cyrillic or Latin transliteration). */
export async function updatePreferences(
  core: Core,
  ctx: Ctx,
  input: { msisdn: string; language?: 'ru' | 'en'; script?: 'cyrillic' | 'latin' },
): Promise<{ msisdn: string; language: 'ru' | 'en'; script: 'cyrillic' | 'latin' }> {
  return runUseCase(core, ctx, 'preferences.update', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const language = input.language ?? sub.language;
    const script = input.script ?? sub.script;
    if (language !== sub.language || script !== sub.script) {
      await tx.query('UPDATE subscriber SET language = $2, script = $3 WHERE id = $1', [sub.id, language, script]);
      await recordAudit(tx, core, ctx, {
        action: 'preferences.update',
        subscriberId: sub.id,
        customerId: sub.customerId,
        details: { language, script },
      });
    }
    return { msisdn: sub.msisdn, language, script };
  });
}
