import type { Core } from '../../domain/core.ts';
import type { Ctx } from '../../domain/shared/context.ts';
import { normalizeMsisdn } from '../../domain/shared/msisdn.ts';
import { LIST_CAP, requireOperator } from '../../domain/shared/operator-access.ts';

/**
 * A customer as TMF632 shows it: a person who holds numbers (Individual) or a business customer
 * (Organization). Only what identifies the party and how to reach it: its name, a business's INN,
 * the numbers it holds and their language. Never credentials, the business's admins and their
 * contacts, or the names of the employees who use a business's numbers.
 */
export interface PartyRecord {
  id: number;
  kind: 'person' | 'business';
  name: string;
  inn: string | null;
  createdAt: Date;
  numbers: { msisdn: string; language: 'ru' | 'en'; status: string }[];
}

/** Parties of one kind, by id or by a number they hold, oldest first. */
export async function listParties(core: Core, ctx: Ctx, input: { kind: 'person' | 'business'; id?: string; msisdn?: string }): Promise<PartyRecord[]> {
  requireOperator(ctx);
  const id = input.id === undefined ? null : /^\d{1,15}$/.test(input.id) ? Number(input.id) : false;
  const msisdn = input.msisdn === undefined ? null : (normalizeMsisdn(input.msisdn) ?? false);
  if (id === false || msisdn === false) return [];
  return core.db.query<PartyRecord>(
    `SELECT c.id, c.kind, c.name, c.inn, c.created_at AS "createdAt",
            COALESCE((SELECT json_agg(json_build_object('msisdn', s.msisdn, 'language', s.language, 'status', s.status) ORDER BY s.id)
                        FROM subscriber s WHERE s.customer_id = c.id), '[]'::json) AS numbers
       FROM customer c
      WHERE c.kind = $1 AND ($2::bigint IS NULL OR c.id = $2)
        AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM subscriber s WHERE s.customer_id = c.id AND s.msisdn = $3))
      ORDER BY c.id LIMIT ${LIST_CAP}`,
    [input.kind, id, msisdn],
  );
}
