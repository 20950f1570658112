import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../store/db.ts';
import type { CardInfo, PaymentProvider, ProviderEvent } from '../../domain/payments/provider.ts';

/** Test cards, as real acquirers publish them. Any other valid (Luhn) number succeeds. */
export const SANDBOX_CARDS = {
  success: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
};

export function luhnValid(number: string): boolean {
  if (!/^\d{12,19}$/.test(number)) return false;
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let d = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export const SIGNATURE_HEADER = 'x-sandbox-signature';

/** How long a sandbox payment page waits for the payer before it lapses (cancelled), as an acquirer's page does. */
export const SANDBOX_PAGE_TTL_MS = 30 * 60_000;

export interface SandboxOptions {
  db: Db;
  /** Signs webhooks; the receiving side checks with the same secret. */
  secret: string;
  /** Where the payer confirms: `${publicUrl}/sandbox/pay/<ref>`. */
  publicUrl: () => string;
  /** Sends a signed webhook to Abonent (by HTTP in production wiring). */
  deliver: (body: string, signature: string) => Promise<void>;
  now: () => Date;
}

/**
 * A payment provider that behaves like a real one, inside the platform for demos and tests:
 * a confirmation page, test cards that succeed or decline, tokens for saved cards, signed
 * webhooks, refunds. Its state is in the store, like a remote provider's would be.
 */
export class SandboxProvider implements PaymentProvider {
  readonly name = 'sandbox';
  readonly available = true;
  constructor(private readonly o: SandboxOptions) {}

  sign(body: string): string {
    return createHmac('sha256', this.o.secret).update(body).digest('hex');
  }

  /** Idempotent on `paymentId` (the merchant's key): a repeat returns the first payment and its page. */
  async createPayment(p: { paymentId: string; amount: number; description: string; returnUrl: string | null; saveCard: boolean }) {
    const inserted = await this.o.db.query<{ ref: string }>(
      `INSERT INTO sandbox_payment (ref, merchant_key, amount, description, return_url, save_card, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7)
       ON CONFLICT (merchant_key) DO NOTHING RETURNING ref`,
      [`sbx_${randomUUID()}`, p.paymentId, p.amount, p.description.slice(0, 200), p.returnUrl, p.saveCard, this.o.now()],
    );
    const ref = inserted[0]?.ref ?? (await this.byMerchantKey(p.paymentId, p.amount)).ref;
    return { providerRef: ref, confirmationUrl: `${this.o.publicUrl()}/sandbox/pay/${ref}` };
  }

  /** The payment a key already made; the key with another amount is refused, as an acquirer refuses it. */
  private async byMerchantKey(key: string, amount: number) {
    const rows = await this.o.db.query<{ ref: string; amount: number; status: string; failure_reason: string | null }>(
      'SELECT ref, amount, status, failure_reason FROM sandbox_payment WHERE merchant_key = $1',
      [key],
    );
    const row = rows[0];
    if (!row) throw new Error(`sandbox: no payment under key ${key}`);
    if (row.amount !== amount) throw new Error(`sandbox: key ${key} was used for another amount`);
    return row;
  }

  async describe(ref: string) {
    const rows = await this.o.db.query<{ amount: number; description: string; return_url: string | null; save_card: boolean; status: string }>(
      'SELECT amount, description, return_url, save_card, status FROM sandbox_payment WHERE ref = $1',
      [ref],
    );
    return rows[0];
  }

  /** The payer submitted the confirmation page (or cancelled it). Sends the webhook. */
  async complete(ref: string, input: { action: 'pay' | 'cancel'; card?: string; expiry?: string }): Promise<{ event: ProviderEvent; returnUrl: string | null } | null> {
    const p = await this.describe(ref);
    if (!p || p.status !== 'pending') return null;
    let event: ProviderEvent;
    if (input.action === 'cancel') event = { type: 'payment.cancelled', providerRef: ref };
    else {
      const number = (input.card ?? '').replace(/\D/g, '');
      if (!luhnValid(number)) event = { type: 'payment.failed', providerRef: ref, reason: 'invalid card number' };
      else if (number === SANDBOX_CARDS.declined) event = { type: 'payment.failed', providerRef: ref, reason: 'card declined' };
      else if (number === SANDBOX_CARDS.insufficientFunds) event = { type: 'payment.failed', providerRef: ref, reason: 'insufficient funds on card' };
      else {
        const card = p.save_card ? await this.tokenize(number, input.expiry ?? '12/30') : undefined;
        event = { type: 'payment.succeeded', providerRef: ref, ...(card ? { card } : {}) };
      }
    }
    const status = event.type === 'payment.succeeded' ? 'succeeded' : event.type === 'payment.failed' ? 'failed' : 'cancelled';
    // Only a page still pending: one the expiry job lapsed meanwhile is not paid after all.
    const settled = await this.o.db.query("UPDATE sandbox_payment SET status = $2 WHERE ref = $1 AND status = 'pending' RETURNING ref", [ref, status]);
    if (settled.length === 0) return null;
    await this.send(event);
    return { event, returnUrl: p.return_url };
  }

  /**
   * Pages left unpaid for `SANDBOX_PAGE_TTL_MS` lapse: each is marked cancelled once (the update
   * claims it, so two instances never both send) and its `payment.cancelled` webhook is sent.
   */
  async expireAbandoned(now: Date): Promise<number> {
    const lapsed = await this.o.db.query<{ ref: string }>(
      "UPDATE sandbox_payment SET status = 'cancelled' WHERE status = 'pending' AND created_at < $1 RETURNING ref",
      [new Date(now.getTime() - SANDBOX_PAGE_TTL_MS)],
    );
    for (const { ref } of lapsed) await this.send({ type: 'payment.cancelled', providerRef: ref });
    return lapsed.length;
  }

  async send(event: ProviderEvent): Promise<void> {
    const body = JSON.stringify({ id: `evt_${randomBytes(8).toString('hex')}`, ...event });
    await this.o.deliver(body, this.sign(body));
  }

  /** A card token the sandbox issued, as a real provider's token lookup answers it. */
  async verifyToken(token: string): Promise<CardInfo | null> {
    const rows = await this.o.db.query<CardInfo>('SELECT token, last4, brand, expiry FROM sandbox_card WHERE token = $1', [token]);
    return rows[0] ?? null;
  }

  /**
   * Takes a test card and returns its token, as a provider's tokenization form does in the payer's
   * browser: the card number stays here, and whoever holds the token can save the card with
   * Abonent (TMF670 POST paymentMethod). An invalid number is refused, as the form would.
   */
  async issueToken(card: string, expiry = '12/30'): Promise<CardInfo> {
    const number = card.replace(/\D/g, '');
    if (!luhnValid(number)) throw new Error('sandbox: invalid card number');
    return this.tokenize(number, expiry);
  }

  private async tokenize(number: string, expiry: string): Promise<CardInfo> {
    const token = `tok_${randomBytes(12).toString('hex')}`;
    const card = { token, last4: number.slice(-4), brand: number.startsWith('4') ? 'VISA' : number.startsWith('5') ? 'MASTERCARD' : number.startsWith('2') ? 'MIR' : 'CARD', expiry: /^\d{2}\/\d{2}$/.test(expiry) ? expiry : '12/30' };
    await this.o.db.query('INSERT INTO sandbox_card (token, last4, brand, expiry, declines) VALUES ($1, $2, $3, $4, $5)', [
      token,
      card.last4,
      card.brand,
      card.expiry,
      number === SANDBOX_CARDS.declined || number === SANDBOX_CARDS.insufficientFunds,
    ]);
    return card;
  }

  /** Idempotent on `paymentId` like createPayment: a repeat reports the first charge's outcome and charges nothing. */
  async chargeToken(p: { paymentId: string; amount: number; token: string; description: string }) {
    const ref = `sbx_${randomUUID()}`;
    const cards = await this.o.db.query<{ declines: boolean }>('SELECT declines FROM sandbox_card WHERE token = $1', [p.token]);
    const card = cards[0];
    const reason = !card ? 'unknown card token' : card.declines ? 'card declined' : null;
    const inserted = await this.o.db.query<{ ref: string }>(
      `INSERT INTO sandbox_payment (ref, merchant_key, amount, description, save_card, status, failure_reason, created_at) VALUES ($1, $2, $3, $4, false, $5, $6, $7)
       ON CONFLICT (merchant_key) DO NOTHING RETURNING ref`,
      [ref, p.paymentId, p.amount, p.description.slice(0, 200), reason ? 'failed' : 'succeeded', reason, this.o.now()],
    );
    const row = inserted[0] ? { ref, status: reason ? 'failed' : 'succeeded', failure_reason: reason } : await this.byMerchantKey(p.paymentId, p.amount);
    const event: ProviderEvent =
      row.status === 'succeeded' ? { type: 'payment.succeeded', providerRef: row.ref } : { type: 'payment.failed', providerRef: row.ref, reason: row.failure_reason ?? 'card declined' };
    return { providerRef: row.ref, event };
  }

  async refund(p: { providerRef: string; amount: number }) {
    const rows = await this.o.db.query<{ amount: number; refunded: number; status: string }>('SELECT amount, refunded, status FROM sandbox_payment WHERE ref = $1', [p.providerRef]);
    const row = rows[0];
    if (!row || row.status !== 'succeeded') return { ok: false, reason: 'payment not captured' };
    if (row.refunded + p.amount > row.amount) return { ok: false, reason: 'refund exceeds payment' };
    await this.o.db.query('UPDATE sandbox_payment SET refunded = refunded + $2 WHERE ref = $1', [p.providerRef, p.amount]);
    return { ok: true };
  }

  parseWebhook(rawBody: string, headers: Record<string, string | string[] | undefined>): ProviderEvent | null {
    const sig = headers[SIGNATURE_HEADER];
    if (typeof sig !== 'string' || !/^[0-9a-f]{64}$/.test(sig)) return null;
    const expected = Buffer.from(this.sign(rawBody), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(sig, 'hex'))) return null;
    try {
      const e = JSON.parse(rawBody) as ProviderEvent;
      if (!['payment.succeeded', 'payment.failed', 'payment.cancelled'].includes(e.type) || typeof e.providerRef !== 'string') return null;
      return e;
    } catch {
      return null;
    }
  }
}
