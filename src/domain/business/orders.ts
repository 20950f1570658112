import { randomBytes, randomUUID } from 'node:crypto';
import QRCode from 'qrcode';
import type { Tx } from '../../store/db.ts';
import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { formatMsisdn, normalizeMsisdn } from '../shared/msisdn.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { decodeCursor, keysetAt, keysetPage, pageLimit } from '../shared/cursor.ts';
import { requireStaff } from '../support/staff.ts';
import { loadBusinessNumber, page, requireBusinessAdmin, scopeOf, type BusinessAdmin } from './access.ts';

export type OrderKind = 'sim_replacement' | 'number_change';
export type OrderStatus = 'created' | 'approved' | 'in_progress' | 'done' | 'rejected';

/** The order status machine: which status may follow which. */
export const ORDER_TRANSITIONS: Record<OrderStatus, OrderStatus[]> = {
  created: ['approved', 'rejected'],
  approved: ['in_progress', 'rejected'],
  in_progress: ['done', 'rejected'],
  done: [],
  rejected: [],
};

/** How long a number given up in a change rests before it can be handed out again. */
export const QUARANTINE_DAYS = 90;
/** The SM-DP+ server eSIM profiles are downloaded from (the activation code names it). */
export const SMDP_ADDRESS = 'smdp.abonent.example';

export interface OrderView {
  id: string;
  kind: OrderKind;
  status: OrderStatus;
  msisdn: string;
  employeeName: string | null;
  simType: 'physical' | 'esim' | null;
  newIccid: string | null;
  /** eSIM only: the LPA activation code (also served as a QR image). */
  activationCode: string | null;
  oldMsisdn: string;
  newMsisdn: string | null;
  createdBy: number;
  approvedBy: number | null;
  rejectReason: string | null;
  requiresApproval: boolean;
  history: { at: string; status: OrderStatus; by: string; note?: string }[];
  createdAt: string;
  updatedAt: string;
}

interface OrderRow {
  id: string;
  customer_id: number;
  subscriber_id: number;
  kind: OrderKind;
  status: OrderStatus;
  sim_type: 'physical' | 'esim' | null;
  new_iccid: string | null;
  activation_code: string | null;
  old_msisdn: string;
  new_msisdn: string | null;
  created_by: number;
  approved_by: number | null;
  reject_reason: string | null;
  history: OrderView['history'];
  created_at: Date;
  updated_at: Date;
  msisdn: string;
  employee_name: string | null;
  department_id: number | null;
  language: 'ru' | 'en';
  order_approval: boolean;
}

const SELECT = `SELECT o.id::text AS id, o.customer_id, o.subscriber_id, o.kind, o.status, o.sim_type, o.new_iccid, o.activation_code,
    o.old_msisdn, o.new_msisdn, o.created_by, o.approved_by, o.reject_reason, o.history, o.created_at, o.updated_at,
    s.msisdn, s.employee_name, s.department_id, s.language, c.order_approval
  FROM business_order o JOIN subscriber s ON s.id = o.subscriber_id JOIN customer c ON c.id = o.customer_id`;

function view(r: OrderRow, withSecrets: boolean): OrderView {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    msisdn: r.msisdn,
    employeeName: r.employee_name,
    simType: r.sim_type,
    newIccid: r.new_iccid,
    activationCode: withSecrets ? r.activation_code : null,
    oldMsisdn: r.old_msisdn,
    newMsisdn: r.new_msisdn,
    createdBy: Number(r.created_by),
    approvedBy: r.approved_by === null ? null : Number(r.approved_by),
    rejectReason: r.reject_reason,
    requiresApproval: r.order_approval,
    history: r.history,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** ICCID: 19 or 20 digits starting 89 (ITU-T E.118), the last a Luhn check digit. */
export function validIccid(iccid: string): boolean {
  if (!/^89\d{17,18}$/.test(iccid)) return false;
  let sum = 0;
  for (let i = 0; i < iccid.length; i++) {
    let d = Number(iccid[iccid.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** A fresh ICCID for an eSIM profile: 89 7 01 + random digits + the Luhn digit. */
export function makeIccid(): string {
  const body = `8970199${String(randomBytes(6).readUIntBE(0, 6)).padStart(12, '0').slice(0, 12)}`;
  for (let d = 0; d <= 9; d++) if (validIccid(body + d)) return body + d;
  throw new Error('unreachable');
}

const sms = {
  sim_replacement: {
    created: { ru: () => 'Для вашего номера заказана замена SIM-карты.', en: () => 'A SIM replacement has been ordered for your number.' },
    done: {
      ru: (esim: boolean) => (esim ? 'Замена SIM выполнена: eSIM готова к установке, код активации у администратора.' : 'Замена SIM выполнена: вставьте новую SIM-карту.'),
      en: (esim: boolean) => (esim ? 'SIM replaced: your eSIM is ready to install, your administrator has the activation code.' : 'SIM replaced: please insert your new SIM card.'),
    },
  },
  number_change: {
    created: { ru: (n: string) => `Для вашей SIM заказана смена номера на ${n}.`, en: (n: string) => `A number change to ${n} has been ordered for your SIM.` },
    done: { ru: (n: string) => `Ваш новый номер: ${n}.`, en: (n: string) => `Your new number is ${n}.` },
  },
  rejected: { ru: () => 'Заявка по вашему номеру отклонена.', en: () => 'The order for your number was rejected.' },
};

async function loadOrder(q: Tx | Core['db'], admin: BusinessAdmin, id: string, lock = false): Promise<OrderRow> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new DomainError('NOT_FOUND', { what: 'order' });
  const scope = scopeOf(admin, 's', 2);
  const rows = await q.query<OrderRow>(`${SELECT} WHERE o.id = $1::uuid AND ${scope.where}${lock ? ' FOR UPDATE OF o' : ''}`, [id, ...scope.params]);
  const r = rows[0];
  if (!r) throw new DomainError('NOT_FOUND', { what: 'order' });
  return r;
}

function canSeeSecrets(admin: BusinessAdmin): boolean {
  return admin.role !== 'accountant';
}

export type CreateOrderInput =
  | { kind: 'sim_replacement'; msisdn: string; simType: 'physical'; iccid: string }
  | { kind: 'sim_replacement'; msisdn: string; simType: 'esim' }
  | { kind: 'number_change'; msisdn: string; newMsisdn: string };

/**
 * Orders a SIM replacement (a physical SIM with its ICCID, or an eSIM whose profile and activation
 * code are made here) or a number change (to a free number of the pool, in any region, reserved
 * for the order at once). When the customer asks for a second admin's approval the order waits in
 * `created`; otherwise it is approved at once. The employee is told by SMS.
 */
export async function createOrder(core: Core, ctx: Ctx, input: CreateOrderInput): Promise<OrderView> {
  const id = await runUseCase(core, ctx, 'business.order.create', async (tx, subject) => {
    const admin = requireBusinessAdmin(ctx, 'write');
    subject.customerId = admin.customerId;
    const num = await loadBusinessNumber(tx, admin, input.msisdn, { lock: true });
    subject.subscriberId = num.id;
    const open = await tx.query("SELECT 1 FROM business_order WHERE subscriber_id = $1 AND status IN ('created', 'approved', 'in_progress')", [num.id]);
    if (open.length) throw new DomainError('CONFLICT', { reason: 'open_order' });
    const now = core.clock.now();
    const orderId = randomUUID();
    let simType: 'physical' | 'esim' | null = null;
    let newIccid: string | null = null;
    let activationCode: string | null = null;
    let newMsisdn: string | null = null;
    if (input.kind === 'sim_replacement') {
      simType = input.simType;
      if (input.simType === 'physical') {
        if (!validIccid(input.iccid)) throw new DomainError('VALIDATION', { field: 'iccid' });
        newIccid = input.iccid;
      } else {
        newIccid = makeIccid();
        activationCode = `LPA:1$${SMDP_ADDRESS}$${randomBytes(12).toString('hex').toUpperCase()}`;
      }
      const taken = await tx.query('SELECT 1 FROM subscriber WHERE iccid = $1 UNION ALL SELECT 1 FROM business_order WHERE new_iccid = $1 AND status NOT IN (\'rejected\')', [newIccid]);
      if (taken.length) throw new DomainError('CONFLICT', { reason: 'iccid_in_use' });
    } else {
      const m = normalizeMsisdn(input.newMsisdn);
      if (!m) throw new DomainError('VALIDATION', { field: 'newMsisdn' });
      const got = await tx.query("UPDATE number_pool SET status = 'reserved', reserved_by = $2 WHERE msisdn = $1 AND status = 'free' RETURNING msisdn", [m, orderId]);
      if (got.length === 0) throw new DomainError('NUMBER_NOT_AVAILABLE', { msisdn: m });
      newMsisdn = m;
    }
    const [cust] = await tx.query<{ order_approval: boolean }>('SELECT order_approval FROM customer WHERE id = $1', [admin.customerId]);
    const by = `admin:${admin.adminId}`;
    const history: OrderView['history'] = [{ at: now.toISOString(), status: 'created', by }];
    if (!cust?.order_approval) history.push({ at: now.toISOString(), status: 'approved', by, note: 'no approval required' });
    await tx.query(
      `INSERT INTO business_order (id, customer_id, subscriber_id, kind, status, sim_type, new_iccid, activation_code, old_msisdn, new_msisdn,
         created_by, approved_by, history, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)`,
      [orderId, admin.customerId, num.id, input.kind, cust?.order_approval ? 'created' : 'approved', simType, newIccid, activationCode, num.msisdn, newMsisdn,
        admin.adminId, cust?.order_approval ? null : admin.adminId, JSON.stringify(history), now],
    );
    const text = input.kind === 'sim_replacement' ? sms.sim_replacement.created[num.language]() : sms.number_change.created[num.language](formatMsisdn(newMsisdn!));
    await enqueueSms(tx, { msisdn: num.msisdn, text, kind: 'business.order', at: now });
    for (const h of history) {
      await recordAudit(tx, core, ctx, { action: `business.order.${h.status === 'created' ? 'create' : 'approve'}`, subscriberId: num.id, customerId: num.customerId, details: { order: orderId, kind: input.kind, status: h.status, newMsisdn, simType } });
    }
    return orderId;
  });
  return getOrder(core, ctx, { id });
}

export async function getOrder(core: Core, ctx: Ctx, input: { id: string }): Promise<OrderView> {
  const admin = requireBusinessAdmin(ctx, 'read');
  return view(await loadOrder(core.db, admin, input.id), canSeeSecrets(admin));
}

/**
 * The company's orders in the admin's reach, newest first, optionally of one status, a page at a
 * time (pass `nextCursor` as `cursor`; keyset on creation time and id, shared/cursor.ts); `total`
 * counts every order the filter matches.
 */
export async function listOrders(
  core: Core,
  ctx: Ctx,
  input: { status?: OrderStatus; limit?: number; cursor?: string } = {},
): Promise<{ total: number; items: OrderView[]; nextCursor: string | null }> {
  const admin = requireBusinessAdmin(ctx, 'read');
  const limit = pageLimit(input.limit);
  const after = decodeCursor('orders', input.cursor);
  const scope = scopeOf(admin, 's', 1);
  const params: unknown[] = [...scope.params];
  const where = [scope.where];
  if (input.status) {
    params.push(input.status);
    where.push(`o.status = $${params.length}`);
  }
  const filtered = [...params];
  const [count] = await core.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM business_order o JOIN subscriber s ON s.id = o.subscriber_id WHERE ${where.join(' AND ')}`,
    filtered,
  );
  if (after) {
    params.push(after.at, after.id);
    where.push(`(o.created_at, o.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(limit + 1);
  const rows = await core.db.query<OrderRow & { key_at: string }>(
    `${SELECT.replace('SELECT ', `SELECT ${keysetAt('o.created_at')} AS key_at, `)} WHERE ${where.join(' AND ')}
      ORDER BY o.created_at DESC, o.id DESC LIMIT $${params.length}`,
    params,
  );
  const got = keysetPage('orders', rows, limit, (r) => ({ at: r.key_at, id: r.id }));
  return { total: Number(count?.n ?? 0), items: got.rows.map((r) => view(r, canSeeSecrets(admin))), nextCursor: got.nextCursor };
}

type Transition = 'approve' | 'start' | 'complete' | 'reject';
const TARGET: Record<Transition, OrderStatus> = { approve: 'approved', start: 'in_progress', complete: 'done', reject: 'rejected' };

/**
 * Who takes which step: the company's admins approve an order (or reject it); the operator's staff
 * do the work and mark it done (or reject it when it cannot be done). Each side is offered and
 * allowed only its own steps.
 */
export const ORDER_STEPS: Record<'business_admin' | 'staff', readonly Transition[]> = { business_admin: ['approve', 'reject'], staff: ['start', 'complete', 'reject'] };

/**
 * Moves an order along its status machine: approve (created → approved; by another admin than
 * the one who created it), start (approved → in_progress; operator staff), complete (in_progress →
 * done, operator staff: the new SIM or number takes effect, an old number goes to quarantine),
 * reject (from any open status, with a reason, by either side; a reserved number goes back to the
 * pool). A business admin's door: a step of the operator is refused (FORBIDDEN), anything the
 * machine does not allow too, and every transition is audited and told to the employee where it
 * concerns them.
 */
export async function transitionOrder(core: Core, ctx: Ctx, input: { id: string; action: Transition; reason?: string }): Promise<OrderView> {
  await moveOrder(core, ctx, 'business_admin', input);
  return getOrder(core, ctx, { id: input.id });
}

/** The operator staff's door to the same machine: start, complete, reject; an admin's step is refused. */
export async function operatorTransitionOrder(core: Core, ctx: Ctx, input: { id: string; action: Transition; reason?: string }): Promise<OrderView> {
  await moveOrder(core, ctx, 'staff', input);
  return view(await loadAnyOrder(core.db, input.id), false);
}

async function moveOrder(core: Core, ctx: Ctx, side: keyof typeof ORDER_STEPS, input: { id: string; action: Transition; reason?: string }): Promise<void> {
  await runUseCase(core, ctx, `business.order.${input.action}`, async (tx, subject) => {
    const admin = side === 'business_admin' ? requireBusinessAdmin(ctx, 'write') : null;
    const staffId = admin ? null : requireStaff(ctx);
    if (!ORDER_STEPS[admin ? 'business_admin' : 'staff'].includes(input.action)) throw new DomainError('FORBIDDEN', { reason: admin ? 'operator_step' : 'admin_step' });
    const o = admin ? await loadOrder(tx, admin, input.id, true) : await loadAnyOrder(tx, input.id, true);
    subject.customerId = Number(o.customer_id);
    subject.subscriberId = Number(o.subscriber_id);
    const to = TARGET[input.action];
    if (!ORDER_TRANSITIONS[o.status].includes(to)) throw new DomainError('ORDER_TRANSITION_INVALID', { from: o.status, to });
    if (to === 'approved' && Number(o.created_by) === admin?.adminId) throw new DomainError('OWN_ORDER_APPROVAL');
    const now = core.clock.now();
    const history = [...o.history, { at: now.toISOString(), status: to, by: admin ? `admin:${admin.adminId}` : `staff:${staffId}`, ...(input.reason ? { note: input.reason } : {}) }];
    let smsTo: string | null = null;
    let text: string | null = null;
    if (to === 'done') {
      if (o.kind === 'sim_replacement') {
        await tx.query('UPDATE subscriber SET iccid = $2 WHERE id = $1', [o.subscriber_id, o.new_iccid]);
        smsTo = o.msisdn;
        text = sms.sim_replacement.done[o.language](o.sim_type === 'esim');
      } else {
        const newMsisdn = o.new_msisdn!;
        await tx.query('DELETE FROM number_pool WHERE msisdn = $1 AND status = $2 AND reserved_by = $3::uuid', [newMsisdn, 'reserved', o.id]);
        await tx.query('UPDATE subscriber SET msisdn = $2 WHERE id = $1', [o.subscriber_id, newMsisdn]);
        const [sub] = await tx.query<{ region_code: string }>('SELECT region_code FROM subscriber WHERE id = $1', [o.subscriber_id]);
        await tx.query(
          `INSERT INTO number_pool (msisdn, region_code, status, available_at) VALUES ($1, $2, 'quarantined', $3)
           ON CONFLICT (msisdn) DO UPDATE SET status = 'quarantined', available_at = EXCLUDED.available_at, reserved_by = NULL`,
          [o.msisdn, sub!.region_code, new Date(now.getTime() + QUARANTINE_DAYS * 86_400_000)],
        );
        smsTo = newMsisdn;
        text = sms.number_change.done[o.language](formatMsisdn(newMsisdn));
      }
    } else if (to === 'rejected') {
      if (o.kind === 'number_change') {
        await tx.query("UPDATE number_pool SET status = 'free', reserved_by = NULL WHERE msisdn = $1 AND reserved_by = $2::uuid", [o.new_msisdn, o.id]);
      }
      smsTo = o.msisdn;
      text = sms.rejected[o.language]();
    }
    await tx.query(
      `UPDATE business_order SET status = $2, history = $3, updated_at = $4, approved_by = CASE WHEN $2 = 'approved' THEN $5::bigint ELSE approved_by END,
         reject_reason = CASE WHEN $2 = 'rejected' THEN $6 ELSE reject_reason END WHERE id = $1::uuid`,
      [o.id, to, JSON.stringify(history), now, admin?.adminId ?? null, input.reason ?? null],
    );
    if (smsTo && text) await enqueueSms(tx, { msisdn: smsTo, text, kind: 'business.order', at: now });
    await recordAudit(tx, core, ctx, {
      action: `business.order.${input.action}`,
      subscriberId: Number(o.subscriber_id),
      customerId: Number(o.customer_id),
      details: { order: o.id, kind: o.kind, from: o.status, to, ...(input.reason ? { reason: input.reason } : {}) },
    });
  });
}

/** An order of any company, for the operator's staff. */
async function loadAnyOrder(q: Tx | Core['db'], id: string, lock = false): Promise<OrderRow> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new DomainError('NOT_FOUND', { what: 'order' });
  const r = (await q.query<OrderRow>(`${SELECT} WHERE o.id = $1::uuid${lock ? ' FOR UPDATE OF o' : ''}`, [id]))[0];
  if (!r) throw new DomainError('NOT_FOUND', { what: 'order' });
  return r;
}

/**
 * The operator's work list: every company's orders waiting for a step of the operator (approved,
 * to be started; in progress, to be marked done), the longest waiting first, with the company's
 * name. Operator staff only; at most `limit` (100) at a time, as the queue is worked from the top.
 */
export async function staffListOrders(core: Core, ctx: Ctx, input: { limit?: number } = {}): Promise<{ items: (OrderView & { customerName: string })[] }> {
  requireStaff(ctx);
  const rows = await core.db.query<OrderRow & { customer_name: string }>(
    `${SELECT.replace(' FROM business_order o', ', c.name AS customer_name FROM business_order o')} WHERE o.status IN ('approved', 'in_progress')
      ORDER BY o.updated_at, o.id LIMIT $1`,
    [Math.min(Math.max(input.limit ?? 100, 1), 100)],
  );
  return { items: rows.map((r) => ({ ...view(r, false), customerName: r.customer_name })) };
}

/** The eSIM activation code as a QR image (PNG or SVG) for the employee's phone to scan. */
export async function orderQr(core: Core, ctx: Ctx, input: { id: string; format: 'png' | 'svg' }): Promise<{ contentType: string; content: Buffer }> {
  const admin = requireBusinessAdmin(ctx, 'write');
  const o = await loadOrder(core.db, admin, input.id);
  if (!o.activation_code) throw new DomainError('NOT_FOUND', { what: 'activation_code' });
  if (input.format === 'svg') {
    return { contentType: 'image/svg+xml', content: Buffer.from(await QRCode.toString(o.activation_code, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })) };
  }
  return { contentType: 'image/png', content: await QRCode.toBuffer(o.activation_code, { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: 320 }) };
}

/** Free numbers of the pool to pick from for a number change, in any region. */
export async function listFreeNumbers(core: Core, ctx: Ctx, input: { region?: string; q?: string; limit?: number }): Promise<{ items: { msisdn: string; regionCode: string }[] }> {
  requireBusinessAdmin(ctx, 'write');
  const now = core.clock.now();
  // Quarantine ends by itself: numbers whose rest is over are free again.
  await core.db.query("UPDATE number_pool SET status = 'free', available_at = NULL WHERE status = 'quarantined' AND available_at <= $1", [now]);
  const params: unknown[] = [];
  const where = ["status = 'free'"];
  if (input.region) {
    params.push(input.region);
    where.push(`region_code = $${params.length}`);
  }
  const digits = (input.q ?? '').replace(/\D/g, '');
  if (digits) {
    params.push(`%${digits}%`);
    where.push(`msisdn LIKE $${params.length}`);
  }
  const rows = await core.db.query<{ msisdn: string; region_code: string }>(
    `SELECT msisdn, region_code FROM number_pool WHERE ${where.join(' AND ')} ORDER BY msisdn LIMIT ${page(input, 50).limit}`,
    params,
  );
  return { items: rows.map((r) => ({ msisdn: r.msisdn, regionCode: r.region_code })) };
}
