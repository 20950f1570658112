import { requireTariff } from '../catalog/read-catalog.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { loadSubscriber } from './access.ts';

export async function getProfile(core: Core, ctx: Ctx, input: { msisdn: string }) {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const tariff = await requireTariff(core.db, sub.tariffCode);
  const [customer] = await core.db.query<{ email: string | null }>('SELECT email FROM customer WHERE id = $1', [sub.customerId]);
  return {
    msisdn: sub.msisdn,
    iccid: sub.iccid,
    region: sub.regionCode,
    timeZone: sub.timeZone,
    tariff: { code: tariff.code, name: tariff.name },
    status: sub.status,
    language: sub.language,
    script: sub.script,
    email: customer?.email ?? null,
    contentBan: sub.contentBan,
    customerKind: sub.customerKind,
    employeeName: sub.employeeName,
    activatedAt: sub.activatedAt.toISOString(),
  };
}
