import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../domain/core.ts';
import { setAutoPayment } from '../../domain/payments/auto-payment.ts';
import { removeCard } from '../../domain/payments/list-payments.ts';
import { saveCardByToken } from '../../domain/payments/save-card-token.ts';
import { DomainError, mustExist } from '../../domain/shared/errors.ts';
import { acceptedFilters, apiBase, compact, fieldsQuery, idParams, iso, listQuery, money, selectFields, sendList, storePage, tmfCtx, toKopecks } from './conventions.ts';
import { bool, filterNames, sqlFilter, wholeId, type FilterColumns } from './filter-sql.ts';
import { hubRoutes, publish } from './hub.ts';
import { listSavedCards, type SavedCardRecord } from './payment-methods.ts';

export const PAYMENT_METHOD_BASE = '/tmf-api/paymentMethod/v4';
const API = 'paymentMethod';
const tag = 'TMF670 Payment Method';

type Body = Record<string, unknown>;

function renderAutoPayment(a: NonNullable<SavedCardRecord['autoPayment']>): Body {
  return compact({
    enabled: a.enabled,
    mode: a.mode,
    amount: money(Number(a.amount)),
    threshold: a.threshold === null ? undefined : money(Number(a.threshold)),
    dayOfMonth: a.dayOfMonth ?? undefined,
    dailyLimit: money(Number(a.dailyLimit)),
    monthlyLimit: money(Number(a.monthlyLimit)),
    nextRunDate: a.enabled ? iso(a.nextRunAt) : undefined,
    lastUpdate: iso(a.updatedAt),
  });
}

export function renderPaymentMethod(c: SavedCardRecord, base: string): Body {
  const id = `card-${c.id}`;
  return compact({
    id,
    href: `${base}/paymentMethod/${id}`,
    name: `${c.brand} •••• ${c.last4}`,
    description: 'A card saved on the payment provider’s page: its token, not its number',
    isPreferred: c.autoPayment?.enabled === true,
    status: 'active',
    statusDate: iso(c.createdAt),
    account: [{ id: String(c.accountId), '@referredType': 'BillingAccount' }],
    relatedParty: { id: c.msisdn, role: 'owner', '@referredType': c.customerKind === 'business' ? 'Organization' : 'Individual' },
    brand: c.brand,
    lastFourDigits: c.last4,
    expirationDate: c.expiry,
    token: c.token,
    tokenType: c.provider,
    abonentAutoPayment: c.autoPayment ? renderAutoPayment(c.autoPayment) : undefined,
    '@type': 'tokenizedCard',
  });
}

/** The filters TMF670 paymentMethod takes, each applied by the store to what the card shows. */
const METHOD_FILTERS: FilterColumns = {
  id: { sql: `'card-' || x.id`, cast: 'text' },
  name: { sql: `x.brand || ' •••• ' || x.last4`, cast: 'text' },
  isPreferred: { sql: `COALESCE((x."autoPayment"->>'enabled')::boolean, false)`, cast: 'boolean', value: bool },
  status: { sql: `'active'`, cast: 'text' },
  statusDate: { sql: 'x."createdAt"', cast: 'timestamptz', date: true },
  'account.id': { sql: 'x."accountId"', cast: 'bigint', value: wholeId },
  'relatedParty.id': { sql: 'x.msisdn', cast: 'text' },
  'relatedParty.role': { sql: `'owner'`, cast: 'text' },
  brand: { sql: 'x.brand', cast: 'text' },
  lastFourDigits: { sql: 'x.last4', cast: 'text' },
  expirationDate: { sql: 'x.expiry', cast: 'text' },
  tokenType: { sql: 'x.provider', cast: 'text' },
  '@type': { sql: `'tokenizedCard'`, cast: 'text' },
};

const moneyIn = z.looseObject({ value: z.union([z.number(), z.string().max(40)]), unit: z.string().max(10).optional() });
const autoPaymentIn = z.looseObject({
  mode: z.enum(['threshold', 'monthly']),
  amount: moneyIn,
  threshold: moneyIn.nullish(),
  dayOfMonth: z.number().int().min(1).max(31).nullish(),
  dailyLimit: moneyIn.optional(),
  monthlyLimit: moneyIn.optional(),
});
const methodPatch = z.looseObject({
  abonentAutoPayment: autoPaymentIn.nullable().optional().describe('auto-payment from this card: by threshold or monthly, with daily and monthly ceilings; null switches it off'),
});

/** Attributes of a BankCard (and the like) that carry card data: a request with any of them is refused. */
const RAW_CARD_FIELDS = ['cardNumber', 'cvv', 'cvc', 'pan', 'securityCode', 'nameOnCard'] as const;
const partyRef = z.looseObject({ id: z.string().max(40) });
const methodCreate = z.looseObject({
  '@type': z.string().max(40),
  name: z.string().max(200).optional(),
  token: z.string().max(200).optional(),
  tokenType: z.string().max(40).optional(),
  relatedParty: z.union([partyRef, z.array(partyRef).max(1)]).optional(),
  account: z.array(z.looseObject({ id: z.string().max(40) })).max(1).optional(),
});

const kopecksIn = (m: z.infer<typeof moneyIn>, field: string): number => {
  if (m.unit !== undefined && m.unit !== 'RUB') throw new DomainError('VALIDATION', { field: `${field}.unit`, message: 'RUB' });
  return toKopecks(m.value, `${field}.value`);
};

/** TMF670: the cards saved through the payment provider and the auto-payment that uses them. */
export async function paymentMethodRoutes(app: FastifyInstance, opts: { core: Core; publicUrl?: string }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = (req: FastifyRequest) => apiBase(req, opts.publicUrl, PAYMENT_METHOD_BASE);
  const find = async (req: FastifyRequest, id: string) => {
    const [c] = await listSavedCards(core, tmfCtx(req), { id });
    if (!c) throw new DomainError('NOT_FOUND', { id });
    return c;
  };

  r.get('/paymentMethod', { schema: { tags: [tag], summary: `Saved cards with their auto-payment, paged by the store; filters: ${filterNames(METHOD_FILTERS).join(', ')}`, querystring: listQuery } }, async (req, reply) => {
    const filter = sqlFilter(acceptedFilters(req.query, filterNames(METHOD_FILTERS)), METHOD_FILTERS);
    const cards = await listSavedCards(core, tmfCtx(req), { filter }, storePage(req.query));
    return sendList(reply, req.query, cards.map((c) => renderPaymentMethod(c, base(req))), cards.total);
  });
  r.get('/paymentMethod/:id', { schema: { tags: [tag], summary: 'Retrieve a saved card', params: idParams, querystring: fieldsQuery } }, async (req) =>
    selectFields(renderPaymentMethod(await find(req, req.params.id), base(req)), req.query.fields),
  );
  r.post(
    '/paymentMethod',
    {
      schema: {
        tags: [tag],
        summary:
          "Save a card for a number from the payment provider's token (@type tokenizedCard, token, relatedParty.id = the MSISDN): the provider confirms it and gives the last four digits, brand and expiry. Card numbers are refused.",
        body: methodCreate,
      },
    },
    async (req, reply) => {
      const b = req.body;
      // Card data is refused before anything else is looked at, whatever else the request says.
      const raw = RAW_CARD_FIELDS.find((k) => b[k] !== undefined);
      if (raw) throw new DomainError('VALIDATION', { field: raw, message: "card data is never taken: save the card on the payment provider's page or its form, and send the token it issues (tokenizedCard)" });
      if (!/^tokenizedcard$/i.test(b['@type'])) throw new DomainError('VALIDATION', { field: '@type', message: 'tokenizedCard: a card is saved by the token its payment provider issued' });
      if (b.tokenType !== undefined && b.tokenType !== core.payments.name) throw new DomainError('VALIDATION', { field: 'tokenType', message: core.payments.name });
      if (!b.token) throw new DomainError('VALIDATION', { field: 'token', message: 'the token the payment provider issued for the card' });
      const owner = (Array.isArray(b.relatedParty) ? b.relatedParty[0] : b.relatedParty)?.id;
      if (!owner) throw new DomainError('VALIDATION', { field: 'relatedParty.id', message: 'the MSISDN of the number the card pays for' });
      const ctx = tmfCtx(req);
      const account = b.account?.[0]?.id;
      const { cardId, created } = await saveCardByToken(core, ctx, { msisdn: owner, token: b.token, ...(account !== undefined ? { accountId: account } : {}) });
      const out = renderPaymentMethod(mustExist((await listSavedCards(core, ctx, { id: `card-${cardId}` }))[0], 'card'), base(req));
      if (created) publish(core, API, 'paymentMethodCreateEvent', 'paymentMethod', out);
      return reply.status(201).send(out);
    },
  );
  r.patch(
    '/paymentMethod/:id',
    { schema: { tags: [tag], summary: 'Set or switch off the auto-payment from this card (abonentAutoPayment); nothing else of a card changes', params: idParams, body: methodPatch } },
    async (req) => {
      const other = Object.keys(req.body).find((k) => k !== 'abonentAutoPayment');
      if (other !== undefined || !('abonentAutoPayment' in req.body)) throw new DomainError('VALIDATION', { field: other ?? 'abonentAutoPayment', message: 'only abonentAutoPayment can be changed' });
      const before = await find(req, req.params.id);
      const a = req.body.abonentAutoPayment;
      const ctx = tmfCtx(req);
      if (a) {
        await setAutoPayment(core, ctx, {
          msisdn: before.msisdn,
          settings: {
            mode: a.mode,
            amount: kopecksIn(a.amount, 'abonentAutoPayment.amount'),
            threshold: a.threshold ? kopecksIn(a.threshold, 'abonentAutoPayment.threshold') : null,
            dayOfMonth: a.dayOfMonth ?? null,
            cardId: before.id,
            ...(a.dailyLimit ? { dailyLimit: kopecksIn(a.dailyLimit, 'abonentAutoPayment.dailyLimit') } : {}),
            ...(a.monthlyLimit ? { monthlyLimit: kopecksIn(a.monthlyLimit, 'abonentAutoPayment.monthlyLimit') } : {}),
          },
        });
      } else if (before.autoPayment?.enabled) {
        await setAutoPayment(core, ctx, { msisdn: before.msisdn, settings: null });
      }
      const out = renderPaymentMethod(mustExist((await listSavedCards(core, ctx, { id: req.params.id }))[0], 'card'), base(req));
      publish(core, API, 'paymentMethodAttributeValueChangeEvent', 'paymentMethod', out);
      return out;
    },
  );
  r.delete('/paymentMethod/:id', { schema: { tags: [tag], summary: 'Remove a saved card (auto-payment from it stops with it)', params: idParams } }, async (req, reply) => {
    const before = await find(req, req.params.id);
    await removeCard(core, tmfCtx(req), { msisdn: before.msisdn, cardId: before.id });
    publish(core, API, 'paymentMethodDeleteEvent', 'paymentMethod', renderPaymentMethod(before, base(req)));
    return reply.status(204).send();
  });
  hubRoutes(app, core, API, tag);
}
