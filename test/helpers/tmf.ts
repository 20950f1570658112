import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import assert from 'node:assert/strict';
import { matchesFilters } from '../../src/channels/tmf/conventions.ts';
import { factsOfPrices } from '../../src/channels/tmf/offering-prices.ts';
import { createApiKey } from '../../src/domain/auth/api-keys.ts';
import type { Core } from '../../src/domain/core.ts';
import type { PriceFacts } from '../../src/text/price-facts.ts';
import { testApp, testCore, type TestEnv } from './core.ts';

export async function operatorAuth(core: Core): Promise<{ authorization: string }> {
  const { key } = await createApiKey(core.db, { name: `tmf-test-${Math.random()}` });
  return { authorization: `Bearer ${key}` };
}

export interface ReceivedEvent {
  path: string;
  body: { eventId: string; eventTime: string; eventType: string; event: Record<string, Record<string, unknown>> };
}

/** A local listener on 127.0.0.1 that records what the hub delivers. */
export async function startListener(): Promise<{ url: string; events: ReceivedEvent[]; waitFor(type: string, n?: number, ms?: number): Promise<ReceivedEvent[]>; close(): Promise<void> }> {
  const events: ReceivedEvent[] = [];
  const arrived = new EventEmitter();
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      events.push({ path: req.url ?? '', body: JSON.parse(data) as ReceivedEvent['body'] });
      res.statusCode = 201;
      res.end();
      arrived.emit('event');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // A failed test must not leave the process waiting on this server.
  server.unref();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`;
  return {
    url,
    events,
    // Resolves when the n-th event of the type has arrived; the deadline only turns a missing
    // event into a clear failure.
    waitFor(type, n = 1, ms = 10_000) {
      const got = () => events.filter((e) => e.body.eventType === type);
      if (got().length >= n) return Promise.resolve(got());
      return new Promise((resolve, reject) => {
        const onEvent = () => {
          if (got().length < n) return;
          clearTimeout(timer);
          arrived.off('event', onEvent);
          resolve(got());
        };
        const timer = setTimeout(() => {
          arrived.off('event', onEvent);
          reject(new Error(`no ${type} event within ${ms} ms; got ${events.map((e) => e.body.eventType).join(', ') || 'nothing'}`));
        }, ms);
        arrived.on('event', onEvent);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends a request with the operator key and returns status, headers and the parsed body. */
export function tmfClient(app: FastifyInstance, auth: Record<string, string>, base: string) {
  return async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, payload?: unknown, headers: Record<string, string> = {}) => {
    const res = await app.inject({ method, url: base + path, headers: { host: 'abonent.test', ...auth, ...headers }, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
    return { status: res.statusCode, headers: res.headers, body: res.body ? (JSON.parse(res.body) as Record<string, unknown> & Record<string, unknown>[]) : undefined, raw: res.body };
  };
}

/**
 * Walks a TMF list from `first` through its Link rel="next" headers: every page's ids in order.
 * Each page must state the same X-Total-Count and an X-Result-Count of its own length.
 */
export async function walkPages(app: FastifyInstance, auth: Record<string, string>, first: string): Promise<string[]> {
  const ids: string[] = [];
  let next: string | undefined = first;
  let total: string | undefined;
  while (next) {
    const r: Awaited<ReturnType<FastifyInstance['inject']>> = await app.inject({ url: next, headers: { host: 'abonent.test', ...auth } });
    const page = r.json<Record<string, unknown>[]>();
    total ??= String(r.headers['x-total-count']);
    if (r.headers['x-total-count'] !== total) throw new Error(`${next}: X-Total-Count ${String(r.headers['x-total-count'])}, the first page said ${total}`);
    if (r.headers['x-result-count'] !== String(page.length)) throw new Error(`${next}: X-Result-Count ${String(r.headers['x-result-count'])} for ${page.length} items`);
    ids.push(...page.map((x) => String(x.id)));
    next = /<([^>]+)>; rel="next"/.exec(String(r.headers.link ?? ''))?.[1];
  }
  return ids;
}

/**
 * A list paged by the store, checked against itself read whole: walked `pageSize` at a time through
 * its Link headers it is the whole list in order, each item once; and each filter case (a query,
 * or a query with the predicate it means, for a date operator) answers, with its X-Total-Count,
 * what the attribute filter would over the whole list — something, unless the case is in `empty`.
 * Returns the whole list.
 */
export async function assertPagedFilters(
  app: FastifyInstance,
  auth: Record<string, string>,
  url: string,
  cases: (string | [string, (x: Record<string, unknown>) => boolean])[],
  opts: { pageSize?: number; empty?: string[] } = {},
): Promise<Record<string, unknown>[]> {
  const get = (u: string) => app.inject({ url: u, headers: { host: 'abonent.test', ...auth } });
  const whole = await get(`${url}?limit=1000`);
  assert.equal(whole.statusCode, 200, whole.body);
  const all = whole.json<Record<string, unknown>[]>();
  const pageSize = opts.pageSize ?? 3;
  assert.equal(whole.headers['x-total-count'], String(all.length));
  assert.ok(all.length > pageSize, `more than a page: ${all.length}`);
  const walked = await walkPages(app, auth, `${url}?limit=${pageSize}`);
  assert.deepEqual(walked, all.map((x) => String(x.id)));
  assert.equal(new Set(walked).size, walked.length);
  for (const c of cases) {
    const [q, wanted] = typeof c === 'string' ? [c, (x: Record<string, unknown>) => matchesFilters(x, Object.fromEntries(new URLSearchParams(c)))] : c;
    const expected = all.filter(wanted).map((x) => String(x.id));
    const got = await get(`${url}?${q}&limit=1000`);
    assert.equal(got.statusCode, 200, `${q}: ${got.body}`);
    assert.deepEqual(got.json<Record<string, unknown>[]>().map((x) => String(x.id)), expected, q);
    assert.equal(got.headers['x-total-count'], String(expected.length), q);
    assert.ok(expected.length > 0 || opts.empty?.includes(q), `${q} matches something`);
  }
  return all;
}

/** ISO 8601 in UTC with `Z`, as the TMF conventions require of every date. */
export const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
export type Res = Record<string, unknown>;

export interface TmfEnv {
  env: TestEnv;
  core: Core;
  app: FastifyInstance;
  auth: { authorization: string };
}

/** A TMF test file's world: a fresh store, the whole server, and an operator API key. */
export async function openTmfEnv(): Promise<TmfEnv> {
  const env = await testCore();
  const app = await testApp(env.core);
  return { env, core: env.core, app, auth: await operatorAuth(env.core) };
}

export async function closeTmfEnv(t: TmfEnv): Promise<void> {
  await t.app.close();
  await t.env.close();
}

/**
 * What TMF620 states a catalog entry costs, as price facts: GET productOffering/<id> (a product's
 * code, or `tariff-<code>` for a plan) and its productOfferingPrice read back by factsOfPrices.
 * Compare with the registry's offer facts (connectProductAction / changeTariffAction `.offer().facts`).
 */
export async function tmfOfferingFacts(app: FastifyInstance, auth: Record<string, string>, offeringId: string, lang: 'ru' | 'en' = 'ru'): Promise<{ facts: PriceFacts; prices: Record<string, unknown>[] }> {
  const res = await app.inject({ url: `/tmf-api/productCatalogManagement/v4/productOffering/${encodeURIComponent(offeringId)}`, headers: { host: 'abonent.test', 'accept-language': lang, ...auth } });
  if (res.statusCode !== 200) throw new Error(`productOffering/${offeringId}: ${res.statusCode} ${res.body}`);
  const prices = res.json<{ productOfferingPrice: Record<string, unknown>[] }>().productOfferingPrice;
  return { facts: factsOfPrices(prices), prices };
}
