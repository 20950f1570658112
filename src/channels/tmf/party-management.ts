import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Core } from '../../domain/core.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import { apiBase, fieldsQuery, idParams, iso, listQuery, selectFields, sendList, tmfCtx } from './conventions.ts';
import { hubRoutes } from './hub.ts';
import { listParties, type PartyRecord } from './party-records.ts';

export const PARTY_BASE = '/tmf-api/partyManagement/v4';
const API = 'partyManagement';
const tag = 'TMF632 Party';

type Body = Record<string, unknown>;

/** The numbers a party holds, as mobile contact media (the first is preferred). */
const phones = (p: PartyRecord): Body[] =>
  p.numbers.map((n, i) => ({ mediumType: 'mobile', preferred: i === 0, characteristic: { contactType: 'mobile', phoneNumber: n.msisdn } }));

function renderIndividual(p: PartyRecord, base: string): Body {
  const language = p.numbers[0]?.language;
  return {
    id: String(p.id),
    href: `${base}/individual/${p.id}`,
    fullName: p.name,
    formattedName: p.name,
    status: 'validated',
    contactMedium: phones(p),
    ...(language ? { languageAbility: [{ languageCode: language, languageName: language === 'ru' ? 'Русский' : 'English', isFavouriteLanguage: true }] } : {}),
    partyCharacteristic: [{ name: 'customerSince', valueType: 'dateTime', value: iso(p.createdAt) }],
    '@type': 'Individual',
  };
}

function renderOrganization(p: PartyRecord, base: string): Body {
  return {
    id: String(p.id),
    href: `${base}/organization/${p.id}`,
    name: p.name,
    tradingName: p.name,
    isLegalEntity: true,
    status: 'validated',
    existsDuring: { startDateTime: iso(p.createdAt) },
    ...(p.inn ? { organizationIdentification: [{ identificationType: 'INN', identificationId: p.inn, issuingAuthority: 'FNS' }] } : {}),
    contactMedium: phones(p),
    partyCharacteristic: [{ name: 'numbers', valueType: 'integer', value: p.numbers.length }],
    '@type': 'Organization',
  };
}

/**
 * TMF632, read-only: the holders of numbers (Individual, a person customer; its id is the
 * customer id TMF637's relatedParty names) and business customers (Organization). Customers are
 * made by provisioning and the business onboarding, not here.
 */
export async function partyManagementRoutes(app: FastifyInstance, opts: { core: Core; publicUrl?: string }): Promise<void> {
  const { core } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = (req: FastifyRequest) => apiBase(req, opts.publicUrl, PARTY_BASE);
  const numberOf = (q: Record<string, unknown>) => {
    const v = q['contactMedium.characteristic.phoneNumber'];
    return typeof v === 'string' ? { msisdn: v } : {};
  };
  const kinds = [
    ['individual', 'person', renderIndividual, 'Holders of numbers (person customers); contactMedium.characteristic.phoneNumber=<MSISDN> finds a number’s holder'],
    ['organization', 'business', renderOrganization, 'Business customers; contactMedium.characteristic.phoneNumber=<MSISDN> finds the one holding a number'],
  ] as const;
  for (const [resource, kind, render, summary] of kinds) {
    r.get(`/${resource}`, { schema: { tags: [tag], summary, querystring: listQuery } }, async (req, reply) =>
      sendList(reply, req.query, (await listParties(core, tmfCtx(req), { kind, ...numberOf(req.query) })).map((p) => render(p, base(req)))),
    );
    r.get(`/${resource}/:id`, { schema: { tags: [tag], summary: `Retrieve an ${resource}`, params: idParams, querystring: fieldsQuery } }, async (req) => {
      const [p] = await listParties(core, tmfCtx(req), { kind, id: req.params.id });
      if (!p) throw new DomainError('NOT_FOUND', { id: req.params.id });
      return selectFields(render(p, base(req)), req.query.fields);
    });
  }
  hubRoutes(app, core, API, tag);
}
