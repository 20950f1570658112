import type { Core } from '../../domain/core.ts';
import type { PartyAttributes } from '../../domain/parties/party-attributes.ts';
import type { Ctx } from '../../domain/shared/context.ts';
import { normalizeMsisdn } from '../../domain/shared/msisdn.ts';
import { emptyPage, readPage, type Paged, type SqlFilter, type StorePage } from '../../domain/shared/list-page.ts';
import { requireOperator } from '../../domain/shared/operator-access.ts';

/**
 * A customer as TMF632 shows it: a person who holds numbers or will (Individual) or a business
 * customer (Organization). Only what identifies the party and how to reach it: its names, a
 * business's INN, its e-mail and contact phones, the numbers it holds and their language, and the
 * attributes a client recorded with it. Never credentials, the business's admins and their
 * contacts, or the names of the employees who use a business's numbers.
 */
export interface PartyRecord {
  id: number;
  kind: 'person' | 'business';
  name: string;
  inn: string | null;
  email: string | null;
  party: PartyAttributes;
  createdAt: Date;
  updatedAt: Date | null;
  numbers: { msisdn: string; language: 'ru' | 'en'; status: string }[];
}

/**
 * Parties of one kind, by id or by a number they hold, oldest first. An id shaped as a phone
 * number (10 digits or more, as TMF637, TMF654 and TMF676 name a subscriber party) is the number's
 * holder: the party is answered under its own id. `filter`: a condition over PartyRecord's columns
 * (x.id, x.name, x.inn, x.email, x.party, x."createdAt"); `page`: only that page, with the total.
 */
export async function listParties(core: Core, ctx: Ctx, input: { kind: 'person' | 'business'; id?: string; msisdn?: string; filter?: SqlFilter }, page?: StorePage): Promise<Paged<PartyRecord>> {
  requireOperator(ctx);
  let id = input.id === undefined ? null : /^\d{1,15}$/.test(input.id) ? Number(input.id) : false;
  let msisdn = input.msisdn === undefined ? null : (normalizeMsisdn(input.msisdn) ?? false);
  if (input.id !== undefined && (id === false || input.id.length >= 10) && msisdn === null) {
    const number = normalizeMsisdn(input.id);
    if (number) [id, msisdn] = [null, number];
  }
  if (id === false || msisdn === false) return emptyPage(page);
  const params: unknown[] = [input.kind, id, msisdn];
  const where = input.filter ? input.filter(params) : 'TRUE';
  return readPage<PartyRecord>(
    core.db,
    `SELECT * FROM (
       SELECT c.id, c.kind, c.name, c.inn, c.email, c.party, c.created_at AS "createdAt", c.updated_at AS "updatedAt",
              COALESCE((SELECT json_agg(json_build_object('msisdn', s.msisdn, 'language', s.language, 'status', s.status) ORDER BY s.id)
                          FROM subscriber s WHERE s.customer_id = c.id), '[]'::json) AS numbers
         FROM customer c
        WHERE c.kind = $1 AND ($2::bigint IS NULL OR c.id = $2)
          AND ($3::text IS NULL OR c.id IN (SELECT s.customer_id FROM subscriber s WHERE s.msisdn = $3))) x WHERE ${where}`,
    params,
    'id',
    page,
  );
}
