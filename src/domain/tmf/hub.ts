import { randomUUID } from 'node:crypto';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { recordAudit } from '../audit/record-audit.ts';

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

export const DELIVERY_TIMEOUT_MS = 3000;

/**
 * Tells every listener of an API about an event: `POST <callback>/listener/<eventType>`. Called
 * after the change is committed; best effort with a short timeout, never failing the caller.
 * Resolves when every delivery has been tried (callers need not wait for it).
 */
export async function notifyListeners(core: Core, input: { api: string; eventType: string; resourceName: string; resource: unknown }): Promise<number> {
  const subs = await core.db.query<HubSubscription>('SELECT id, callback, query FROM tmf_hub WHERE api = $1', [input.api]);
  const now = core.clock.now().toISOString();
  const targets = subs.filter((s) => wants(s.query, input.eventType));
  const results = await Promise.all(
    targets.map(async (s) => {
      const event = {
        eventId: randomUUID(),
        eventTime: now,
        eventType: input.eventType,
        '@type': input.eventType,
        event: { [input.resourceName]: input.resource },
      };
      try {
        const res = await fetch(`${s.callback}/listener/${input.eventType}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(event),
          signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        });
        await res.body?.cancel();
        return res.ok;
      } catch (err) {
        core.log.warn({ err: String(err), callback: s.callback, eventType: input.eventType }, 'TMF event delivery failed');
        return false;
      }
    }),
  );
  return results.filter(Boolean).length;
}
