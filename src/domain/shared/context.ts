import { randomUUID } from 'node:crypto';

export type Channel = 'web' | 'app' | 'ussd' | 'sms' | 'voice' | 'business' | 'tmf' | 'cli' | 'system' | 'staff';
export type Lang = 'ru' | 'en';

export type Actor =
  | { kind: 'subscriber'; subscriberId: number }
  | { kind: 'business_admin'; adminId: number; customerId: number; role: BusinessRole; departmentId: number | null }
  | { kind: 'staff'; staffId: number }
  /** `scopes` only on a key limited to some (src/domain/auth/api-keys.ts API_SCOPES). */
  | { kind: 'operator_api'; apiKeyId: number; scopes?: readonly string[] }
  | { kind: 'system'; name: string }
  | { kind: 'anonymous' };

export type BusinessRole = 'contract_admin' | 'accountant' | 'department_manager';

/** Who acts, from where, under which request: every use case receives one. */
export interface Ctx {
  actor: Actor;
  channel: Channel;
  requestId: string;
  /** Present where the caller wants a repeated request to return the first result. */
  idempotencyKey?: string;
  lang: Lang;
}

export function systemCtx(name: string, channel: Channel = 'system'): Ctx {
  return { actor: { kind: 'system', name }, channel, requestId: randomUUID(), lang: 'ru' };
}

export function actorId(actor: Actor): string | null {
  switch (actor.kind) {
    case 'subscriber':
      return String(actor.subscriberId);
    case 'business_admin':
      return String(actor.adminId);
    case 'staff':
      return String(actor.staffId);
    case 'operator_api':
      return String(actor.apiKeyId);
    case 'system':
      return actor.name;
    case 'anonymous':
      return null;
  }
}
