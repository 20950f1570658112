import type { ErrorCode } from '../../domain/shared/errors.ts';

/** HTTP status and stable problem type of every domain refusal: the one mapping for HTTP. */
export const httpStatus: Record<ErrorCode, number> = {
  VALIDATION: 400,
  NOT_FOUND: 404,
  SUBSCRIBER_NOT_FOUND: 404,
  PRODUCT_NOT_FOUND: 404,
  TARIFF_NOT_FOUND: 404,
  FORBIDDEN: 403,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  LOCKED_OUT: 429,
  RATE_LIMITED: 429,
  OTP_INVALID: 401,
  OTP_EXPIRED: 401,
  INSUFFICIENT_FUNDS: 402,
  PRODUCT_INCOMPATIBLE: 409,
  PRODUCT_REQUIRES: 409,
  PRODUCT_NOT_ALLOWED_ON_TARIFF: 409,
  PRODUCT_NOT_AVAILABLE: 409,
  PRODUCT_NOT_CONNECTED: 409,
  PRODUCT_NOT_DISABLEABLE: 409,
  ALREADY_CONNECTED: 409,
  ALREADY_ON_TARIFF: 409,
  CONTENT_BANNED: 409,
  SUBSCRIBER_BLOCKED: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  CONFLICT: 409,
  PROMISED_PAYMENT_ACTIVE: 409,
  PROMISED_PAYMENT_UNAVAILABLE: 409,
  AMOUNT_NOT_ALLOWED: 422,
  TRUST_LIMIT_UNAVAILABLE: 409,
  PAYMENT_NOT_FOUND: 404,
  PAYMENT_FAILED: 402,
  CARD_NOT_FOUND: 404,
  INSUFFICIENT_POINTS: 402,
  REWARD_NOT_FOUND: 404,
  INSTALLMENT_NOT_FOUND: 404,
  REPORT_PERIOD_INVALID: 422,
  REPORT_NOT_READY: 409,
  SERVICE_NOT_ALLOWED: 409,
  ALREADY_BLOCKED: 409,
  NOT_BLOCKED: 409,
  ALREADY_IN_DEPARTMENT: 409,
  ORDER_TRANSITION_INVALID: 409,
  OWN_ORDER_APPROVAL: 403,
  NUMBER_NOT_AVAILABLE: 409,
};

export const PROBLEM_BASE = 'https://abonent.dev/problems/';

export function problemType(code: string): string {
  return PROBLEM_BASE + code.toLowerCase().replace(/_/g, '-');
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  requestId: string;
  [extra: string]: unknown;
}
