import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { currentTerms } from './current-terms.ts';

export interface TermsView {
  version: string;
  publishedAt: string;
  text: { ru: string; en: string };
  acceptedVersion: string | null;
  mustAccept: boolean;
}

/**
 * The terms in force, and for a subscriber which version they last accepted and whether they must
 * accept this one. Anyone may read the text; only a subscriber has something to accept.
 */
export async function getTerms(core: Core, ctx: Ctx): Promise<TermsView> {
  const current = await currentTerms(core);
  if (!current) throw new DomainError('NOT_FOUND', { resource: 'terms' });
  let acceptedVersion: string | null = null;
  let mustAccept = false;
  if (ctx.actor.kind === 'subscriber') {
    const rows = await core.db.query<{ version: string }>(
      `SELECT version FROM terms_acceptance WHERE subscriber_id = $1
        ORDER BY (version = $2) DESC, accepted_at DESC, version DESC LIMIT 1`,
      [ctx.actor.subscriberId, current.version],
    );
    acceptedVersion = rows[0]?.version ?? null;
    mustAccept = acceptedVersion !== current.version;
  }
  return { version: current.version, publishedAt: current.publishedAt.toISOString(), text: current.text, acceptedVersion, mustAccept };
}
