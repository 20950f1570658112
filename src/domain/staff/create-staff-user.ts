import { recordAudit } from '../audit/record-audit.ts';
import { normalizeEmail } from '../auth/business-login.ts';
import { hashPassword, newPassword } from '../auth/secrets.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { runUseCase } from '../shared/run-use-case.ts';

/**
 * Creates an operator staff account (the first one of a production install, or another one).
 * The password is the one given, or a random one returned once: only its hash is kept.
 */
export async function createStaffUser(core: Core, ctx: Ctx, input: { email: string; name?: string; password?: string }): Promise<{ id: number; email: string; password: string; generated: boolean }> {
  const email = normalizeEmail(input.email);
  const name = (input.name ?? email.split('@')[0]!).trim();
  if (!name || name.length > 200) throw new DomainError('VALIDATION', { field: 'name' });
  if (input.password !== undefined && (input.password.length < 8 || input.password.length > 200)) throw new DomainError('VALIDATION', { field: 'password' });
  const password = input.password ?? newPassword(14);
  const hash = await hashPassword(password);
  return runUseCase(core, ctx, 'staff.create', async (tx) => {
    // The unique email decides between two creations at once.
    const [row] = await tx.query<{ id: number }>(
      'INSERT INTO staff_user (email, name, password_hash) VALUES ($1, $2, $3) ON CONFLICT (email) DO NOTHING RETURNING id',
      [email, name, hash],
    );
    if (!row) throw new DomainError('STAFF_EMAIL_TAKEN', { email });
    await recordAudit(tx, core, ctx, { action: 'staff.create', details: { staffId: row.id, email } });
    return { id: row.id, email, password, generated: input.password === undefined };
  });
}
