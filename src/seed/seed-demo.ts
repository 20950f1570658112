import { SingleBar, Presets } from 'cli-progress';
import { hashPassword } from '../domain/auth/secrets.ts';
import { setPasswordHash } from '../domain/auth/subscriber-login.ts';
import { listRegions, listTariffs } from '../domain/catalog/read-catalog.ts';
import type { Core } from '../domain/core.ts';
import { connectProduct } from '../domain/services/connect-product.ts';
import { systemCtx } from '../domain/shared/context.ts';
import { provisionSubscriberTx } from '../domain/provisioning/provision-subscriber.ts';
import { personName, rng } from './random.ts';
import { seedSupportDemo } from './seed-support.ts';

export const DEMO = {
  subscriber: { msisdn: '79001234567', password: 'demo1234' },
  businessAdmin: { email: 'admin@romashka.example', password: 'demo1234', phone: '79001110000' },
  accountant: { email: 'buh@romashka.example', password: 'demo1234', phone: '79001110001' },
  staff: { email: 'staff@abonent.example', password: 'demo1234' },
};

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
    for (const code of regions) {
      const id = (await tx.query<{ id: number }>('INSERT INTO contract (customer_id, number, region_code) VALUES ($1, $2, $3) RETURNING id', [customerId, `ROM-${code}-001`, code]))[0]!.id;
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
        creditLimit: 100_000,
      });
    }
    await tx.query('INSERT INTO staff_user (email, name, password_hash) VALUES ($1, $2, $3)', [DEMO.staff.email, 'Оператор поддержки', adminHash]);
  });
  const voters = (await core.db.query<{ msisdn: string }>("SELECT msisdn FROM subscriber WHERE msisdn LIKE '7916%' ORDER BY msisdn LIMIT 5")).map((r) => r.msisdn);
  await seedSupportDemo(core, { subscriberMsisdn: DEMO.subscriber.msisdn, staffEmail: DEMO.staff.email, voterMsisdns: voters });
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
