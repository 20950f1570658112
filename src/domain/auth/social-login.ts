import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError, isDomainError } from '../shared/errors.ts';
import { loadSubscriberById, type SubscriberRow } from '../subscribers/access.ts';
import { clearFailures, loginLimit, reserveAttempt, takeToken } from './rate-limit.ts';
import { hashCode, newCode, newToken, sha256, verifyPassword } from './secrets.ts';
import { createSession, type NewSession } from './sessions.ts';
import type { SocialProvider } from './social-identity.ts';
import { checkCode } from './subscriber-login.ts';

/** How long a person has at the provider between our redirect and its callback. */
const REQUEST_TTL_MS = 10 * 60_000;
const LINK_CODE_PURPOSE = 'social_link';

interface Client {
  ip?: string | null;
  userAgent?: string | null;
}

const base64url = (b: Buffer) => b.toString('base64url');

function provider(core: Core, id: string): SocialProvider {
  const p = core.social.providers().find((x) => x.id === id);
  if (!p) throw new DomainError('SOCIAL_PROVIDER_UNKNOWN', { provider: id });
  return p;
}

function requireSubscriber(ctx: Ctx): number {
  if (ctx.actor.kind !== 'subscriber') throw new DomainError(ctx.actor.kind === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN');
  return ctx.actor.subscriberId;
}

/** The providers configured, for the login page's buttons. */
export function listSocialProviders(core: Core): SocialProvider[] {
  return core.social.providers();
}

/**
 * Keeps the request's secrets (nonce, PKCE verifier) under the hash of its `state` and asks the
 * adapter for the provider's address. The browser keeps `state` (in a cookie) and must bring it
 * back with the callback: a callback started in another browser is refused.
 */
async function begin(core: Core, p: SocialProvider, purpose: 'login' | 'link', subscriberId: number | null): Promise<{ authorizationUrl: string; state: string; expiresAt: string }> {
  const state = newToken();
  const nonce = newToken();
  const codeVerifier = base64url(randomBytes(32));
  const codeChallenge = base64url(createHash('sha256').update(codeVerifier).digest());
  const now = core.clock.now();
  const expiresAt = new Date(now.getTime() + REQUEST_TTL_MS);
  const authorizationUrl = await core.social.authorizationUrl(p.id, { state, nonce, codeChallenge });
  await core.db.tx(async (tx) => {
    // Requests never finished are only kept until they could no longer be.
    await tx.query('DELETE FROM social_auth_request WHERE expires_at < $1', [new Date(now.getTime() - REQUEST_TTL_MS)]);
    await tx.query(
      `INSERT INTO social_auth_request (id, provider, purpose, subscriber_id, nonce, code_verifier, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [sha256(state), p.id, purpose, subscriberId, nonce, codeVerifier, now, expiresAt],
    );
  });
  return { authorizationUrl, state, expiresAt: expiresAt.toISOString() };
}

/** Starts a login with a provider. Anyone may start one; only a linked account ends in a session. */
export async function startSocialLogin(core: Core, ctx: Ctx, input: { provider: string; ip?: string | null }) {
  const p = provider(core, input.provider);
  // Each start stores a row and calls out to the provider: bounded per address.
  await takeToken(core.db, `social-start:${input.ip ?? 'unknown'}`, core.clock.now(), { limit: 30, windowSeconds: 600 });
  return begin(core, p, 'login', null);
}

/** Sends the logged-in subscriber an SMS code that proves the number for linking a social account. */
export async function requestSocialLinkCode(core: Core, ctx: Ctx): Promise<{ sent: true; expiresInSeconds: number }> {
  const sub = await loadSubscriberById(core.db, requireSubscriber(ctx));
  if (!sub) throw new DomainError('SUBSCRIBER_NOT_FOUND');
  const now = core.clock.now();
  await takeToken(core.db, `otp-request:${sub.msisdn}`, now, { limit: core.settings.otpRequestsPerHour, windowSeconds: 3600 });
  const code = newCode();
  const minutes = Math.round(core.settings.otpTtlSeconds / 60);
  await core.db.tx(async (tx) => {
    await tx.query('UPDATE otp SET consumed_at = $2 WHERE subject = $1 AND purpose = $3 AND consumed_at IS NULL', [sub.msisdn, now, LINK_CODE_PURPOSE]);
    await tx.query('INSERT INTO otp (subject, purpose, code_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)', [
      sub.msisdn,
      LINK_CODE_PURPOSE,
      hashCode(core.secret, sub.msisdn, code),
      new Date(now.getTime() + core.settings.otpTtlSeconds * 1000),
      now,
    ]);
    const text =
      sub.language === 'en'
        ? `Code to link a social account to your number: ${code}. Valid for ${minutes} min. If it was not you, do not tell it to anyone.`
        : `Код для привязки соцсети к номеру: ${code}. Действует ${minutes} мин. Если это не вы, никому его не сообщайте.`;
    await enqueueSms(tx, { msisdn: sub.msisdn, text, kind: 'login_code', at: now });
    await recordAudit(tx, core, ctx, { action: 'auth.social_link_code_requested', subscriberId: sub.id, customerId: sub.customerId });
  });
  return { sent: true, expiresInSeconds: core.settings.otpTtlSeconds };
}

/**
 * Starts linking a provider's account to the logged-in subscriber's number. A session alone is
 * not enough: the number's own proof — its password or an SMS code sent to it — is checked first,
 * and wrong guesses count towards the number's login lockout.
 */
export async function startSocialLink(core: Core, ctx: Ctx, input: { provider: string; password?: string | undefined; code?: string | undefined }) {
  const subscriberId = requireSubscriber(ctx);
  const p = provider(core, input.provider);
  const sub = await loadSubscriberById(core.db, subscriberId);
  if (!sub) throw new DomainError('SUBSCRIBER_NOT_FOUND');
  if (!input.password && !input.code) throw new DomainError('VALIDATION', { field: 'password' });
  const key = `login:${sub.msisdn}`;
  await reserveAttempt(core.db, key, core.clock.now(), loginLimit(core));
  let refusal: 'INVALID_CREDENTIALS' | 'OTP_INVALID' | 'OTP_EXPIRED' | null = null;
  if (input.password) {
    const rows = await core.db.query<{ password_hash: string }>('SELECT password_hash FROM subscriber_credential WHERE subscriber_id = $1', [sub.id]);
    const stored = rows[0]?.password_hash;
    if (!stored || !(await verifyPassword(stored, input.password))) refusal = 'INVALID_CREDENTIALS';
  } else {
    const r = await checkCode(core, sub.msisdn, LINK_CODE_PURPOSE, (input.code ?? '').trim());
    if (r !== 'ok') refusal = r;
  }
  if (refusal) {
    await recordAudit(core.db, core, ctx, { action: 'auth.social_linked', subscriberId: sub.id, customerId: sub.customerId, outcome: 'refused', details: { provider: p.id, code: refusal } });
    throw new DomainError(refusal);
  }
  await clearFailures(core.db, key);
  return begin(core, p, 'link', sub.id);
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type SocialCallbackResult =
  | { purpose: 'login'; session: NewSession & { msisdn: string } }
  | { purpose: 'link'; provider: string };

/**
 * The provider's redirect back. `state` (from the address) must be the one this browser was given
 * (`browserState`, from its cookie) and name an unused, unexpired request of this provider; the
 * request is used up before the code is redeemed. Then the adapter checks the ID token, and:
 * - a login opens a session of the number the account is linked to — never a new number;
 * - a link ties the account to the number that proved itself when the link started, and only
 *   while that subscriber is still the one logged in.
 */
export async function finishSocial(
  core: Core,
  ctx: Ctx,
  input: { provider: string; state: string | undefined; browserState: string | undefined; callbackUrl: string } & Client,
): Promise<SocialCallbackResult> {
  let purpose: 'login' | 'link' | null = null;
  let subscriberId: number | null = null;
  try {
    const p = provider(core, input.provider);
    if (!input.state || !input.browserState || !sameText(input.state, input.browserState)) {
      throw new DomainError('SOCIAL_LOGIN_FAILED', { reason: input.browserState ? 'state does not match the browser' : 'no state in this browser' });
    }
    const now = core.clock.now();
    const rows = await core.db.query<{ purpose: 'login' | 'link'; subscriber_id: number | null; nonce: string; code_verifier: string }>(
      `UPDATE social_auth_request SET used_at = $3
        WHERE id = $1 AND provider = $2 AND used_at IS NULL AND expires_at > $3
        RETURNING purpose, subscriber_id, nonce, code_verifier`,
      [sha256(input.state), p.id, now],
    );
    const req = rows[0];
    if (!req) throw new DomainError('SOCIAL_LOGIN_FAILED', { reason: 'unknown, used or expired state' });
    purpose = req.purpose;
    subscriberId = req.subscriber_id === null ? null : Number(req.subscriber_id);
    const identity = await core.social.finish(p.id, { callbackUrl: input.callbackUrl, state: input.state, nonce: req.nonce, codeVerifier: req.code_verifier, now });

    if (req.purpose === 'link') {
      if (ctx.actor.kind !== 'subscriber' || ctx.actor.subscriberId !== subscriberId) throw new DomainError('FORBIDDEN', { reason: 'the subscriber who started the link is not logged in' });
      const sub = await loadSubscriberById(core.db, subscriberId!);
      if (!sub) throw new DomainError('SUBSCRIBER_NOT_FOUND');
      await core.db.tx(async (tx) => {
        const taken = await tx.query<{ subscriber_id: number }>('SELECT subscriber_id FROM social_identity WHERE provider = $1 AND subject = $2 FOR UPDATE', [p.id, identity.subject]);
        if (taken[0] && Number(taken[0].subscriber_id) !== sub.id) throw new DomainError('SOCIAL_ACCOUNT_TAKEN');
        await tx.query(
          `INSERT INTO social_identity (subscriber_id, provider, subject, label, linked_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (subscriber_id, provider) DO UPDATE SET subject = EXCLUDED.subject, label = EXCLUDED.label, linked_at = EXCLUDED.linked_at, last_login_at = NULL`,
          [sub.id, p.id, identity.subject, identity.label, now],
        );
        await recordAudit(tx, core, ctx, { action: 'auth.social_linked', subscriberId: sub.id, customerId: sub.customerId, details: { provider: p.id } });
      }).catch((e: unknown) => {
        // Two numbers linking the same account at once: the second meets the unique key.
        if (!isDomainError(e) && /social_identity_provider_subject_key|unique/i.test((e as Error).message)) throw new DomainError('SOCIAL_ACCOUNT_TAKEN');
        throw e;
      });
      return { purpose: 'link', provider: p.id };
    }

    const linked = await core.db.query<{ subscriber_id: number }>('SELECT subscriber_id FROM social_identity WHERE provider = $1 AND subject = $2', [p.id, identity.subject]);
    const sub: SubscriberRow | undefined = linked[0] ? await loadSubscriberById(core.db, Number(linked[0].subscriber_id)) : undefined;
    if (!sub) throw new DomainError('SOCIAL_NOT_LINKED', { provider: p.id });
    subscriberId = sub.id;
    const session = await core.db.tx(async (tx) => {
      await tx.query('UPDATE social_identity SET last_login_at = $3 WHERE provider = $1 AND subject = $2', [p.id, identity.subject, now]);
      // The same kind of session a password login opens; the method names how it was opened.
      const s = await createSession(tx, core, { kind: 'subscriber', subjectId: sub.id, channel: ctx.channel === 'app' ? 'app' : 'web', method: 'social', ip: input.ip ?? null, userAgent: input.userAgent ?? null });
      await recordAudit(tx, core, ctx, { action: 'auth.login', subscriberId: sub.id, customerId: sub.customerId, details: { method: 'social', provider: p.id } });
      return s;
    });
    return { purpose: 'login', session: { ...session, msisdn: sub.msisdn } };
  } catch (e) {
    if (isDomainError(e)) {
      await recordAudit(core.db, core, ctx, {
        action: purpose === 'link' ? 'auth.social_linked' : 'auth.login',
        subscriberId,
        outcome: 'refused',
        details: { method: 'social', provider: input.provider.slice(0, 40), code: e.code, ...(e.params.reason ? { reason: String(e.params.reason) } : {}) },
      });
    }
    throw e;
  }
}

/** The social accounts linked to the logged-in subscriber's number. */
export async function listSocialLinks(core: Core, ctx: Ctx) {
  const id = requireSubscriber(ctx);
  const names = new Map(core.social.providers().map((p) => [p.id, p.name]));
  const rows = await core.db.query<{ provider: string; label: string | null; linked_at: Date; last_login_at: Date | null }>(
    'SELECT provider, label, linked_at, last_login_at FROM social_identity WHERE subscriber_id = $1 ORDER BY provider',
    [id],
  );
  return rows.map((r) => ({
    provider: r.provider,
    name: names.get(r.provider) ?? r.provider,
    configured: names.has(r.provider),
    label: r.label,
    linkedAt: r.linked_at.toISOString(),
    lastLoginAt: r.last_login_at ? r.last_login_at.toISOString() : null,
  }));
}

/** Unlinks a provider's account from the logged-in subscriber's number; it can no longer log in. */
export async function unlinkSocial(core: Core, ctx: Ctx, input: { provider: string }): Promise<{ unlinked: true }> {
  const id = requireSubscriber(ctx);
  return core.db.tx(async (tx) => {
    const rows = await tx.query<{ customer_id: number }>(
      'DELETE FROM social_identity i USING subscriber s WHERE i.subscriber_id = $1 AND i.provider = $2 AND s.id = i.subscriber_id RETURNING s.customer_id',
      [id, input.provider],
    );
    if (!rows[0]) throw new DomainError('SOCIAL_NOT_LINKED', { provider: input.provider });
    await recordAudit(tx, core, ctx, { action: 'auth.social_unlinked', subscriberId: id, customerId: Number(rows[0].customer_id), details: { provider: input.provider } });
    return { unlinked: true as const };
  });
}
