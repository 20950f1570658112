import type { PaymentProvider } from '../../domain/payments/provider.ts';
import { DomainError } from '../../domain/shared/errors.ts';

/**
 * No acquirer configured: card payments are refused (PAYMENTS_UNAVAILABLE) before anything is
 * written, and no webhook is taken as genuine. A production install starts with this until a real
 * provider is wired in, since the sandbox would credit balances without any money.
 */
export class NoPaymentProvider implements PaymentProvider {
  readonly name = 'none';
  readonly available = false;

  createPayment(): never {
    throw new DomainError('PAYMENTS_UNAVAILABLE');
  }

  chargeToken(): never {
    throw new DomainError('PAYMENTS_UNAVAILABLE');
  }

  refund(): Promise<{ ok: boolean; reason?: string }> {
    return Promise.resolve({ ok: false, reason: 'no payment provider is configured' });
  }

  parseWebhook(): null {
    return null;
  }
}
