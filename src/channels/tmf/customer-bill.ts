import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LINE_TYPES, type LineType } from '../../domain/bills/lines.ts';
import { listBills, type BillFilter } from '../../domain/bills/operator-bill-list.ts';
import { listBillLines, type BillLineFilter, type OperatorBillLine } from '../../domain/bills/operator-bill-lines.ts';
import { rublesToKopecks } from '../../domain/shared/strict-input.ts';
import { billWords } from '../../domain/bills/bill-words.ts';
import type { BillFile } from '../../domain/bills/list-bills.ts';
import { isBillId } from '../../domain/bills/bill-view.ts';
import { claimUntoldBills, listIssuedBills, listOnDemandBills, makeOnDemandBill, onDemandBillPdf, operatorBillPdf, type OnDemandBillView, type OperatorBillView } from '../../domain/bills/operator-bills.ts';
import type { Core } from '../../domain/core.ts';
import type { Lang } from '../../domain/shared/context.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import { formatMsisdn } from '../../domain/shared/msisdn.ts';
import { ACCOUNT_BASE } from './account-management.ts';
import { acceptedFilters, apiBase, compact, dateFilterNames, dateRange, fieldsQuery, filterDate, idParams, iso, listQuery, money, selectFields, sendList, storePage, tmfCtx } from './conventions.ts';
import { billingAccountKey, filterNames, NO_MATCH, sqlFilter, wholeId, type FilterColumn, type FilterColumns } from './filter-sql.ts';
import { hubRoutes, publish } from './hub.ts';
import { notifyListeners } from '../../domain/events/hub.ts';
import { systemCtx } from '../../domain/shared/context.ts';

export const BILL_BASE = '/tmf-api/customerBillManagement/v4';
const API = 'customerBillManagement';
const tag = 'TMF678 Customer Bill';

interface Bases {
  bill: string;
  account: string;
}

/** What every bill shares, issued or on demand, in TMF678 form. */
interface BillFacts {
  id: string;
  billNo?: string;
  billDate: Date;
  period: { start: Date; end: Date };
  billingAccountId: string;
  customerId: number;
  customerName?: string;
  closingBalance: number;
  charges: number;
  pdf: { name: string; size?: number };
  onDemand: boolean;
}

function renderBill(b: BillFacts, bases: Bases): Record<string, unknown> {
  const due = Math.max(0, -b.closingBalance);
  return compact({
    id: b.id,
    href: `${bases.bill}/customerBill/${b.id}`,
    billNo: b.billNo,
    billDate: iso(b.billDate),
    category: b.onDemand ? 'interim' : 'normal',
    runType: b.onDemand ? 'offCycle' : 'onCycle',
    state: b.onDemand ? 'new' : 'sent',
    billingPeriod: { startDateTime: iso(b.period.start), endDateTime: iso(b.period.end) },
    amountDue: money(due),
    remainingAmount: money(due),
    taxIncludedAmount: money(b.charges),
    billingAccount: { id: b.billingAccountId, href: `${bases.account}/billingAccount/${b.billingAccountId}`, '@referredType': 'BillingAccount' },
    relatedParty: [{ id: String(b.customerId), role: 'customer', ...(b.customerName ? { name: b.customerName } : {}) }],
    billDocument: [
      compact({
        id: `${b.id}-pdf`,
        attachmentType: b.onDemand ? 'interimBill' : 'bill',
        mimeType: 'application/pdf',
        name: b.pdf.name,
        size: b.pdf.size === undefined ? undefined : { amount: b.pdf.size, units: 'bytes' },
        url: `${bases.bill}/customerBill/${b.id}/document`,
        '@type': 'AttachmentRefOrValue',
      }),
    ],
    '@type': 'CustomerBill',
  });
}

function issuedFacts(b: OperatorBillView): BillFacts {
  return {
    id: b.id,
    billNo: b.number,
    billDate: new Date(b.issuedAt),
    period: { start: new Date(b.periodStart), end: new Date(b.periodEnd) },
    billingAccountId: b.billingAccountId,
    customerId: b.customerId,
    closingBalance: b.closingBalance,
    charges: b.charges,
    pdf: { name: `bill-${b.number}.pdf`, size: b.pdfBytes },
    onDemand: false,
  };
}

function onDemandFacts(b: OnDemandBillView): BillFacts {
  return {
    id: b.id,
    billDate: b.createdAt,
    period: { start: b.draft.period.start, end: b.draft.through },
    billingAccountId: b.billingAccountId,
    customerId: b.customerId,
    customerName: b.draft.holder.customerName,
    closingBalance: b.draft.closingBalance,
    charges: b.draft.charges,
    pdf: { name: `bill-on-demand-${b.id}.pdf` },
    onDemand: true,
  };
}

function renderRate(r: OperatorBillLine, bases: Bases, lang: Lang): Record<string, unknown> {
  const l = r.line;
  const id = `${r.billId}.${r.lineNo}`;
  return compact({
    id,
    href: `${bases.bill}/appliedCustomerBillingRate/${id}`,
    date: iso(r.date),
    name: billWords[lang].lines[l.type],
    type: l.type,
    description: l.msisdn ? `${billWords[lang].lines[l.type]}, ${formatMsisdn(l.msisdn)}` : undefined,
    isBilled: r.issued,
    bill: { id: r.billId, href: `${bases.bill}/customerBill/${r.billId}` },
    billingAccount: { id: r.billingAccountId, href: `${bases.account}/billingAccount/${r.billingAccountId}` },
    periodCoverage: { startDateTime: iso(r.period.start), endDateTime: iso(r.period.end) },
    taxIncludedAmount: money(l.amount),
    characteristic: [{ name: 'entries', value: l.count, valueType: 'integer' }, ...(l.msisdn ? [{ name: 'msisdn', value: l.msisdn, valueType: 'string' }] : [])],
    '@type': 'AppliedCustomerBillingRate',
  });
}

/** The filters appliedCustomerBillingRate takes, all applied by the store. */
const RATE_FILTERS = [
  'id',
  'bill.id',
  'billingAccount.id',
  'type',
  'name',
  'isBilled',
  ...dateFilterNames('date'),
  'periodCoverage.startDateTime',
  'periodCoverage.endDateTime',
  'taxIncludedAmount.value',
  'taxIncludedAmount.unit',
  'characteristic.name',
  'characteristic.value',
  '@type',
];

/** A rate list's filters as the store's; undefined when no line can match. */
function rateFilter(f: Record<string, string>, lang: Lang): BillLineFilter | undefined {
  const out: BillLineFilter = {};
  if (f.id !== undefined) {
    const m = /^(.+)\.([1-9]\d{0,4})$/.exec(f.id);
    if (!m) return undefined;
    out.billId = m[1]!;
    out.lineNo = Number(m[2]);
  }
  if (f['bill.id'] !== undefined) {
    if (out.billId !== undefined && out.billId !== f['bill.id']) return undefined;
    out.billId = f['bill.id'];
  }
  if (f['billingAccount.id'] !== undefined) out.billingAccountId = f['billingAccount.id'];
  let types: LineType[] = [...LINE_TYPES];
  if (f.type !== undefined) types = types.filter((t) => t === f.type);
  if (f.name !== undefined) types = types.filter((t) => billWords[lang].lines[t] === f.name);
  if (f.type !== undefined || f.name !== undefined) out.types = types;
  if (f.isBilled !== undefined) {
    if (f.isBilled !== 'true' && f.isBilled !== 'false') throw new DomainError('VALIDATION', { field: 'isBilled', message: 'true or false' });
    out.issued = f.isBilled === 'true';
  }
  const date = dateRange(f, 'date');
  if (date) out.date = date;
  if (f['periodCoverage.startDateTime'] !== undefined) out.periodStart = filterDate(f['periodCoverage.startDateTime'], 'periodCoverage.startDateTime');
  if (f['periodCoverage.endDateTime'] !== undefined) out.periodEnd = filterDate(f['periodCoverage.endDateTime'], 'periodCoverage.endDateTime');
  if (f['taxIncludedAmount.value'] !== undefined) {
    out.amount = kopecksFilter(f['taxIncludedAmount.value'], 'taxIncludedAmount.value');
  }
  if (f['taxIncludedAmount.unit'] !== undefined && f['taxIncludedAmount.unit'] !== 'RUB') return undefined;
  if (f['@type'] !== undefined && f['@type'] !== 'AppliedCustomerBillingRate') return undefined;
  if (f['characteristic.name'] !== undefined) out.factName = f['characteristic.name'];
  if (f['characteristic.value'] !== undefined) out.factValue = f['characteristic.value'];
  return out;
}

const ON_DEMAND_DESCRIPTION = 'The month so far: not an issued bill, the issued bill of the month may differ';

function renderOnDemand(b: OnDemandBillView, bases: Bases): Record<string, unknown> {
  return compact({
    id: b.id,
    href: `${bases.bill}/customerBillOnDemand/${b.id}`,
    name: b.name ?? undefined,
    description: b.description ?? ON_DEMAND_DESCRIPTION,
    lastUpdate: iso(b.createdAt),
    state: 'done',
    billingAccount: { id: b.billingAccountId, href: `${bases.account}/billingAccount/${b.billingAccountId}`, '@referredType': 'BillingAccount' },
    customerBill: { id: b.id, href: `${bases.bill}/customerBill/${b.id}`, '@referredType': 'CustomerBill' },
    relatedParty: [{ id: String(b.customerId), role: 'customer', name: b.draft.holder.customerName }],
    '@type': 'CustomerBillOnDemand',
  });
}

/** A bill's id (a UUID), through the bills' key. */
const billId: FilterColumn = { sql: 'x.id = $v::uuid', cast: 'text', value: (v) => (isBillId(v) ? v : NO_MATCH) };

/** The filters TMF678 customerBillOnDemand takes, each applied by the store to what the bill on demand shows. */
const ON_DEMAND_FILTERS: FilterColumns = {
  id: billId,
  'customerBill.id': billId,
  name: { sql: 'x.name', cast: 'text' },
  description: { sql: `COALESCE(x.description, '${ON_DEMAND_DESCRIPTION}')`, cast: 'text' },
  lastUpdate: { sql: 'x.created_at', cast: 'timestamptz', date: true },
  state: { sql: `'done'`, cast: 'text' },
  'billingAccount.id': { sql: '(x.account_id = $v) OR (x.contract_id = -$v)', cast: 'bigint', value: billingAccountKey },
  'relatedParty.id': { sql: 'x.customer_id', cast: 'bigint', value: wholeId },
  'relatedParty.role': { sql: `'customer'`, cast: 'text' },
  'relatedParty.name': { sql: `x.draft->'holder'->>'customerName'`, cast: 'text' },
  '@type': { sql: `'CustomerBillOnDemand'`, cast: 'text' },
};

const onDemandCreate = z.looseObject({
  billingAccount: z.looseObject({ id: z.string().min(1).max(40) }),
  name: z.string().max(200).optional(),
  description: z.string().max(1000).optional(),
});

function sendPdf(reply: FastifyReply, file: BillFile): FastifyReply {
  return reply.header('content-type', file.contentType).header('content-disposition', `attachment; filename="${file.filename}"`).header('cache-control', 'private, no-store').send(file.content);
}

/** The filters customerBill takes, all applied by the store. */
const BILL_FILTERS = [
  'id',
  'billNo',
  'billingAccount.id',
  'relatedParty.id',
  'relatedParty.role',
  'category',
  'runType',
  'state',
  ...dateFilterNames('billDate'),
  'billingPeriod.startDateTime',
  'billingPeriod.endDateTime',
  'taxIncludedAmount.value',
  'amountDue.value',
  'remainingAmount.value',
  'taxIncludedAmount.unit',
  'amountDue.unit',
  'remainingAmount.unit',
  '@type',
];

/** Which kind of bill a value of category, runType or state names: issued (true), on demand (false), neither (null). */
const KIND_WORDS: Record<string, Record<string, boolean>> = {
  category: { normal: true, interim: false },
  runType: { onCycle: true, offCycle: false },
  state: { sent: true, new: false },
};

function kopecksFilter(value: string, field: string): number {
  const k = rublesToKopecks(value);
  if (k === null) throw new DomainError('VALIDATION', { field, message: 'a decimal number of roubles, such as 120.50' });
  return k;
}

/** A bill list's filters as the store's; undefined when no bill can match. */
function billFilter(f: Record<string, string>): BillFilter | undefined {
  const out: BillFilter = {};
  if (f.id !== undefined) out.id = f.id;
  if (f.billNo !== undefined) out.number = f.billNo;
  if (f['billingAccount.id'] !== undefined) out.billingAccountId = f['billingAccount.id'];
  if (f['relatedParty.id'] !== undefined) {
    if (!/^[1-9]\d{0,14}$/.test(f['relatedParty.id'])) return undefined;
    out.customerId = Number(f['relatedParty.id']);
  }
  if (f['relatedParty.role'] !== undefined && f['relatedParty.role'] !== 'customer') return undefined;
  for (const [field, words] of Object.entries(KIND_WORDS)) {
    if (f[field] === undefined) continue;
    const issued = words[f[field]];
    if (issued === undefined || (out.issued !== undefined && out.issued !== issued)) return undefined;
    out.issued = issued;
  }
  const date = dateRange(f, 'billDate');
  if (date) out.date = date;
  if (f['billingPeriod.startDateTime'] !== undefined) out.periodStart = filterDate(f['billingPeriod.startDateTime'], 'billingPeriod.startDateTime');
  if (f['billingPeriod.endDateTime'] !== undefined) out.periodEnd = filterDate(f['billingPeriod.endDateTime'], 'billingPeriod.endDateTime');
  if (f['taxIncludedAmount.value'] !== undefined) out.charges = kopecksFilter(f['taxIncludedAmount.value'], 'taxIncludedAmount.value');
  for (const field of ['amountDue.value', 'remainingAmount.value']) {
    if (f[field] === undefined) continue;
    const due = kopecksFilter(f[field], field);
    if (out.due !== undefined && out.due !== due) return undefined;
    out.due = due;
  }
  for (const field of ['taxIncludedAmount.unit', 'amountDue.unit', 'remainingAmount.unit']) if (f[field] !== undefined && f[field] !== 'RUB') return undefined;
  if (f['@type'] !== undefined && f['@type'] !== 'CustomerBill') return undefined;
  return out;
}

/** Tells listeners of each bill the job issued since (customerBillCreateEvent), once: a scheduler job. */
export async function publishIssuedBills(core: Core, publicUrl: string | undefined): Promise<number> {
  const origin = publicUrl ? publicUrl.replace(/\/$/, '') : '';
  const bills = await claimUntoldBills(core, systemCtx('tmf-bill-events'));
  const bases = { bill: origin + BILL_BASE, account: origin + ACCOUNT_BASE };
  for (const b of bills) await notifyListeners(core, { api: API, eventType: 'customerBillCreateEvent', resourceName: 'customerBill', resource: renderBill(issuedFacts(b), bases) });
  return bills.length;
}

/** TMF678: the monthly bills (immutable once issued), their lines, and bills on demand for the month so far. */
export async function customerBillRoutes(app: FastifyInstance, opts: { core: Core; publicUrl?: string }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const bases = (req: FastifyRequest): Bases => ({ bill: apiBase(req, opts.publicUrl, BILL_BASE), account: apiBase(req, opts.publicUrl, ACCOUNT_BASE) });
  const findBill = async (req: FastifyRequest, id: string): Promise<BillFacts> => {
    const [issued] = await listIssuedBills(core, tmfCtx(req), { id });
    if (issued) return issuedFacts(issued);
    const [od] = await listOnDemandBills(core, tmfCtx(req), { id });
    if (od) return onDemandFacts(od);
    throw new DomainError('NOT_FOUND', { id });
  };

  r.get(
    '/customerBill',
    {
      schema: {
        tags: [tag],
        summary: `Bills: the issued monthly bills (runType onCycle, state sent, immutable), then bills on demand (runType offCycle, category interim); paged by the store, filters ${BILL_FILTERS.join(', ')} (any other is a 400)`,
        querystring: listQuery,
      },
    },
    async (req, reply) => {
      const f = acceptedFilters(req.query, BILL_FILTERS);
      const filter = f && billFilter(f);
      if (!filter) return sendList(reply, req.query, [], 0);
      const bills = await listBills(core, tmfCtx(req), filter, storePage(req.query));
      const items = bills.map((b) => renderBill(b.issued ? issuedFacts(b.issued) : onDemandFacts(b.onDemand), bases(req)));
      return sendList(reply, req.query, items, bills.total);
    },
  );
  r.get('/customerBill/:id', { schema: { tags: [tag], summary: 'Retrieve a bill', params: idParams, querystring: fieldsQuery } }, async (req) => selectFields(renderBill(await findBill(req, req.params.id), bases(req)), req.query.fields));
  r.patch(
    '/customerBill/:id',
    { schema: { tags: [tag], summary: 'Refused: a bill is immutable once issued (a correction appears on the next bill)', params: idParams, body: z.looseObject({ state: z.string().max(40).optional() }) } },
    async (req) => {
      await findBill(req, req.params.id);
      throw new DomainError('CONFLICT', { reason: 'a bill is immutable once issued: a correction appears on the next bill' });
    },
  );
  r.get('/customerBill/:id/document', { schema: { tags: [tag], summary: "The bill's PDF (billDocument.url): as stored when issued, or rendered from a bill on demand's kept figures", params: idParams } }, async (req, reply) => {
    const facts = await findBill(req, req.params.id);
    return sendPdf(reply, facts.onDemand ? await onDemandBillPdf(core, tmfCtx(req), { id: req.params.id }) : await operatorBillPdf(core, tmfCtx(req), { id: req.params.id }));
  });

  r.get(
    '/appliedCustomerBillingRate',
    {
      schema: {
        tags: [tag],
        summary: `The bills' lines: charges by kind (and by number on a contract's bill), payments, refunds, adjustments, promised payments; paged by the store, filters ${RATE_FILTERS.join(', ')} (any other is a 400)`,
        querystring: listQuery,
      },
    },
    async (req, reply) => {
      const f = acceptedFilters(req.query, RATE_FILTERS);
      const filter = f && rateFilter(f, req.lang);
      if (!filter) return sendList(reply, req.query, [], 0);
      const page = storePage(req.query);
      const lines = await listBillLines(core, tmfCtx(req), filter, page);
      return sendList(reply, req.query, lines.map((l) => renderRate(l, bases(req), req.lang)), lines.total);
    },
  );
  r.get('/appliedCustomerBillingRate/:id', { schema: { tags: [tag], summary: 'Retrieve a bill line (<bill id>.<line>)', params: idParams, querystring: fieldsQuery } }, async (req) => {
    const filter = rateFilter({ id: req.params.id }, req.lang);
    const [line] = filter ? await listBillLines(core, tmfCtx(req), filter) : [];
    if (!line) throw new DomainError('NOT_FOUND', { id: req.params.id });
    return selectFields(renderRate(line, bases(req), req.lang), req.query.fields);
  });

  r.post(
    '/customerBillOnDemand',
    { schema: { tags: [tag], summary: "Make a bill now for the billing account's month so far (not an issued bill: runType offCycle, category interim)", body: onDemandCreate } },
    async (req, reply) => {
      const b = await makeOnDemandBill(core, tmfCtx(req), { billingAccountId: req.body.billingAccount.id, name: req.body.name ?? null, description: req.body.description ?? null });
      const out = renderOnDemand(b, bases(req));
      publish(core, API, 'customerBillOnDemandCreateEvent', 'customerBillOnDemand', out);
      return reply.status(201).send(out);
    },
  );
  r.get(
    '/customerBillOnDemand',
    { schema: { tags: [tag], summary: `Bills on demand, newest first, paged by the store; filters: ${filterNames(ON_DEMAND_FILTERS).join(', ')}`, querystring: listQuery } },
    async (req, reply) => {
      const filter = sqlFilter(acceptedFilters(req.query, filterNames(ON_DEMAND_FILTERS)), ON_DEMAND_FILTERS);
      const bills = await listOnDemandBills(core, tmfCtx(req), { filter }, storePage(req.query));
      return sendList(reply, req.query, bills.map((b) => renderOnDemand(b, bases(req))), bills.total);
    },
  );
  r.get('/customerBillOnDemand/:id', { schema: { tags: [tag], summary: 'Retrieve a bill on demand', params: idParams, querystring: fieldsQuery } }, async (req) => {
    const [b] = await listOnDemandBills(core, tmfCtx(req), { id: req.params.id });
    if (!b) throw new DomainError('NOT_FOUND', { id: req.params.id });
    return selectFields(renderOnDemand(b, bases(req)), req.query.fields);
  });
  hubRoutes(app, core, API, tag);
}
