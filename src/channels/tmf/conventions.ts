import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Ctx } from '../../domain/shared/context.ts';
import { DomainError } from '../../domain/shared/errors.ts';
import type { StorePage } from '../../domain/shared/list-page.ts';
import { MAX_AMOUNT_KOPECKS, parseInstant, rublesToKopecks, wholeNumber } from '../../domain/shared/strict-input.ts';

/** Conventions every TM Forum Open API shares: hrefs, lists, `fields=`, filters, money, context. */

/** A list answers this many items when the request names no `limit`, and never more than MAX_LIMIT. */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

export const listQuery = z.looseObject({
  fields: z.string().max(1000).optional().describe('comma-separated attributes to return (id and href always are)'),
  offset: wholeNumber({ min: 0 }).optional().describe('items to skip (0 by default)'),
  limit: wholeNumber({ min: 1, max: MAX_LIMIT }).optional().describe(`items to return: ${DEFAULT_LIMIT} by default, at most ${MAX_LIMIT}; X-Total-Count says how many match, a Link header rel="next" names the next page`),
});
export const fieldsQuery = z.looseObject({ fields: z.string().max(1000).optional() });
export const idParams = z.object({ id: z.string().min(1).max(200) });

const RESERVED = new Set(['fields', 'offset', 'limit', 'sort', 'lang']);

/** The absolute base of an API: PUBLIC_URL when configured, else the host the caller used. */
export function apiBase(req: FastifyRequest, publicUrl: string | undefined, basePath: string): string {
  const origin = publicUrl ? publicUrl.replace(/\/$/, '') : `${req.protocol}://${req.headers.host ?? 'localhost'}`;
  return origin + basePath;
}

function valuesAt(v: unknown, path: string[]): unknown[] {
  if (Array.isArray(v)) return v.flatMap((x) => valuesAt(x, path));
  if (path.length === 0) return [v];
  if (v === null || typeof v !== 'object') return [];
  return valuesAt((v as Record<string, unknown>)[path[0]!], path.slice(1));
}

/** Exact-match attribute filters: `status=active`, `relatedParty.id=7900…` (any element of an array). */
export function matchesFilters(resource: Record<string, unknown>, query: Record<string, unknown>): boolean {
  for (const [key, raw] of Object.entries(query)) {
    if (RESERVED.has(key) || raw === undefined) continue;
    const wanted = Array.isArray(raw) ? raw.map(String) : [String(raw)];
    const found = valuesAt(resource, key.split('.')).filter((x) => x !== undefined && x !== null && typeof x !== 'object').map(String);
    if (!wanted.every((w) => found.includes(w))) return false;
  }
  return true;
}

/** `fields=name,status`: only those attributes, with id and href always kept. */
export function selectFields<T extends Record<string, unknown>>(resource: T, fields: string | undefined): Record<string, unknown> {
  if (!fields) return resource;
  const keep = new Set(['id', 'href', ...fields.split(',').map((f) => f.trim().split('.')[0]!).filter(Boolean)]);
  return Object.fromEntries(Object.entries(resource).filter(([k]) => keep.has(k)));
}

/** The request's own path and query with `offset` and `limit` set: a page's address, relative to the request. */
function pageUrl(url: string, offset: number, limit: number): string {
  const [path, search = ''] = url.split('?', 2) as [string, string?];
  const params = new URLSearchParams(search);
  params.set('offset', String(offset));
  params.set('limit', String(limit));
  return `${path}?${params.toString()}`;
}

/** The page a list request asks for: `limit` items (DEFAULT_LIMIT when none is named) from `offset`. */
function pageAsked(query: Record<string, unknown>): StorePage {
  return { offset: typeof query.offset === 'number' ? query.offset : 0, limit: typeof query.limit === 'number' ? Math.min(query.limit, MAX_LIMIT) : DEFAULT_LIMIT };
}

/**
 * The page the store cuts for a list request: `limit` items (DEFAULT_LIMIT when none is named)
 * from `offset`. Every filter the list takes is applied by the store too (acceptedFilters refuses
 * the others), so the store reads only the page and counts the rest.
 */
export function storePage(query: Record<string, unknown>): StorePage {
  return pageAsked(query);
}

/**
 * The filters of a list the store applies in full: each given filter's one value, by name. A filter
 * not in `accepted` is refused (400, naming those that are) rather than applied to a cut of the
 * list. Undefined when a filter is repeated with different values: no item can match.
 */
export function acceptedFilters(query: Record<string, unknown>, accepted: readonly string[]): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let conflict = false;
  for (const [key, raw] of Object.entries(query)) {
    if (RESERVED.has(key) || raw === undefined) continue;
    if (!accepted.includes(key)) throw new DomainError('VALIDATION', { field: key, message: `this list cannot be filtered by ${key}; it can by ${accepted.join(', ')}` });
    const values = [...new Set((Array.isArray(raw) ? raw : [raw]).map(String))];
    if (values.length > 1) conflict = true;
    out[key] = values[0]!;
  }
  return conflict ? undefined : out;
}

/** A filter's ISO 8601 date-time; anything else is refused (400). */
export function filterDate(value: string, field: string): Date {
  const d = parseInstant(value);
  if (!d) throw new DomainError('VALIDATION', { field, message: 'an ISO 8601 date-time, such as 2026-04-30T21:00:00Z' });
  return d;
}

/** `date`, `date.gt`, `date.gte`, `date.lt`, `date.lte` (TMF630's operators) as a time range. */
export function dateRange(filters: Record<string, string>, name: string): { eq?: Date; gt?: Date; gte?: Date; lt?: Date; lte?: Date } | undefined {
  const range: Record<string, Date> = {};
  for (const op of ['eq', 'gt', 'gte', 'lt', 'lte'] as const) {
    const key = op === 'eq' ? name : `${name}.${op}`;
    if (filters[key] !== undefined) range[op] = filterDate(filters[key], key);
  }
  return Object.keys(range).length ? range : undefined;
}

/** The filter names dateRange reads for an attribute. */
export const dateFilterNames = (name: string): string[] => [name, `${name}.gt`, `${name}.gte`, `${name}.lt`, `${name}.lte`];

/**
 * Filters, counts, pages and trims a list: `limit` items from `offset` (DEFAULT_LIMIT when the
 * request names none). Sets X-Total-Count (all that match) and X-Result-Count (this page), and a
 * Link header (RFC 8288) with rel="next" / rel="prev" when there are more items after or before.
 * Given `total`, the items are already the page the store cut (see storePage), filtered there;
 * without it (the catalog-sized lists), all the items, filtered here on any attribute.
 */
export function sendList(reply: FastifyReply, query: Record<string, unknown>, all: Record<string, unknown>[], total?: number): Record<string, unknown>[] {
  const { offset, limit } = pageAsked(query);
  const fields = typeof query.fields === 'string' ? query.fields : undefined;
  const matching = total === undefined ? all.filter((r) => matchesFilters(r, query)) : all;
  const count = total ?? matching.length;
  const page = (total === undefined ? matching.slice(offset, offset + limit) : matching).map((r) => selectFields(r, fields));
  reply.header('X-Total-Count', String(count));
  reply.header('X-Result-Count', String(page.length));
  const links: string[] = [];
  if (offset + page.length < count) links.push(`<${pageUrl(reply.request.url, offset + page.length, limit)}>; rel="next"`);
  if (offset > 0) links.push(`<${pageUrl(reply.request.url, Math.max(0, offset - limit), limit)}>; rel="prev"`);
  if (links.length) reply.header('Link', links.join(', '));
  return page;
}

const keyPattern = /^[\x21-\x7e]{1,200}$/;

/** The use-case context of a TM Forum request: channel `tmf`, the caller's Idempotency-Key if any. */
export function tmfCtx(req: FastifyRequest, idempotencyKey?: string): Ctx {
  const header = req.headers['idempotency-key'];
  if (header !== undefined && (typeof header !== 'string' || !keyPattern.test(header))) throw new DomainError('VALIDATION', { field: 'Idempotency-Key' });
  const key = idempotencyKey ?? header;
  return { actor: req.actor, channel: 'tmf', requestId: String(req.id), lang: req.lang, ...(key ? { idempotencyKey: key } : {}) };
}

export function iso(d: Date | string | null | undefined): string | undefined {
  if (d === null || d === undefined) return undefined;
  return new Date(d).toISOString();
}

/** Kopecks as TM Forum Money (`{unit: 'RUB', value: 12.5}`). */
export function money(kopecks: number): { unit: string; value: number } {
  return { unit: 'RUB', value: kopecks / 100 };
}

/**
 * Rubles with at most two decimals into kopecks: a JSON number or a plain decimal string, within
 * the amount bound; anything else ("0x10", "1e3", " 5 ") is refused.
 */
export function toKopecks(value: unknown, field: string): number {
  const k = rublesToKopecks(value);
  if (k === null) throw new DomainError('VALIDATION', { field, message: `a plain decimal number of roubles, at most ${MAX_AMOUNT_KOPECKS / 100}` });
  return k;
}

/** Drops undefined attributes so answers carry only what is known. */
export function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export const refOf = (id: string, href: string, extra: Record<string, unknown> = {}) => ({ id, href, ...extra });
