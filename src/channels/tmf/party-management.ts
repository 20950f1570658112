import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../domain/core.ts';
import { createParty } from '../../domain/parties/create-party.ts';
import type { PartyInput } from '../../domain/parties/party-attributes.ts';
import { deleteParty } from '../../domain/parties/delete-party.ts';
import { updateParty } from '../../domain/parties/update-party.ts';
import { DomainError, mustExist } from '../../domain/shared/errors.ts';
import { acceptedFilters, apiBase, fieldsQuery, idParams, iso, listQuery, selectFields, sendList, storePage, tmfCtx } from './conventions.ts';
import { bool, filterNames, sqlFilter, wholeId, type FilterColumns } from './filter-sql.ts';
import { hubRoutes, publish } from './hub.ts';
import { listParties, type PartyRecord } from './party-records.ts';

export const PARTY_BASE = '/tmf-api/partyManagement/v4';
const API = 'partyManagement';
const tag = 'TMF632 Party';

type Body = Record<string, unknown>;

/**
 * Attributes of the specification Abonent keeps as the client sent them without acting on them
 * (`extra`); anything else a client sends that the specification does not define is not kept.
 */
const KEPT: Record<'person' | 'business', ReadonlySet<string>> = {
  person: new Set([
    'aristocraticTitle', 'birthDate', 'countryOfBirth', 'deathDate', 'familyNamePrefix', 'gender', 'generation', 'legalName', 'location', 'maritalStatus', 'nationality',
    'placeOfBirth', 'preferredGivenName', 'title', 'creditRating', 'disability', 'externalReference', 'individualIdentification', 'otherName', 'skill', 'taxExemptionCertificate',
  ]),
  business: new Set([
    'isHeadOffice', 'nameType', 'organizationType', 'creditRating', 'externalReference', 'organizationChildRelationship', 'organizationParentRelationship', 'otherName', 'taxExemptionCertificate',
  ]),
};
/** What the party's record states: a PATCH may not set these. */
const READ_ONLY = ['id', 'href', 'status', 'isLegalEntity', 'existsDuring', 'partyCharacteristic', 'relatedParty'];

/** The contact media of a party: its numbers (mobile, the first preferred), its e-mail, its contact phones. */
function contactMedia(p: PartyRecord): Body[] {
  return [
    ...p.numbers.map((n, i) => ({ mediumType: 'mobile', preferred: i === 0, characteristic: { contactType: 'mobile', phoneNumber: n.msisdn } })),
    ...(p.email ? [{ mediumType: 'email', preferred: p.numbers.length === 0, characteristic: { contactType: 'email', emailAddress: p.email } }] : []),
    ...(p.party.phones ?? []).map((phone) => ({ mediumType: 'phone', preferred: false, characteristic: { contactType: 'contact', phoneNumber: phone } })),
  ];
}

function renderIndividual(p: PartyRecord, base: string): Body {
  const language = p.numbers[0]?.language ?? p.party.language;
  return {
    ...p.party.extra,
    id: String(p.id),
    href: `${base}/individual/${p.id}`,
    ...(p.party.givenName ? { givenName: p.party.givenName } : {}),
    ...(p.party.familyName ? { familyName: p.party.familyName } : {}),
    ...(p.party.middleName ? { middleName: p.party.middleName } : {}),
    fullName: p.name,
    formattedName: p.name,
    // A holder without a number yet is recorded, not validated: provisioning a number validates it.
    status: p.numbers.length ? 'validated' : 'initialized',
    contactMedium: contactMedia(p),
    ...(language ? { languageAbility: [{ languageCode: language, languageName: language === 'ru' ? 'Русский' : 'English', isFavouriteLanguage: true }] } : {}),
    partyCharacteristic: [{ name: 'customerSince', valueType: 'dateTime', value: iso(p.createdAt) }],
    '@type': 'Individual',
  };
}

function renderOrganization(p: PartyRecord, base: string): Body {
  return {
    ...p.party.extra,
    id: String(p.id),
    href: `${base}/organization/${p.id}`,
    name: p.name,
    tradingName: p.name,
    isLegalEntity: true,
    status: p.numbers.length ? 'validated' : 'initialized',
    existsDuring: { startDateTime: iso(p.createdAt) },
    ...(p.inn ? { organizationIdentification: [{ identificationType: 'INN', identificationId: p.inn, issuingAuthority: 'FNS' }] } : {}),
    contactMedium: contactMedia(p),
    partyCharacteristic: [{ name: 'numbers', valueType: 'integer', value: p.numbers.length }],
    '@type': 'Organization',
  };
}

/** What both kinds of party show alike: id, status, the contact media. */
const PARTY_FILTERS: FilterColumns = {
  id: { sql: 'x.id', cast: 'bigint', value: wholeId },
  status: { sql: `CASE WHEN EXISTS (SELECT 1 FROM subscriber s WHERE s.customer_id = x.id) THEN 'validated' ELSE 'initialized' END`, cast: 'text' },
  // A number it holds or a contact phone, each found through its index.
  'contactMedium.characteristic.phoneNumber': {
    sql: `x.id IN (SELECT s.customer_id FROM subscriber s WHERE s.msisdn = $v UNION ALL SELECT c.id FROM customer c WHERE c.party->'phones' @> jsonb_build_array($v))`,
    cast: 'text',
  },
  'contactMedium.characteristic.emailAddress': { sql: 'x.email', cast: 'text' },
  'contactMedium.mediumType': {
    sql: `($v = 'mobile' AND EXISTS (SELECT 1 FROM subscriber s WHERE s.customer_id = x.id)) OR ($v = 'email' AND x.email IS NOT NULL) OR ($v = 'phone' AND jsonb_array_length(COALESCE(x.party->'phones', '[]'::jsonb)) > 0)`,
    cast: 'text',
  },
};

/** The filters TMF632 individual takes, each applied by the store to what the list shows. */
const INDIVIDUAL_FILTERS: FilterColumns = {
  ...PARTY_FILTERS,
  givenName: { sql: `x.party->>'givenName'`, cast: 'text' },
  familyName: { sql: `x.party->>'familyName'`, cast: 'text' },
  middleName: { sql: `x.party->>'middleName'`, cast: 'text' },
  fullName: { sql: 'x.name', cast: 'text' },
  formattedName: { sql: 'x.name', cast: 'text' },
  'languageAbility.languageCode': { sql: `COALESCE((SELECT s.language FROM subscriber s WHERE s.customer_id = x.id ORDER BY s.id LIMIT 1), x.party->>'language')`, cast: 'text' },
  '@type': { sql: `'Individual'`, cast: 'text' },
};

/** The filters TMF632 organization takes. */
const ORGANIZATION_FILTERS: FilterColumns = {
  ...PARTY_FILTERS,
  name: { sql: 'x.name', cast: 'text' },
  tradingName: { sql: 'x.name', cast: 'text' },
  isLegalEntity: { sql: 'true', cast: 'boolean', value: bool },
  'existsDuring.startDateTime': { sql: 'x."createdAt"', cast: 'timestamptz', date: true },
  'organizationIdentification.identificationId': { sql: 'x.inn', cast: 'text' },
  'organizationIdentification.identificationType': { sql: `CASE WHEN x.inn IS NOT NULL THEN 'INN' END`, cast: 'text' },
  '@type': { sql: `'Organization'`, cast: 'text' },
};

const text = (max: number) => z.string().max(max);
const medium = z.looseObject({
  mediumType: text(40).optional(),
  preferred: z.boolean().optional(),
  characteristic: z.looseObject({ emailAddress: text(254).optional(), phoneNumber: text(40).optional(), contactType: text(40).optional() }).optional(),
});
const partyBody = z.looseObject({
  givenName: text(100).optional(),
  familyName: text(100).optional(),
  middleName: text(100).nullable().optional(),
  fullName: text(200).optional(),
  name: text(200).optional(),
  tradingName: text(200).optional(),
  contactMedium: z.array(medium).max(10).optional(),
  languageAbility: z.array(z.looseObject({ languageCode: text(10), isFavouriteLanguage: z.boolean().optional() })).max(5).optional(),
  organizationIdentification: z.array(z.looseObject({ identificationType: text(40), identificationId: text(40) })).max(5).nullable().optional(),
});
type PartyBody = z.infer<typeof partyBody>;

/**
 * A TMF632 body as what Abonent records. `contactMedium`, when given, is the whole list: its
 * e-mail (none: the e-mail is removed) and its phones other than the numbers the party holds
 * (those are provisioning's). The preferred language is taken while the party holds no number.
 */
function partyInput(kind: 'person' | 'business', b: PartyBody, held: string[] = []): PartyInput {
  const media = b.contactMedium;
  const emails = media?.map((m) => m.characteristic?.emailAddress).filter((e): e is string => !!e);
  const phones = media
    ?.filter((m) => !m.characteristic?.emailAddress)
    .map((m) => m.characteristic?.phoneNumber)
    .filter((p): p is string => !!p && !held.includes(p.replace(/\D/g, '')));
  const lang = b.languageAbility?.find((l) => l.isFavouriteLanguage)?.languageCode ?? b.languageAbility?.[0]?.languageCode;
  const inn = b.organizationIdentification === null ? null : b.organizationIdentification?.find((i) => i.identificationType.toUpperCase() === 'INN')?.identificationId;
  const extra = Object.fromEntries(Object.entries(b).filter(([k]) => KEPT[kind].has(k)));
  const name = kind === 'person' ? b.fullName : (b.name ?? b.tradingName);
  return {
    ...(name !== undefined ? { name } : {}),
    ...(kind === 'person' ? { givenName: b.givenName, familyName: b.familyName, middleName: b.middleName } : {}),
    ...(kind === 'business' && (inn !== undefined || b.organizationIdentification === null) ? { inn: inn ?? null } : {}),
    ...(emails ? { email: emails[0] ?? null } : {}),
    ...(phones ? { phones } : {}),
    ...(lang === 'ru' || lang === 'en' ? { language: lang } : {}),
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}

/**
 * TMF632: the holders of numbers (Individual, a person customer; its id is the customer id
 * TMF637's relatedParty names) and business customers (Organization). Creating one records a
 * customer that holds nothing yet (provisioning gives it a number, onboarding its contracts and
 * logins); PATCH changes its names, INN, e-mail and contact phones; DELETE removes one that holds
 * nothing and has no history. Operator API keys only.
 */
export async function partyManagementRoutes(app: FastifyInstance, opts: { core: Core; publicUrl?: string }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = (req: FastifyRequest) => apiBase(req, opts.publicUrl, PARTY_BASE);
  const kinds = [
    ['individual', 'Individual', 'person', renderIndividual, INDIVIDUAL_FILTERS, 'Holders of numbers (person customers) and those recorded before they hold one; contactMedium.characteristic.phoneNumber=<MSISDN> finds a number’s holder'],
    ['organization', 'Organization', 'business', renderOrganization, ORGANIZATION_FILTERS, 'Business customers; contactMedium.characteristic.phoneNumber=<MSISDN> finds the one holding a number'],
  ] as const;
  for (const [resource, type, kind, render, filters, summary] of kinds) {
    const one = async (req: FastifyRequest, id: string) => {
      const [p] = await listParties(core, tmfCtx(req), { kind, id });
      if (!p) throw new DomainError('NOT_FOUND', { id });
      return p;
    };
    r.get(`/${resource}`, { schema: { tags: [tag], summary: `${summary}. Paged by the store; filters: ${filterNames(filters).join(', ')}`, querystring: listQuery } }, async (req, reply) => {
      const filter = sqlFilter(acceptedFilters(req.query, filterNames(filters)), filters);
      const parties = await listParties(core, tmfCtx(req), { kind, filter }, storePage(req.query));
      return sendList(reply, req.query, parties.map((p) => render(p, base(req))), parties.total);
    });
    r.get(`/${resource}/:id`, { schema: { tags: [tag], summary: `Retrieve an ${resource} (by its id, or by a number it holds)`, params: idParams, querystring: fieldsQuery } }, async (req) =>
      selectFields(render(await one(req, req.params.id), base(req)), req.query.fields),
    );
    r.post(
      `/${resource}`,
      {
        schema: {
          tags: [tag],
          summary:
            kind === 'person'
              ? 'Record a person (givenName and familyName required) who will hold a number once one is provisioned for it; no login is made (send Idempotency-Key to make retries safe)'
              : 'Record a business customer (tradingName or name required) before its contracts; no login is made (send Idempotency-Key to make retries safe)',
          body: partyBody,
        },
      },
      async (req, reply) => {
        if (req.body['@type'] !== undefined && req.body['@type'] !== type) throw new DomainError('VALIDATION', { field: '@type', message: type });
        const ctx = tmfCtx(req);
        const { id } = await createParty(core, ctx, { kind, ...partyInput(kind, req.body) });
        const out = render(mustExist((await listParties(core, ctx, { kind, id: String(id) }))[0], 'party'), base(req));
        publish(core, API, `${resource}CreateEvent`, resource, out);
        return reply.status(201).send(out);
      },
    );
    r.patch(
      `/${resource}/:id`,
      { schema: { tags: [tag], summary: `Update an ${resource}: names, ${kind === 'business' ? 'INN, ' : ''}e-mail and contact phones (JSON or merge-patch+json); the numbers it holds are provisioning's`, params: idParams, body: partyBody } },
      async (req) => {
        const bad = READ_ONLY.find((k) => req.body[k] !== undefined) ?? (req.body['@type'] !== undefined && req.body['@type'] !== type ? '@type' : undefined);
        if (bad) throw new DomainError('VALIDATION', { field: bad, message: 'not patchable' });
        const ctx = tmfCtx(req);
        const p = await one(req, req.params.id);
        const { changed } = await updateParty(core, ctx, { id: p.id, kind, ...partyInput(kind, req.body, p.numbers.map((n) => n.msisdn)) });
        const out = render(await one(req, String(p.id)), base(req));
        if (changed.length) publish(core, API, `${resource}AttributeValueChangeEvent`, resource, out);
        return out;
      },
    );
    r.delete(
      `/${resource}/:id`,
      {
        schema: {
          tags: [tag],
          summary: `Delete an ${resource} that holds nothing: one holding numbers or contracts, or with a history (accounts, bills), is refused (409)`,
          params: idParams,
        },
      },
      async (req, reply) => {
        const p = await one(req, req.params.id);
        const gone = render(p, base(req));
        await deleteParty(core, tmfCtx(req), { id: p.id, kind });
        publish(core, API, `${resource}DeleteEvent`, resource, gone);
        return reply.status(204).send();
      },
    );
  }
  hubRoutes(app, core, API, tag);
}
