/**
 * One error type for every refusal the domain can give. Channels map `code` to their own words
 * (HTTP problem type and status, USSD text, SMS reply, voice prompt) in one table each.
 */
export const ERROR_CODES = [
  'VALIDATION',
  'NOT_FOUND',
  'SUBSCRIBER_NOT_FOUND',
  'PRODUCT_NOT_FOUND',
  'TARIFF_NOT_FOUND',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'INVALID_CREDENTIALS',
  'LOCKED_OUT',
  'RATE_LIMITED',
  'OTP_INVALID',
  'OTP_EXPIRED',
  'INSUFFICIENT_FUNDS',
  'PRODUCT_INCOMPATIBLE',
  'PRODUCT_REQUIRES',
  'PRODUCT_NOT_ALLOWED_ON_TARIFF',
  'PRODUCT_NOT_AVAILABLE',
  'PRODUCT_NOT_CONNECTED',
  'PRODUCT_NOT_DISABLEABLE',
  'ALREADY_CONNECTED',
  'ALREADY_ON_TARIFF',
  'CONTENT_BANNED',
  'SUBSCRIBER_BLOCKED',
  'IDEMPOTENCY_KEY_REUSED',
  'CONFLICT',
  'PROMISED_PAYMENT_ACTIVE',
  'PROMISED_PAYMENT_UNAVAILABLE',
  'AMOUNT_NOT_ALLOWED',
  'TRUST_LIMIT_UNAVAILABLE',
  'PAYMENT_NOT_FOUND',
  'PAYMENT_FAILED',
  'PAYMENTS_UNAVAILABLE',
  'CARD_NOT_FOUND',
  'INSUFFICIENT_POINTS',
  'REWARD_NOT_FOUND',
  'INSTALLMENT_NOT_FOUND',
  'REPORT_PERIOD_INVALID',
  'REPORT_NOT_READY',
  'SERVICE_NOT_ALLOWED',
  'ALREADY_BLOCKED',
  'NOT_BLOCKED',
  'ALREADY_IN_DEPARTMENT',
  'ORDER_TRANSITION_INVALID',
  'OWN_ORDER_APPROVAL',
  'NUMBER_NOT_AVAILABLE',
  'NUMBER_TAKEN',
  'NUMBER_INVALID',
  'BALANCE_LIMIT_EXCEEDED',
  'CALLBACK_NOT_ALLOWED',
  'STAFF_EMAIL_TAKEN',
  'CROSS_SITE_REQUEST',
  'CURSOR_INVALID',
  'SHARE_NOT_ALLOWED',
  'SHARE_AMOUNT_NOT_ALLOWED',
  'SHARE_LIMIT_REACHED',
  'INSUFFICIENT_ALLOWANCE',
  'FAMILY_NOT_ALLOWED',
  'DATA_CAP_LIFT_NOT_ALLOWED',
  'SOCIAL_PROVIDER_UNKNOWN',
  'SOCIAL_LOGIN_FAILED',
  'SOCIAL_NOT_LINKED',
  'SOCIAL_ACCOUNT_TAKEN',
  'LOCATION_UNAVAILABLE',
  'LOCATOR_NO_CONSENT',
  'EMAIL_MISSING',
  'VOICEMAIL_SETTING',
  'VOICEMAIL_AUDIO',
  'MELODY_NOT_FOUND',
  'MELODY_NOT_BOUGHT',
  'MELODY_ALREADY_BOUGHT',
  'USAGE_DETAIL_DROPPED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly params: Record<string, string | number>;

  constructor(code: ErrorCode, params: Record<string, string | number> = {}, detail?: string) {
    super(detail ?? code);
    this.name = 'DomainError';
    this.code = code;
    this.params = params;
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}

/**
 * A row a money path has just written or locked, read back: its absence means the store changed
 * under the request (a number released, a plan removed), so the request fails instead of
 * carrying `undefined` on into the ledger.
 */
export function mustExist<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new DomainError('CONFLICT', { reason: `${what} not found` });
  return value;
}
