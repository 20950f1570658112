import { randomUUID } from 'node:crypto';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { callbackPolicy, callbackRefusal } from './callback-address.ts';
import { deliverHubEvents } from './deliver-hub-events.ts';

export interface HubSubscription {
  id: string;
  callback: string;
  query: string | null;
}

function requireIntegration(ctx: Ctx): void {
  if (ctx.actor.kind === 'anonymous') throw new DomainError('UNAUTHENTICATED');
  if (ctx.actor.kind !== 'operator_api' && ctx.actor.kind !== 'system') throw new DomainError('FORBIDDEN');
}

/** Registers a listener for the events of one TM Forum API (`POST /hub`). */
export async function subscribeToEvents(core: Core, ctx: Ctx, input: { api: string; callback: string; query?: string | null }): Promise<HubSubscription> {
  requireIntegration(ctx);
  let url: URL;
  try {
    url = new URL(input.callback);
  } catch {
    throw new DomainError('VALIDATION', { field: 'callback' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new DomainError('VALIDATION', { field: 'callback' });
  if (url.username || url.password) throw new DomainError('VALIDATION', { field: 'callback', message: 'no credentials in the URL' });
  const refused = await callbackRefusal(callbackPolicy(core.settings.hubCallbackAllowed), url);
  if (refused) throw new DomainError('CALLBACK_NOT_ALLOWED', { field: 'callback', reason: refused });
  const id = randomUUID();
  const callback = url.toString().replace(/\/$/, '');
  await core.db.tx(async (tx) => {
    await tx.query('INSERT INTO tmf_hub (id, api, callback, query, created_at) VALUES ($1, $2, $3, $4, $5)', [id, input.api, callback, input.query ?? null, core.clock.now()]);
    await recordAudit(tx, core, ctx, { action: 'tmf.hub.subscribe', details: { api: input.api, callback } });
  });
  return { id, callback, query: input.query ?? null };
}

export async function unsubscribeFromEvents(core: Core, ctx: Ctx, input: { api: string; id: string }): Promise<void> {
  requireIntegration(ctx);
  await core.db.tx(async (tx) => {
    const rows = await tx.query('DELETE FROM tmf_hub WHERE api = $1 AND id = $2 RETURNING id', [input.api, input.id]);
    if (rows.length === 0) throw new DomainError('NOT_FOUND', { id: input.id });
    await recordAudit(tx, core, ctx, { action: 'tmf.hub.unsubscribe', details: { api: input.api, id: input.id } });
  });
}

/** Whether a subscription's query (`eventType=A,B` or `eventType=A`) lets an event through. */
function wants(query: string | null, eventType: string): boolean {
  if (!query) return true;
  const params = new URLSearchParams(query.replace(/^\?/, ''));
  const types = params.getAll('eventType').flatMap((t) => t.split(',')).filter(Boolean);
  return types.length === 0 || types.includes(eventType);
}

/** The event as TM Forum listeners take it: `POST <callback>/listener/<eventType>`. */
function eventBody(eventType: string, resourceName: string, resource: unknown, at: Date) {
  return { eventId: randomUUID(), eventTime: at.toISOString(), eventType, '@type': eventType, event: { [resourceName]: resource } };
}

/**
 * Tells every listener of an API about an event. Called after the change is committed: each
 * delivery is written to the outbox first (so none is lost to a crash or a listener that is
 * down), then tried at once; what fails is retried by `deliverHubEvents` with backoff. Resolves
 * with how many were delivered on this first try (callers need not wait for it).
 */
export async function notifyListeners(core: Core, input: { api: string; eventType: string; resourceName: string; resource: unknown }): Promise<number> {
  const subs = await core.db.query<HubSubscription>('SELECT id, callback, query FROM tmf_hub WHERE api = $1', [input.api]);
  const targets = subs.filter((s) => wants(s.query, input.eventType));
  if (targets.length === 0) return 0;
  const now = core.clock.now();
  const ids: number[] = [];
  for (const s of targets) {
    const body = eventBody(input.eventType, input.resourceName, input.resource, now);
    const [row] = await core.db.query<{ id: number }>(
      `INSERT INTO tmf_event_delivery (hub_id, api, event_id, event_type, url, body, next_attempt_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
      [s.id, input.api, body.eventId, input.eventType, `${s.callback}/listener/${input.eventType}`, JSON.stringify(body), now],
    );
    if (row) ids.push(row.id);
  }
  return (await deliverHubEvents(core, { ids })).delivered;
}
