import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';

/** The operator's own staff and nobody else: not subscribers, business admins or API keys. */
export function requireStaff(ctx: Ctx): number {
  if (ctx.actor.kind === 'staff') return ctx.actor.staffId;
  if (ctx.actor.kind === 'anonymous') throw new DomainError('UNAUTHENTICATED');
  throw new DomainError('FORBIDDEN');
}

/** Opaque page cursors: the sort key of the last row seen, as base64url JSON. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, shape: readonly ('string' | 'number')[]): (string | number)[] {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new DomainError('VALIDATION', { field: 'cursor' });
  }
  if (!Array.isArray(key) || key.length !== shape.length || key.some((v, i) => typeof v !== shape[i])) {
    throw new DomainError('VALIDATION', { field: 'cursor' });
  }
  return key as (string | number)[];
}
