import type { Queryable } from '../../store/db.ts';
import type { Actor, BusinessRole, Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { normalizeMsisdn } from '../shared/msisdn.ts';

export type BusinessAdmin = Extract<Actor, { kind: 'business_admin' }>;

/**
 * What a business use case may do:
 * - `read`: see numbers (and their directory data) within the admin's reach;
 * - `money`: see money and reports (every role, within its reach);
 * - `write`: change numbers, limits, orders (contract admin; department manager within the department);
 * - `contract`: change the contract itself (policies, trust limit, approval rule): contract admin only.
 */
export type BusinessAccess = 'read' | 'money' | 'write' | 'contract';

/**
 * The one door of the business portal: the caller must be a business admin, and the role must
 * allow the kind of access. Everything else (which numbers) is `scopeOf`.
 */
export function requireBusinessAdmin(ctx: Ctx, access: BusinessAccess): BusinessAdmin {
  const a = ctx.actor;
  if (a.kind === 'anonymous') throw new DomainError('UNAUTHENTICATED');
  if (a.kind !== 'business_admin') throw new DomainError('FORBIDDEN', { reason: 'business_only' });
  if (!allows(a.role, access)) throw new DomainError('FORBIDDEN', { reason: 'role' });
  if (a.role === 'department_manager' && a.departmentId === null) throw new DomainError('FORBIDDEN', { reason: 'no_department' });
  return a;
}

function allows(role: BusinessRole, access: BusinessAccess): boolean {
  switch (access) {
    case 'read':
    case 'money':
      return true;
    case 'write':
      return role === 'contract_admin' || role === 'department_manager';
    case 'contract':
      return role === 'contract_admin';
  }
}

/**
 * The SQL condition (on subscriber alias `s`) for the numbers an admin may see, with its
 * parameters starting at `$from`: the customer's numbers, and for a department manager only
 * their department's.
 */
export function scopeOf(admin: BusinessAdmin, alias = 's', from = 1): { where: string; params: (number | null)[] } {
  if (admin.role === 'department_manager') {
    return { where: `${alias}.customer_id = $${from} AND ${alias}.department_id = $${from + 1}`, params: [admin.customerId, admin.departmentId] };
  }
  return { where: `${alias}.customer_id = $${from}`, params: [admin.customerId] };
}

export interface BusinessNumber {
  id: number;
  accountId: number;
  customerId: number;
  contractId: number | null;
  departmentId: number | null;
  msisdn: string;
  regionCode: string;
  language: 'ru' | 'en';
  employeeName: string | null;
  status: string;
}

/**
 * One number within the admin's reach, or SUBSCRIBER_NOT_FOUND: a number of another company or
 * (for a department manager) another department cannot be told apart from one nobody has.
 */
export async function loadBusinessNumber(q: Queryable, admin: BusinessAdmin, msisdn: string, opts: { lock?: boolean } = {}): Promise<BusinessNumber> {
  const n = normalizeMsisdn(msisdn);
  if (!n) throw new DomainError('VALIDATION', { field: 'msisdn' });
  const scope = scopeOf(admin, 's', 2);
  const rows = await q.query<BusinessNumber>(
    `SELECT s.id, s.account_id AS "accountId", s.customer_id AS "customerId", s.contract_id AS "contractId",
            s.department_id AS "departmentId", s.msisdn, s.region_code AS "regionCode", s.language,
            s.employee_name AS "employeeName", s.status
       FROM subscriber s WHERE s.msisdn = $1 AND ${scope.where}${opts.lock ? ' FOR UPDATE' : ''}`,
    [n, ...scope.params],
  );
  const row = rows[0];
  if (!row) throw new DomainError('SUBSCRIBER_NOT_FOUND', { msisdn });
  return row;
}

/** A department of the admin's customer (a department manager may name only their own). */
export async function requireDepartment(q: Queryable, admin: BusinessAdmin, departmentId: number): Promise<{ id: number; name: string }> {
  const rows = await q.query<{ id: number; name: string }>('SELECT id, name FROM department WHERE id = $1 AND customer_id = $2', [departmentId, admin.customerId]);
  const d = rows[0];
  if (!d || (admin.role === 'department_manager' && d.id !== admin.departmentId)) throw new DomainError('NOT_FOUND', { what: 'department' });
  return d;
}

/** Offset and limit of a page, checked here too (they are written into the SQL). */
export function page(input: { offset?: number; limit?: number }, defaultLimit: number, maxLimit = 1000): { offset: number; limit: number } {
  const offset = input.offset ?? 0;
  const limit = input.limit ?? defaultLimit;
  if (!Number.isSafeInteger(offset) || offset < 0) throw new DomainError('VALIDATION', { field: 'offset' });
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > maxLimit) throw new DomainError('VALIDATION', { field: 'limit' });
  return { offset, limit };
}
