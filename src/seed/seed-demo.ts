import { SingleBar, Presets } from 'cli-progress';
import { hashPassword } from '../domain/auth/secrets.ts';
import { setPasswordHash } from '../domain/auth/subscriber-login.ts';
import { listRegions, listTariffs } from '../domain/catalog/read-catalog.ts';
import type { Core } from '../domain/core.ts';
import { connectProduct } from '../domain/services/connect-product.ts';
import { systemCtx, type Ctx } from '../domain/shared/context.ts';
import { charge } from '../domain/billing/charge.ts';
import { generateMonthlyReports, reportMonthAt } from '../domain/business/expense-reports.ts';
import { setNumberLimit, updateContract } from '../domain/business/limits.ts';
import { createOrder } from '../domain/business/orders.ts';
import { monthOf, previousMonth } from '../domain/business/period.ts';
import { provisionSubscriberTx } from '../domain/provisioning/provision-subscriber.ts';
import { personName, rng } from './random.ts';
import { seedSupportDemo } from './seed-support.ts';

export const DEMO = {
  subscriber: { msisdn: '79001234567', password: 'demo1234' },
  businessAdmin: { email: 'admin@romashka.example', password: 'demo1234', phone: '79001110000' },
  accountant: { email: 'buh@romashka.example', password: 'demo1234', phone: '79001110001' },
  departmentManager: { email: 'sales@romashka.example', password: 'demo1234', phone: '79001110002' },
  staff: { email: 'staff@abonent.example', password: 'demo1234' },
};

/** The demo numbers anyone may use in the phone simulator: the subscriber and the business admins' phones (their login codes come there). */
export const DEMO_NUMBERS: readonly string[] = [DEMO.subscriber.msisdn, DEMO.businessAdmin.phone, DEMO.accountant.phone, DEMO.departmentManager.phone];

export async function isSeeded(core: Core): Promise<boolean> {
  const rows = await core.db.query('SELECT 1 FROM subscriber LIMIT 1');
  return rows.length > 0;
}

const ctx = () => systemCtx('seed', 'cli');

function iccid(n: number): string {
  return `8970101${String(n).padStart(12, '0')}`;
}

/** The named demo logins: a subscriber, a business customer with its admins, and a staff user. */
export async function seedDemoAccounts(core: Core, opts: { businessNumbers?: number } = {}): Promise<void> {
  const hash = await hashPassword(DEMO.subscriber.password);
  const now = core.clock.now();
  const { subscriberId } = await core.db.tx(async (tx) => {
    const created = await provisionSubscriberTx(tx, core, ctx(), {
      msisdn: DEMO.subscriber.msisdn,
      iccid: iccid(1),
      regionCode: '77',
      tariffCode: 'smart',
      customerName: 'Демо Абонент',
      openingBalance: 50_000,
    });
    await setPasswordHash(tx, created.subscriberId, hash, now);
    return created;
  });
  for (const code of ['ringback', 'weather']) {
    await connectProduct(core, { ...ctx(), idempotencyKey: `seed:${subscriberId}:${code}` }, { msisdn: DEMO.subscriber.msisdn, productCode: code });
  }

  const r = rng(2024);
  const regions = ['77', '78', '16', '54', '23'];
  await core.db.tx(async (tx) => {
    const customerId = (await tx.query<{ id: number }>("INSERT INTO customer (kind, name, inn) VALUES ('business', 'ООО «Ромашка»', '7701234567') RETURNING id"))[0]!.id;
    const contracts = new Map<string, number>();
    // Each region's contract has a 50 000 ₽ corporate credit pool its numbers share.
    for (const code of regions) {
      const id = (await tx.query<{ id: number }>('INSERT INTO contract (customer_id, number, region_code, credit_limit) VALUES ($1, $2, $3, $4) RETURNING id', [customerId, `ROM-${code}-001`, code, 5_000_000]))[0]!.id;
      contracts.set(code, id);
    }
    const departments: number[] = [];
    for (const name of ['Продажи', 'Логистика', 'Бухгалтерия', 'ИТ']) {
      departments.push((await tx.query<{ id: number }>('INSERT INTO department (customer_id, name) VALUES ($1, $2) RETURNING id', [customerId, name]))[0]!.id);
    }
    const adminHash = await hashPassword(DEMO.businessAdmin.password);
    await tx.query(
      `INSERT INTO business_admin (customer_id, email, phone, name, role, password_hash) VALUES
         ($1, $2, $3, 'Администратор договора', 'contract_admin', $5), ($1, $4, $6, 'Бухгалтер', 'accountant', $5)`,
      [customerId, DEMO.businessAdmin.email, DEMO.businessAdmin.phone, DEMO.accountant.email, adminHash, DEMO.accountant.phone],
    );
    const total = opts.businessNumbers ?? 200;
    for (let i = 0; i < total; i++) {
      const region = regions[i % regions.length]!;
      await provisionSubscriberTx(tx, core, ctx(), {
        msisdn: `7916${String(1_000_000 + i).padStart(7, '0')}`,
        iccid: iccid(100_000 + i),
        regionCode: region,
        tariffCode: i % 10 === 9 ? 'basic' : 'business_smart',
        customerId,
        contractId: contracts.get(region)!,
        departmentId: departments[i % departments.length]!,
        employeeName: personName(r),
        openingBalance: r.int(0, 2000) * 100,
      });
    }
    await tx.query(
      `INSERT INTO business_admin (customer_id, department_id, email, phone, name, role, password_hash) VALUES ($1, $2, $3, $4, 'Руководитель продаж', 'department_manager', $5)`,
      [customerId, departments[0]!, DEMO.departmentManager.email, DEMO.departmentManager.phone, adminHash],
    );
    await tx.query('INSERT INTO staff_user (email, name, password_hash) VALUES ($1, $2, $3)', [DEMO.staff.email, 'Оператор поддержки', adminHash]);
  });
  const voters = (await core.db.query<{ msisdn: string }>("SELECT msisdn FROM subscriber WHERE msisdn LIKE '7916%' ORDER BY msisdn LIMIT 5")).map((r) => r.msisdn);
  await seedSupportDemo(core, { subscriberMsisdn: DEMO.subscriber.msisdn, staffEmail: DEMO.staff.email, voterMsisdns: voters });
  await seedBusinessPortal(core);
}

/**
 * What the business portal shows on a fresh install: last month's charges of the first numbers (so
 * the dashboard compares), spending limits, content subscriptions denied on the Moscow contract, free
 * numbers to pick for a number change in three regions, an eSIM order and last month's report.
 */
async function seedBusinessPortal(core: Core): Promise<void> {
  const [customer] = await core.db.query<{ id: number }>("SELECT id FROM customer WHERE kind = 'business' AND inn = '7701234567'");
  const [admin] = await core.db.query<{ id: number }>('SELECT id FROM business_admin WHERE email = $1', [DEMO.businessAdmin.email]);
  if (!customer || !admin) return;
  const ctxAdmin: Ctx = {
    actor: { kind: 'business_admin', adminId: Number(admin.id), customerId: Number(customer.id), role: 'contract_admin', departmentId: null },
    channel: 'cli',
    requestId: 'seed',
    lang: 'ru',
  };
  const numbers = await core.db.query<{ id: number; account_id: number; msisdn: string }>(
    'SELECT id, account_id, msisdn FROM subscriber WHERE customer_id = $1 ORDER BY msisdn LIMIT 24',
    [customer.id],
  );
  // Last month's charges, for the dashboard to compare with, and the charges of the month the
  // monthly report covers: the same month, except in the first hour of a Moscow month, when the
  // westernmost region's month has not ended yet and the report is still the month before.
  const now = core.clock.now();
  const lastMonth = previousMonth(monthOf(now));
  const reportMonth = await reportMonthAt(core, now);
  const months = reportMonth.month === lastMonth.month ? [lastMonth] : [reportMonth, lastMonth];
  const r = rng(7);
  await core.db.tx(async (tx) => {
    for (const n of numbers) {
      const base = { accountId: Number(n.account_id), subscriberId: Number(n.id), kind: 'fee' as const };
      for (const m of months) {
        await charge(tx, { ...base, amount: 70_000, category: 'subscription', idempotencyKey: `seed:fee:${n.id}:${m.month}`, at: new Date(m.start.getTime() + 2 * 86_400_000) });
        await charge(tx, { ...base, kind: 'usage', amount: r.int(10, 400) * 100, category: 'calls', idempotencyKey: `seed:calls:${n.id}:${m.month}`, at: new Date(m.start.getTime() + r.int(3, 25) * 86_400_000) });
      }
    }
    let k = 0;
    for (const region of ['77', '78', '16']) {
      for (let i = 0; i < 5; i++) {
        await tx.query("INSERT INTO number_pool (msisdn, region_code, status) VALUES ($1, $2, 'free')", [`79${region === '77' ? '16' : region === '78' ? '21' : '17'}555${String(++k).padStart(4, '0')}`, region]);
      }
    }
  });
  for (const [i, n] of numbers.slice(0, 3).entries()) {
    await setNumberLimit(core, ctxAdmin, { msisdn: n.msisdn, amount: [50_000, 100_000, 150_000][i]!, scope: i === 1 ? 'extras' : 'both', action: i === 0 ? 'block_extras' : 'notify' });
  }
  const [moscow] = await core.db.query<{ id: number }>("SELECT id FROM contract WHERE customer_id = $1 AND region_code = '77'", [customer.id]);
  if (moscow) await updateContract(core, ctxAdmin, { contractId: Number(moscow.id), denyContent: true });
  await createOrder(core, ctxAdmin, { kind: 'sim_replacement', msisdn: numbers[3]!.msisdn, simType: 'esim' });
  await generateMonthlyReports(core, {});
}

/**
 * Deterministic generated subscribers across regions and tariffs: the same seed and count give
 * the same numbers, balances and plans on every machine.
 */
export async function seedSubscribers(core: Core, opts: { count: number; seed?: number; progress?: boolean }): Promise<number> {
  const r = rng(opts.seed ?? 42);
  const regions = (await listRegions(core.db)).map((x) => x.code);
  const tariffs = (await listTariffs(core.db)).filter((t) => t.segment !== 'business').map((t) => t.code);
  const start = (await core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM subscriber WHERE msisdn LIKE '7926%'"))[0]!.n;
  const bar = opts.progress ? new SingleBar({ format: 'subscribers {bar} {value}/{total} {eta_formatted}' }, Presets.shades_classic) : null;
  bar?.start(opts.count, 0);
  const batch = 250;
  for (let done = 0; done < opts.count; done += batch) {
    const n = Math.min(batch, opts.count - done);
    await core.db.tx(async (tx) => {
      for (let i = 0; i < n; i++) {
        const k = start + done + i;
        await provisionSubscriberTx(tx, core, ctx(), {
          msisdn: `7926${String(k).padStart(7, '0')}`,
          iccid: iccid(1_000_000 + k),
          regionCode: r.pick(regions),
          tariffCode: r.pick(tariffs),
          customerName: personName(r),
          language: r.next() < 0.1 ? 'en' : 'ru',
          openingBalance: r.int(-50, 3000) * 100,
        });
      }
    });
    bar?.update(done + n);
  }
  bar?.stop();
  return opts.count;
}
