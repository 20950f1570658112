/**
 * The payment provider port: the built-in sandbox by default, a real acquirer in production.
 * Card data never reaches Abonent: the provider's page takes it and hands back a token.
 */
export interface CardInfo {
  token: string;
  last4: string;
  brand: string;
  expiry: string;
}

export type ProviderEvent =
  | { type: 'payment.succeeded'; providerRef: string; card?: CardInfo }
  | { type: 'payment.failed'; providerRef: string; reason: string }
  | { type: 'payment.cancelled'; providerRef: string };

export interface PaymentProvider {
  readonly name: string;
  /** False when no acquirer is configured: card payments are refused before anything is written. */
  readonly available: boolean;
  /** Starts a payment the payer confirms on the provider's page. */
  createPayment(p: { paymentId: string; amount: number; description: string; returnUrl: string | null; saveCard: boolean }): Promise<{ providerRef: string; confirmationUrl: string }>;
  /** Charges a saved card without the payer (auto-payment, voice menu). */
  chargeToken(p: { paymentId: string; amount: number; token: string; description: string }): Promise<{ providerRef: string; event: ProviderEvent }>;
  refund(p: { providerRef: string; amount: number }): Promise<{ ok: boolean; reason?: string }>;
  /** Checks a webhook's signature and reads it; null when it is not genuine. */
  parseWebhook(rawBody: string, headers: Record<string, string | string[] | undefined>): ProviderEvent | null;
  /**
   * What the provider knows of a card token it issued (its own page or its tokenization SDK took
   * the card): last four digits, brand, expiry. Null for a token it did not issue. A provider
   * without it takes no tokens from elsewhere: cards are saved only through its payment page.
   */
  verifyToken?(token: string): Promise<CardInfo | null>;
  /**
   * For a provider whose payment pages are ours to keep (the sandbox): lapse the pages a payer left
   * unpaid, each with its `payment.cancelled` webhook, as a real acquirer does on its own side.
   * Returns how many lapsed.
   */
  expireAbandoned?(now: Date): Promise<number>;
}
