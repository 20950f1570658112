import type { Core } from '../core.ts';
import type { BusinessRole, Ctx } from '../shared/context.ts';
import { requireBusinessAdmin } from './access.ts';

export interface BusinessOverview {
  admin: { id: number; name: string; email: string; role: BusinessRole; departmentId: number | null };
  customer: { id: number; name: string; inn: string | null; orderApproval: boolean };
  departments: { id: number; name: string; numbers: number }[];
  regions: { code: string; numbers: number }[];
  /** What the admin's role may do, for the screens to show or hide actions. */
  can: { changeNumbers: boolean; changeContract: boolean; seeMoney: boolean; monthlyReports: boolean };
}

/** Who is logged in to the portal, their company, its departments and regions in reach. */
export async function getOverview(core: Core, ctx: Ctx): Promise<BusinessOverview> {
  const admin = requireBusinessAdmin(ctx, 'read');
  const [a] = await core.db.query<{ name: string; email: string }>('SELECT name, email FROM business_admin WHERE id = $1', [admin.adminId]);
  const [c] = await core.db.query<{ name: string; inn: string | null; order_approval: boolean }>('SELECT name, inn, order_approval FROM customer WHERE id = $1', [admin.customerId]);
  const manager = admin.role === 'department_manager';
  const departments = await core.db.query<{ id: number; name: string; n: number }>(
    `SELECT d.id, d.name, (SELECT count(*)::int FROM subscriber s WHERE s.department_id = d.id) AS n
       FROM department d WHERE d.customer_id = $1 ${manager ? 'AND d.id = $2' : ''} ORDER BY d.name`,
    manager ? [admin.customerId, admin.departmentId] : [admin.customerId],
  );
  const regions = await core.db.query<{ code: string; n: number }>(
    `SELECT s.region_code AS code, count(*)::int AS n FROM subscriber s WHERE s.customer_id = $1 ${manager ? 'AND s.department_id = $2' : ''} GROUP BY 1 ORDER BY 1`,
    manager ? [admin.customerId, admin.departmentId] : [admin.customerId],
  );
  return {
    admin: { id: admin.adminId, name: a?.name ?? '', email: a?.email ?? '', role: admin.role, departmentId: admin.departmentId },
    customer: { id: admin.customerId, name: c?.name ?? '', inn: c?.inn ?? null, orderApproval: c?.order_approval ?? false },
    departments: departments.map((d) => ({ id: Number(d.id), name: d.name, numbers: d.n })),
    regions: regions.map((r) => ({ code: r.code, numbers: r.n })),
    can: { changeNumbers: admin.role !== 'accountant', changeContract: admin.role === 'contract_admin', seeMoney: true, monthlyReports: admin.role !== 'department_manager' },
  };
}
