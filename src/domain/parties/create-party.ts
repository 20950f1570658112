import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { idempotent } from '../shared/idempotency.ts';
import { requireOperator } from '../shared/operator-access.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { fullNameOf, partyProblem, type PartyAttributes, type PartyInput } from './party-attributes.ts';

/**
 * Records a customer before it holds anything (TMF632 POST individual / organization): a person
 * who will hold a number once one is provisioned for it, or a business before its contracts. Only
 * operator integrations and staff may; nothing of a login is made here (no password, no business
 * admin), so a party created this way can sign in to nothing until a number or a login is given
 * to it by provisioning or onboarding. Idempotent by the request's key; audited (`party.create`).
 */
export async function createParty(core: Core, ctx: Ctx, input: PartyInput & { kind: 'person' | 'business' }): Promise<{ id: number }> {
  requireOperator(ctx);
  const name = input.kind === 'person' ? (input.name?.trim() || fullNameOf(input)) : input.name?.trim();
  if (input.kind === 'person' && (!input.givenName || !input.familyName)) throw new DomainError('VALIDATION', { field: input.givenName ? 'familyName' : 'givenName', message: 'required' });
  if (!name) throw new DomainError('VALIDATION', { field: 'tradingName', message: 'required' });
  const problem = partyProblem({ ...input, name });
  if (problem) throw new DomainError('VALIDATION', problem);
  const attributes: PartyAttributes = {
    ...(input.givenName ? { givenName: input.givenName.trim() } : {}),
    ...(input.familyName ? { familyName: input.familyName.trim() } : {}),
    ...(input.middleName ? { middleName: input.middleName.trim() } : {}),
    ...(input.language ? { language: input.language } : {}),
    ...(input.phones?.length ? { phones: input.phones } : {}),
    ...(input.extra && Object.keys(input.extra).length ? { extra: input.extra } : {}),
  };
  return runUseCase(core, ctx, 'party.create', async (tx, subject) =>
    idempotent(tx, ctx, 'party.create', 'party.create', { ...input, name }, async () => {
      const now = core.clock.now();
      const [row] = await tx.query<{ id: number }>(
        'INSERT INTO customer (kind, name, inn, email, party, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id',
        [input.kind, name, input.kind === 'business' ? (input.inn ?? null) : null, input.email?.toLowerCase() ?? null, JSON.stringify(attributes), now],
      );
      const id = Number(row!.id);
      subject.customerId = id;
      await recordAudit(tx, core, ctx, { action: 'party.create', customerId: id, details: { kind: input.kind } });
      return { id };
    }),
  );
}
