import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { requireOperator } from '../shared/operator-access.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { fullNameOf, partyProblem, type PartyAttributes, type PartyInput } from './party-attributes.ts';

/**
 * Changes what is recorded of a customer (TMF632 PATCH): names, the INN of a business, the e-mail
 * bills are sent to, contact phones and kept attributes. What is absent stays; `middleName`,
 * `inn` and `email` may be set to null to remove them. The numbers a party holds are changed by
 * provisioning, never here. Only operator integrations and staff may; audited (`party.update`,
 * with the names of the attributes changed, not their values). Returns whether anything changed.
 */
export async function updateParty(core: Core, ctx: Ctx, input: PartyInput & { id: number; kind: 'person' | 'business' }): Promise<{ changed: string[] }> {
  requireOperator(ctx);
  const problem = partyProblem(input);
  if (problem) throw new DomainError('VALIDATION', problem);
  return runUseCase(core, ctx, 'party.update', async (tx, subject) => {
    const [c] = await tx.query<{ name: string; inn: string | null; email: string | null; party: PartyAttributes }>(
      'SELECT name, inn, email, party FROM customer WHERE id = $1 AND kind = $2 FOR UPDATE',
      [input.id, input.kind],
    );
    if (!c) throw new DomainError('NOT_FOUND', { id: String(input.id) });
    subject.customerId = input.id;
    const a: PartyAttributes = { ...c.party };
    const changed: string[] = [];
    const set = <K extends keyof PartyAttributes>(k: K, v: PartyAttributes[K] | null | undefined) => {
      if (v === undefined) return;
      if (JSON.stringify(a[k] ?? null) === JSON.stringify(v ?? null)) return;
      if (v === null) delete a[k];
      else a[k] = v;
      changed.push(k);
    };
    set('givenName', input.givenName?.trim());
    set('familyName', input.familyName?.trim());
    set('middleName', input.middleName === null ? null : input.middleName?.trim());
    set('language', input.language);
    set('phones', input.phones === undefined ? undefined : input.phones.length ? input.phones : null);
    if (input.extra !== undefined) set('extra', Object.keys({ ...a.extra, ...input.extra }).length ? { ...a.extra, ...input.extra } : null);
    const nameChanged = changed.some((k) => k === 'givenName' || k === 'familyName' || k === 'middleName');
    const name = input.name?.trim() || (input.kind === 'person' && nameChanged ? fullNameOf(a) : c.name);
    if (name !== c.name) changed.push('name');
    const inn = input.inn === undefined || input.kind !== 'business' ? c.inn : input.inn;
    if (inn !== c.inn) changed.push('inn');
    const email = input.email === undefined ? c.email : (input.email?.toLowerCase() ?? null);
    if (email !== c.email) changed.push('email');
    if (changed.length === 0) return { changed };
    await tx.query('UPDATE customer SET name = $2, inn = $3, email = $4, party = $5, updated_at = $6 WHERE id = $1', [input.id, name, inn, email, JSON.stringify(a), core.clock.now()]);
    await recordAudit(tx, core, ctx, { action: 'party.update', customerId: input.id, details: { changed: changed.join(',') } });
    return { changed };
  });
}
