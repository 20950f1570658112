import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ingestUsage } from '../../domain/billing/ingest-usage.ts';
import type { Core } from '../../domain/core.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import { listUsageRecords, usageDetailFrom, type UsageRecordView } from './usage-records.ts';
import { USAGE_SPECIFICATIONS, type UsageSpec } from './usage-specifications.ts';
import { acceptedFilters, apiBase, compact, fieldsQuery, idParams, iso, listQuery, money, selectFields, sendList, storePage, tmfCtx } from './conventions.ts';
import { bool, filterNames, kopecks, sqlFilter, type FilterColumns } from './filter-sql.ts';
import { hubRoutes, publish } from './hub.ts';
import { arr, msisdnFrom } from './parties.ts';

export const USAGE_BASE = '/tmf-api/usageManagement/v4';
const API = 'usageManagement';
const tag = 'TMF635 Usage';

function renderUsage(u: UsageRecordView, base: string): Record<string, unknown> {
  const ch = (name: string, value: unknown, valueType = 'string') => (value === null || value === undefined ? [] : [{ name, value, valueType }]);
  return compact({
    id: u.id,
    href: `${base}/usage/${u.id}`,
    usageDate: iso(u.startedAt),
    usageType: u.kind,
    status: 'rated',
    description: `${u.kind} ${u.zone}`,
    relatedParty: [{ id: u.msisdn, role: 'subscriber', '@referredType': 'Individual' }],
    usageCharacteristic: [
      ...ch('recordId', u.recordId),
      ...ch('msisdn', u.msisdn),
      ...ch('zone', u.zone),
      ...ch('durationSeconds', u.durationSeconds, 'integer'),
      ...ch('bytes', u.bytes, 'integer'),
      ...ch('counterpart', u.counterpart),
      ...ch('billedUnits', u.billedUnits, 'integer'),
      ...ch('quotaUnits', u.quotaUnits, 'integer'),
    ],
    ratedProductUsage: [
      {
        isBilled: true,
        ratingDate: iso(u.ratedAt),
        ratingAmountType: 'total',
        usageRatingTag: u.quotaUnits >= u.billedUnits ? 'included' : u.quotaUnits > 0 ? 'partlyIncluded' : 'charged',
        taxIncludedRatingAmount: money(u.charged),
        '@type': 'RatedProductUsage',
      },
    ],
    '@type': 'Usage',
  });
}

function renderSpec(u: UsageSpec, base: string): Record<string, unknown> {
  return {
    id: u.id,
    href: `${base}/usageSpecification/${u.id}`,
    name: u.name,
    description: u.description,
    isBundle: false,
    lifecycleStatus: 'Active',
    version: '1.0',
    specCharacteristic: u.characteristics.map((c) =>
      compact({
        name: c.name,
        description: c.description,
        valueType: c.valueType,
        configurable: false,
        minCardinality: c.minCardinality,
        maxCardinality: 1,
        characteristicValueSpecification: c.values?.map((value, i) => ({ value, valueType: 'string', isDefault: i === 0 })),
        '@type': 'CharacteristicSpecification',
      }),
    ),
    '@type': 'UsageSpecification',
  };
}

const RATING_TAG = `CASE WHEN x."quotaUnits" >= x."billedUnits" THEN 'included' WHEN x."quotaUnits" > 0 THEN 'partlyIncluded' ELSE 'charged' END`;

/** The filters TMF635 usage takes, each applied by the store to what the record shows. */
const USAGE_FILTERS: FilterColumns = {
  id: { sql: 'x.id', cast: 'text' },
  usageDate: { sql: 'x."startedAt"', cast: 'timestamptz', date: true },
  usageType: { sql: 'x.kind::text', cast: 'text' },
  status: { sql: `'rated'`, cast: 'text' },
  description: { sql: `x.kind || ' ' || x.zone`, cast: 'text' },
  'relatedParty.id': { sql: 'x.msisdn', cast: 'text' },
  'relatedParty.role': { sql: `'subscriber'`, cast: 'text' },
  'usageCharacteristic.name': {
    sql: `$v IN ('recordId', 'msisdn', 'zone', 'billedUnits', 'quotaUnits') OR ($v = 'durationSeconds' AND x."durationSeconds" IS NOT NULL)
      OR ($v = 'bytes' AND x.bytes IS NOT NULL) OR ($v = 'counterpart' AND x.counterpart IS NOT NULL)`,
    cast: 'text',
  },
  'usageCharacteristic.value': {
    sql: `$v IN (x."recordId", x.msisdn, x.zone::text, x."durationSeconds"::text, x.bytes::text, x.counterpart, x."billedUnits"::text, x."quotaUnits"::text)`,
    cast: 'text',
  },
  'ratedProductUsage.isBilled': { sql: 'TRUE', cast: 'boolean', value: bool },
  'ratedProductUsage.ratingDate': { sql: 'x."ratedAt"', cast: 'timestamptz', date: true },
  'ratedProductUsage.ratingAmountType': { sql: `'total'`, cast: 'text' },
  'ratedProductUsage.usageRatingTag': { sql: RATING_TAG, cast: 'text' },
  'ratedProductUsage.taxIncludedRatingAmount.value': { sql: 'x.charged', cast: 'bigint', value: kopecks },
  'ratedProductUsage.taxIncludedRatingAmount.unit': { sql: `'RUB'`, cast: 'text' },
  '@type': { sql: `'Usage'`, cast: 'text' },
};

const usageCreate = z.looseObject({
  usageType: z.enum(['voice', 'sms', 'mms', 'data']),
  usageDate: z.string().min(1).max(40).describe('ISO 8601, a date-time that exists in the calendar'),
  relatedParty: z.array(z.looseObject({ id: z.string().max(200) })).optional(),
  usageCharacteristic: z.array(z.looseObject({ name: z.string().max(100), value: z.unknown() })).optional(),
});

/** TMF635: usage is created by rating it in the billing core (idempotent by recordId), then read back. */
export async function usageRoutes(app: FastifyInstance, opts: { core: Core; publicUrl?: string }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = (req: FastifyRequest) => apiBase(req, opts.publicUrl, USAGE_BASE);

  r.post('/usage', { schema: { tags: [tag], summary: 'Report usage: rated at once against quotas and money (characteristics: msisdn, zone, durationSeconds, bytes, counterpart, recordId)', body: usageCreate } }, async (req, reply) => {
    const chars = new Map((req.body.usageCharacteristic ?? []).map((c) => [c.name, c.value]));
    const msisdn = msisdnFrom([chars.get('msisdn'), ...arr(req.body.relatedParty)], 'relatedParty');
    // A JSON integer or a string of digits; anything else reaches the use case as NaN and is refused there.
    const num = (name: string) => {
      const v = chars.get(name);
      if (v === undefined || v === null) return null;
      if (typeof v === 'number') return v;
      return typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : Number.NaN;
    };
    const ctx = tmfCtx(req);
    const recordId = String(chars.get('recordId') ?? ctx.idempotencyKey ?? randomUUID());
    const zone = String(chars.get('zone') ?? 'home');
    const res = await ingestUsage(core, ctx, [
      { recordId, msisdn, kind: req.body.usageType, zone: zone as 'home', startedAt: req.body.usageDate, durationSeconds: num('durationSeconds'), bytes: num('bytes'), counterpart: (chars.get('counterpart') as string | undefined) ?? null },
    ]);
    const refused = res.rejected[0];
    if (refused) throw new DomainError(refused.reason === 'unknown subscriber' ? 'SUBSCRIBER_NOT_FOUND' : 'VALIDATION', { field: 'usage', message: refused.reason });
    const [u] = await listUsageRecords(core, ctx, { msisdn, recordId });
    const out = renderUsage(u!, base(req));
    if (res.accepted > 0) publish(core, API, 'usageCreateEvent', 'usage', out);
    return reply.status(201).send(out);
  });
  r.get(
    '/usage',
    {
      schema: {
        tags: [tag],
        summary:
          `Rated usage, newest first, paged by the store; filters: ${filterNames(USAGE_FILTERS).join(', ')}. ` +
          'Records older than the kept detail were summarised per day and dropped: X-Usage-Detail-From names where the kept detail begins, and a period wholly before it is refused with 410',
        querystring: listQuery,
      },
    },
    async (req, reply) => {
      // The period asked for, against where the kept usage detail begins (full date-times only).
      const from = usageDateParam(req.query, 'usageDate.gte') ?? usageDateParam(req.query, 'usageDate.gt');
      const to = usageDateParam(req.query, 'usageDate.lt') ?? usageDateParam(req.query, 'usageDate.lte');
      const filter = sqlFilter(acceptedFilters(req.query, filterNames(USAGE_FILTERS)), USAGE_FILTERS);
      const records = await listUsageRecords(core, tmfCtx(req), { filter, ...(to ? { to } : {}) }, storePage(req.query));
      const detailFrom = await usageDetailFrom(core);
      if (detailFrom && (!from || from < detailFrom)) reply.header('X-Usage-Detail-From', detailFrom.toISOString());
      return sendList(reply, req.query, records.map((u) => renderUsage(u, base(req))), records.total);
    },
  );
  r.get('/usage/:id', { schema: { tags: [tag], summary: 'Retrieve a usage record', params: idParams, querystring: fieldsQuery } }, async (req) => {
    const [u] = await listUsageRecords(core, tmfCtx(req), { id: req.params.id });
    if (!u) throw new DomainError('NOT_FOUND', { id: req.params.id });
    return selectFields(renderUsage(u, base(req)), req.query.fields);
  });
  r.get('/usageSpecification', { schema: { tags: [tag], summary: 'The usage kinds accepted (voice, sms, mms, data) and their characteristics', querystring: listQuery } }, async (req, reply) => {
    return sendList(reply, req.query, USAGE_SPECIFICATIONS.map((u) => renderSpec(u, base(req))));
  });
  r.get('/usageSpecification/:id', { schema: { tags: [tag], summary: 'Retrieve a usage specification', params: idParams, querystring: fieldsQuery } }, async (req) => {
    const u = USAGE_SPECIFICATIONS.find((x) => x.id === req.params.id);
    if (!u) throw new DomainError('NOT_FOUND', { id: req.params.id });
    return selectFields(renderSpec(u, base(req)), req.query.fields);
  });
  hubRoutes(app, core, API, tag);
}

/** `usageDate.gte=2026-04-01T00:00:00+03:00`: an ISO 8601 date-time with its offset (or Z) bounding the period; anything else is refused. */
function usageDateParam(query: Record<string, unknown>, name: string): Date | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  const at = typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(raw) ? new Date(raw) : null;
  if (!at || Number.isNaN(at.getTime())) throw new DomainError('VALIDATION', { field: name });
  return at;
}
