import type { Core } from '../core.ts';
import { startTopUp } from './top-up.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';

/**
 * The payment provider's phone flow: the card a caller keys in on the phone goes to the provider
 * for the payment already started (the sandbox takes it directly; a real acquirer takes the call
 * leg to its own PCI-compliant IVR). Abonent never stores the number.
 */
export interface PhoneCardFlow {
  enterCard(p: { providerRef: string; number: string; expiry: string }): Promise<void>;
}

/**
 * Tops up with a new card entered by keypad: a payment started like any other (same limits, same
 * audit, idempotent by the request key), the card handed to the provider's phone flow, the account
 * credited only by the provider's signed event. A declined card charges nothing.
 */
export async function payNewCardByPhone(core: Core, ctx: Ctx, flow: PhoneCardFlow, input: { msisdn: string; amount: number; number: string; expiry: string }) {
  const started = await startTopUp(core, ctx, { msisdn: input.msisdn, amount: input.amount, saveCard: false });
  const read = async () =>
    (await core.db.query<{ status: string; provider_ref: string | null }>('SELECT status, provider_ref FROM payment WHERE id = $1', [started.paymentId]))[0];
  let row = await read();
  if (row?.status === 'pending' && row.provider_ref) {
    await flow.enterCard({ providerRef: row.provider_ref, number: input.number, expiry: input.expiry });
    row = await read();
  }
  if (row?.status !== 'succeeded') throw new DomainError('PAYMENT_FAILED', { reason: row?.status ?? 'unknown', paymentId: started.paymentId });
  return { paymentId: started.paymentId, status: row.status };
}
