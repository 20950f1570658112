import { getBalance } from '../src/domain/subscribers/get-balance.ts';
import { resolveSession } from '../src/domain/auth/sessions.ts';
import type { Core } from '../src/domain/core.ts';
import { closedLoop, type LoopResult } from './closed-loop.ts';
import type { BenchSubscriber } from './setup.ts';

/**
 * PGlite runs one connection in this process, so its callers queue anyway: measure sequential
 * awaited calls. A PostgreSQL server serves many connections at once: measure 50 callers.
 */
export function storeCallers(core: Core): number {
  return core.db.kind === 'pglite' ? 1 : 50;
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

/** (a) The raw store's primary-key select, through the same `Db` the API uses. */
export async function benchPrimaryKeySelect(core: Core, subs: readonly BenchSubscriber[], seconds: number): Promise<LoopResult> {
  const ids = subs.map((s) => s.accountId);
  return closedLoop(seconds, storeCallers(core), async () => {
    const rows = await core.db.query('SELECT balance FROM account WHERE id = $1', [pick(ids)]);
    if (rows.length !== 1) throw new Error('account row missing');
  });
}

/**
 * Diagnostic: what one balance request does below HTTP — resolve the Bearer session, then the
 * getBalance use case — so the HTTP overhead and the store's share can be told apart.
 */
export async function benchBalanceUseCase(core: Core, subs: readonly BenchSubscriber[], seconds: number): Promise<LoopResult> {
  return closedLoop(seconds, storeCallers(core), async () => {
    const s = pick(subs);
    const actor = await resolveSession(core, s.token);
    if (!actor) throw new Error('session not found');
    await getBalance(core, { actor: { kind: 'subscriber', subscriberId: s.subscriberId }, channel: 'web', requestId: 'bench', lang: 'ru' }, { msisdn: 'me' });
  });
}
