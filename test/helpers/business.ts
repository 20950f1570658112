import { createSession } from '../../src/domain/auth/sessions.ts';
import type { Core } from '../../src/domain/core.ts';
import type { BusinessRole, Ctx } from '../../src/domain/shared/context.ts';
import { ctxAs, makeSubscriber } from './core.ts';

let seq = 0;

export interface Admin {
  id: number;
  role: BusinessRole;
  departmentId: number | null;
  ctx: Ctx;
  token: string;
}

export interface Company {
  id: number;
  contracts: Record<string, number>;
  departments: number[];
  admin(role: BusinessRole, departmentId?: number | null): Promise<Admin>;
  number(opts?: { region?: string; department?: number | null; balance?: number; tariff?: string; employee?: string }): Promise<{ msisdn: string; subscriberId: number; accountId: number }>;
}

/** A business customer with contracts in the given regions, named departments and a way to add admins and numbers. */
export async function makeCompany(core: Core, name: string, opts: { regions?: string[]; departments?: string[] } = {}): Promise<Company> {
  const id = (await core.db.query<{ id: number }>("INSERT INTO customer (kind, name) VALUES ('business', $1) RETURNING id", [name]))[0]!.id;
  const contracts: Record<string, number> = {};
  for (const region of opts.regions ?? ['77', '78']) {
    seq += 1;
    contracts[region] = (await core.db.query<{ id: number }>('INSERT INTO contract (customer_id, number, region_code) VALUES ($1, $2, $3) RETURNING id', [id, `C-${seq}-${region}`, region]))[0]!.id;
  }
  const departments: number[] = [];
  for (const d of opts.departments ?? ['Продажи', 'Склад']) {
    departments.push((await core.db.query<{ id: number }>('INSERT INTO department (customer_id, name) VALUES ($1, $2) RETURNING id', [id, d]))[0]!.id);
  }
  return {
    id,
    contracts,
    departments,
    async admin(role, departmentId = null) {
      seq += 1;
      const adminId = (
        await core.db.query<{ id: number }>(
          `INSERT INTO business_admin (customer_id, department_id, email, phone, name, role, password_hash)
           VALUES ($1, $2, $3, $4, $5, $6, 'not-used') RETURNING id`,
          [id, departmentId, `a${seq}-${id}@biz.example`, `7900888${String(seq).padStart(4, '0')}`, `Admin ${seq}`, role],
        )
      )[0]!.id;
      const token = (await createSession(core.db, core, { kind: 'business_admin', subjectId: adminId, channel: 'business', method: 'test' })).token;
      return { id: adminId, role, departmentId, token, ctx: ctxAs({ kind: 'business_admin', adminId, customerId: id, role, departmentId }, { channel: 'business' }) };
    },
    async number(o = {}) {
      const region = o.region ?? Object.keys(contracts)[0]!;
      const s = await makeSubscriber(core, {
        customerId: id,
        contractId: contracts[region] ?? null,
        regionCode: region,
        departmentId: o.department === undefined ? (departments[0] ?? null) : o.department,
        tariffCode: o.tariff ?? 'business_smart',
        openingBalance: o.balance ?? 100_000,
        employeeName: o.employee ?? `Сотрудник ${++seq}`,
      });
      return { msisdn: s.msisdn, subscriberId: s.subscriberId, accountId: s.accountId };
    },
  };
}
