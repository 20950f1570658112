import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listBillingAccounts, listPartyAccounts, setBillLanguage, type BillingAccountView } from '../../domain/bills/billing-accounts.ts';
import type { Core } from '../../domain/core.ts';
import type { Lang } from '../../domain/shared/context.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import { formatMsisdn } from '../../domain/shared/msisdn.ts';
import { acceptedFilters, apiBase, compact, fieldsQuery, idParams, iso, listQuery, money, selectFields, sendList, storePage, tmfCtx } from './conventions.ts';
import { billingAccountKey, filterNames, NO_MATCH, sqlFilter, wholeId, type FilterColumns } from './filter-sql.ts';
import { tmfError } from './errors.ts';
import { hubRoutes, publish } from './hub.ts';

export const ACCOUNT_BASE = '/tmf-api/accountManagement/v4';
const API = 'accountManagement';
const tag = 'TMF666 Account';

/** The bill formats: the monthly bill as a PDF in either language the bill may be made in. */
export const BILL_FORMATS: { id: string; language: Lang; name: string; description: string }[] = [
  { id: 'bill-ru', language: 'ru', name: 'Monthly bill, Russian (PDF)', description: "The monthly bill in Russian with the operator's details, A4 PDF with embedded fonts" },
  { id: 'bill-en', language: 'en', name: 'Monthly bill, English (PDF)', description: "The monthly bill in English with the operator's details, A4 PDF with embedded fonts" },
];
const MEDIA = [
  { id: 'pdf-download', name: 'PDF download', description: 'The PDF made when the bill was issued, kept and served unchanged: the web app, the business portal, the HTTP API and TMF678 billDocument' },
  { id: 'sms-link', name: 'SMS link', description: "A link to the bill in the subscriber's account, sent by SMS on request" },
];
const CYCLES = [
  {
    id: 'calendar-month',
    name: 'Calendar month, local time',
    description: "One bill per calendar month in the billing account's local time (the number's region; a contract's region), issued ten minutes after the month ends",
    frequency: 'monthly',
    billingPeriod: 'calendarMonth',
    billingDateShift: 0,
    chargeDateOffset: 0,
    creditDateOffset: 0,
    mailingDateOffset: 0,
    paymentDueDateOffset: 0,
  },
];

function renderAccount(v: BillingAccountView, base: string, kind: 'billingAccount' | 'partyAccount' = 'billingAccount'): Record<string, unknown> {
  const now = new Date();
  const name = v.target.kind === 'account' ? `${v.customerName}, ${formatMsisdn(v.reference)}` : `${v.customerName}, contract ${v.reference}`;
  return compact({
    id: v.id,
    href: `${base}/${kind}/${v.id}`,
    name,
    accountType: v.kind,
    description: v.target.kind === 'account' ? 'The prepaid account of one number' : `A business contract and its ${v.numbers.length} number(s), billed together`,
    state: v.state,
    paymentStatus: v.balance < 0 ? 'inDebt' : 'inCredit',
    accountBalance: [{ balanceType: 'currentBalance', amount: money(v.balance), validFor: { startDateTime: iso(now) }, '@type': 'AccountBalance' }],
    creditLimit: money(v.creditLimit),
    paymentPlan: [
      ...v.autoPayments.map((a) =>
        compact({
          planType: a.mode === 'monthly' ? 'autoPaymentMonthly' : 'autoPaymentThreshold',
          status: a.enabled ? 'active' : 'inactive',
          paymentFrequency: a.mode === 'monthly' ? `monthly on day ${a.dayOfMonth}` : `when the balance falls below ${(a.threshold ?? 0) / 100} RUB`,
          priority: 1,
          totalAmount: money(a.amount),
          paymentMethod: { id: String(a.cardId), '@referredType': 'BankCard' },
          validFor: { startDateTime: iso(a.since) },
          '@type': 'PaymentPlan',
        }),
      ),
      ...v.installments.map((p) => ({
        planType: 'installment',
        status: p.status,
        numberOfPayments: p.months,
        paymentFrequency: 'monthly',
        priority: 2,
        totalAmount: money(p.total),
        validFor: { startDateTime: iso(p.since) },
        '@type': 'PaymentPlan',
      })),
    ],
    contact: v.contacts.map((c) => ({
      contactType: c.role === 'owner' ? 'primary' : c.role,
      contactName: c.name,
      partyRoleType: c.role,
      contactMedium: [
        ...(c.phone ? [{ mediumType: 'mobile', preferred: true, characteristic: { phoneNumber: `+${c.phone}` } }] : []),
        ...(c.email ? [{ mediumType: 'email', preferred: false, characteristic: { emailAddress: c.email } }] : []),
      ],
      validFor: { startDateTime: iso(v.createdAt) },
      '@type': 'Contact',
    })),
    relatedParty: [{ id: String(v.customerId), role: 'owner', name: v.customerName, '@referredType': v.kind === 'business' ? 'Organization' : 'Individual' }],
    billStructure: {
      presentationMedia: MEDIA.map((m) => ({ id: m.id, href: `${base}/billPresentationMedia/${m.id}`, name: m.name })),
      format: { id: `bill-${v.billLanguage}`, href: `${base}/billFormat/bill-${v.billLanguage}`, name: BILL_FORMATS.find((f) => f.language === v.billLanguage)!.name },
      cycleSpecification: { id: CYCLES[0]!.id, href: `${base}/billingCycleSpecification/${CYCLES[0]!.id}`, name: CYCLES[0]!.name },
      '@type': 'BillStructure',
    },
    '@type': kind === 'billingAccount' ? 'BillingAccount' : 'PartyAccount',
  });
}

/** A party account: the customer's billing accounts as relationships, its balance their sum. */
function renderPartyAccount(customerId: number, list: BillingAccountView[], base: string): Record<string, unknown> {
  const first = list[0]!;
  const balance = list.reduce((s, v) => s + v.balance, 0);
  return {
    id: `P${customerId}`,
    href: `${base}/partyAccount/P${customerId}`,
    name: first.customerName,
    accountType: first.kind,
    description: `The customer's ${list.length} billing account(s)`,
    state: 'active',
    paymentStatus: balance < 0 ? 'inDebt' : 'inCredit',
    accountBalance: [{ balanceType: 'currentBalance', amount: money(balance), validFor: { startDateTime: iso(new Date()) }, '@type': 'AccountBalance' }],
    accountRelationship: list.map((v) => ({ relationshipType: 'billingAccount', account: { id: v.id, href: `${base}/billingAccount/${v.id}`, '@referredType': 'BillingAccount' }, '@type': 'AccountRelationship' })),
    relatedParty: [{ id: String(customerId), role: 'owner', name: first.customerName, '@referredType': first.kind === 'business' ? 'Organization' : 'Individual' }],
    '@type': 'PartyAccount',
  };
}

/** formatMsisdn in SQL: the number as a billing account's name shows it. */
const FORMATTED_NUMBER = `CASE WHEN x.reference ~ '^7[0-9]{10}$' THEN '+7 ' || substr(x.reference, 2, 3) || ' ' || substr(x.reference, 5, 3) || '-' || substr(x.reference, 8, 2) || '-' || substr(x.reference, 10, 2)
  WHEN x.reference ~ '^[0-9]{11,15}$' THEN '+' || x.reference ELSE x.reference END`;
const CONTACTS = `SELECT 1 FROM business_admin b WHERE x.kind = 'contract' AND b.customer_id = x.customer_id AND b.role IN ('contract_admin', 'accountant')`;

/**
 * The filters TMF666 billingAccount takes, each applied by the store to what the account shows
 * (the balance, paymentStatus and creditLimit are the ledger's read of the page, not filters).
 */
const BILLING_FILTERS: FilterColumns = {
  id: { sql: `(x.kind = 'account' AND x.id = $v) OR (x.kind = 'contract' AND x.id = -$v)`, cast: 'bigint', value: billingAccountKey },
  name: { sql: `x.customer_name || CASE WHEN x.kind = 'account' THEN ', ' || ${FORMATTED_NUMBER} ELSE ', contract ' || x.reference END`, cast: 'text' },
  accountType: { sql: `CASE WHEN x.customer_kind = 'business' THEN 'business' ELSE 'individual' END`, cast: 'text' },
  state: { sql: 'x.state', cast: 'text' },
  'relatedParty.id': { sql: 'x.customer_id', cast: 'bigint', value: wholeId },
  'relatedParty.name': { sql: 'x.customer_name', cast: 'text' },
  'relatedParty.role': { sql: `'owner'`, cast: 'text' },
  // An account's contact is its number (+<MSISDN>); a contract's, its administrators and accountants.
  'contact.contactMedium.characteristic.phoneNumber': {
    sql: `(x.kind = 'account' AND x.reference = CASE WHEN $v LIKE '+%' THEN substr($v, 2) END) OR EXISTS (${CONTACTS} AND '+' || b.phone = $v)`,
    cast: 'text',
  },
  'contact.contactMedium.characteristic.emailAddress': { sql: `EXISTS (${CONTACTS} AND b.email = $v)`, cast: 'text' },
  'billStructure.format.id': { sql: `'bill-' || COALESCE(x.bill_language, x.default_language)`, cast: 'text' },
  '@type': { sql: `'BillingAccount'`, cast: 'text' },
};

/** A customer holding an account or a contract by the billing account's id (billingAccountKey). */
const HOLDS = `x.id IN (SELECT a.customer_id FROM account a JOIN subscriber s ON s.account_id = a.id AND s.contract_id IS NULL WHERE a.id = $v
  UNION ALL SELECT k.customer_id FROM contract k WHERE k.id = -$v)`;

/** The filters TMF666 partyAccount takes (the customer's; its balance is the ledger's read of the page). */
const PARTY_ACCOUNT_FILTERS: FilterColumns = {
  id: { sql: 'x.id', cast: 'bigint', value: (v) => (/^P[1-9]\d{0,14}$/.test(v) ? Number(v.slice(1)) : NO_MATCH) },
  name: { sql: 'x.name', cast: 'text' },
  accountType: { sql: `CASE WHEN x.kind = 'business' THEN 'business' ELSE 'individual' END`, cast: 'text' },
  state: { sql: `'active'`, cast: 'text' },
  'relatedParty.id': { sql: 'x.id', cast: 'bigint', value: wholeId },
  'relatedParty.name': { sql: 'x.name', cast: 'text' },
  'relatedParty.role': { sql: `'owner'`, cast: 'text' },
  'accountRelationship.account.id': { sql: HOLDS, cast: 'bigint', value: billingAccountKey },
  'accountRelationship.relationshipType': { sql: `'billingAccount'`, cast: 'text' },
  '@type': { sql: `'PartyAccount'`, cast: 'text' },
};

const staticRender = (kind: string, type: string) => (x: Record<string, unknown> & { id: string }, base: string) => ({ ...x, href: `${base}/${kind}/${x.id}`, '@type': type });

const billingAccountPatch = z.looseObject({
  billStructure: z.looseObject({ format: z.looseObject({ id: z.string().max(50) }) }).describe('format.id bill-ru or bill-en: the language of the next bills'),
});

function notAllowed(reply: FastifyReply, what: string): FastifyReply {
  return reply.status(405).type('application/json').send(tmfError('METHOD_NOT_ALLOWED', 'Method not allowed', 405, what));
}

/** TMF666: billing accounts (a subscriber's account, a business contract), party accounts and the bill's format, media and cycle. */
export async function accountManagementRoutes(app: FastifyInstance, opts: { core: Core; publicUrl?: string }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = (req: FastifyRequest) => apiBase(req, opts.publicUrl, ACCOUNT_BASE);
  const one = async (req: FastifyRequest, id: string) => {
    const [v] = await listBillingAccounts(core, tmfCtx(req), { id });
    if (!v) throw new DomainError('NOT_FOUND', { id });
    return v;
  };

  r.get(
    '/billingAccount',
    {
      schema: {
        tags: [tag],
        summary: `Billing accounts: every subscriber's own account (its account id, as TMF637 names it) and every business contract (C<id>), with balance, credit limit, payment plans and contacts; paged by the store; filters: ${filterNames(BILLING_FILTERS).join(', ')}`,
        querystring: listQuery,
      },
    },
    async (req, reply) => {
      const filter = sqlFilter(acceptedFilters(req.query, filterNames(BILLING_FILTERS)), BILLING_FILTERS);
      const accounts = await listBillingAccounts(core, tmfCtx(req), { filter }, storePage(req.query));
      return sendList(reply, req.query, accounts.map((v) => renderAccount(v, base(req))), accounts.total);
    },
  );
  r.get('/billingAccount/:id', { schema: { tags: [tag], summary: 'Retrieve a billing account', params: idParams, querystring: fieldsQuery } }, async (req) => selectFields(renderAccount(await one(req, req.params.id), base(req)), req.query.fields));
  r.patch(
    '/billingAccount/:id',
    { schema: { tags: [tag], summary: 'Change the language of the next bills (billStructure.format.id: bill-ru or bill-en); nothing else of an account changes here', params: idParams, body: billingAccountPatch } },
    async (req) => {
      const format = BILL_FORMATS.find((f) => f.id === req.body.billStructure.format.id);
      if (!format) throw new DomainError('VALIDATION', { field: 'billStructure.format.id', message: `one of ${BILL_FORMATS.map((f) => f.id).join(', ')}` });
      const others = Object.keys(req.body).filter((k) => k !== 'billStructure' && !k.startsWith('@'));
      if (others.length) throw new DomainError('VALIDATION', { field: others[0]!, message: 'only billStructure.format may be changed' });
      await setBillLanguage(core, tmfCtx(req), { id: req.params.id, language: format.language });
      const out = renderAccount(await one(req, req.params.id), base(req));
      publish(core, API, 'billingAccountAttributeValueChangeEvent', 'billingAccount', out);
      return out;
    },
  );
  r.post('/billingAccount', { schema: { tags: [tag], summary: 'Not allowed: a billing account is opened by provisioning a number or a business contract' } }, async (_req, reply) =>
    notAllowed(reply, 'A billing account is opened by provisioning a number or a business contract'),
  );
  r.delete('/billingAccount/:id', { schema: { tags: [tag], summary: 'Not allowed: a billing account with ledger history is never deleted', params: idParams } }, async (_req, reply) =>
    notAllowed(reply, 'A billing account with ledger history is never deleted'),
  );

  r.get(
    '/partyAccount',
    {
      schema: {
        tags: [tag],
        summary: `One party account per customer (P<customer id>), relating the customer's billing accounts; paged by the store; filters: ${filterNames(PARTY_ACCOUNT_FILTERS).join(', ')}`,
        querystring: listQuery,
      },
    },
    async (req, reply) => {
      const filter = sqlFilter(acceptedFilters(req.query, filterNames(PARTY_ACCOUNT_FILTERS)), PARTY_ACCOUNT_FILTERS);
      const parties = await listPartyAccounts(core, tmfCtx(req), { filter }, storePage(req.query));
      return sendList(reply, req.query, parties.map((p) => renderPartyAccount(p.customerId, p.accounts, base(req))), parties.total);
    },
  );
  r.get('/partyAccount/:id', { schema: { tags: [tag], summary: 'Retrieve a party account', params: idParams, querystring: fieldsQuery } }, async (req) => {
    const m = /^P([1-9]\d{0,14})$/.exec(req.params.id);
    const list = m ? await listBillingAccounts(core, tmfCtx(req), { customerId: Number(m[1]) }) : [];
    if (!m || list.length === 0) throw new DomainError('NOT_FOUND', { id: req.params.id });
    return selectFields(renderPartyAccount(Number(m[1]), list, base(req)), req.query.fields);
  });

  const statics: [string, string, string, (Record<string, unknown> & { id: string })[]][] = [
    ['billFormat', 'BillFormat', 'The bill formats: the monthly PDF in Russian or English', BILL_FORMATS.map(({ language: _l, ...f }) => f)],
    ['billPresentationMedia', 'BillPresentationMedia', 'How bills reach the customer: PDF download and SMS link (no e-mail transport)', MEDIA],
    ['billingCycleSpecification', 'BillingCycleSpecification', 'The billing cycle: a calendar month in local time', CYCLES],
  ];
  for (const [kind, type, summary, items] of statics) {
    const render = staticRender(kind, type);
    r.get(`/${kind}`, { schema: { tags: [tag], summary, querystring: listQuery } }, async (req, reply) => sendList(reply, req.query, items.map((x) => render(x, base(req)))));
    r.get(`/${kind}/:id`, { schema: { tags: [tag], summary: `Retrieve a ${kind}`, params: idParams, querystring: fieldsQuery } }, async (req) => {
      const x = items.find((i) => i.id === req.params.id);
      if (!x) throw new DomainError('NOT_FOUND', { id: req.params.id });
      return selectFields(render(x, base(req)), req.query.fields);
    });
  }
  hubRoutes(app, core, API, tag);
}
