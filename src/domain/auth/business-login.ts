import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { clearFailures, loginLimit, releaseAttempt, reserveAttempt, takeToken } from './rate-limit.ts';
import { burnPasswordCheck, hashCode, newCode, newToken, sha256, verifyPassword } from './secrets.ts';
import { checkCode } from './subscriber-login.ts';
import { createSession } from './sessions.ts';

const key = (email: string) => `login-admin:${email}`;

export function normalizeEmail(email: string): string {
  const e = email.trim().toLowerCase();
  if (!/^[^\s@\p{Cc}]{1,64}@[^\s@\p{Cc}]{1,190}$/u.test(e)) throw new DomainError('VALIDATION', { field: 'email' });
  return e;
}

/** The attempt was counted when it was reserved; a failure only leaves it counted. */
async function fail(core: Core, ctx: Ctx, email: string, code: 'INVALID_CREDENTIALS' | 'OTP_INVALID' | 'OTP_EXPIRED', customerId: number | null): Promise<never> {
  await recordAudit(core.db, core, ctx, { action: 'auth.admin_login', customerId, outcome: 'refused', details: { email, code } });
  throw new DomainError(code);
}

/**
 * First step of a business administrator's login: email and password. On success a code goes by
 * SMS to the administrator's phone and a challenge id comes back for the second step. Codes per
 * administrator are limited like subscribers' login codes (OTP_REQUESTS_PER_HOUR).
 */
export async function startBusinessLogin(core: Core, ctx: Ctx, input: { email: string; password: string }): Promise<{ challenge: string; phoneHint: string }> {
  const email = normalizeEmail(input.email);
  const now = core.clock.now();
  const attempt = await reserveAttempt(core.db, key(email), now, loginLimit(core));
  const rows = await core.db.query<{ id: number; customer_id: number; phone: string; password_hash: string }>(
    'SELECT id, customer_id, phone, password_hash FROM business_admin WHERE email = $1',
    [email],
  );
  const admin = rows[0];
  const ok = admin ? await verifyPassword(admin.password_hash, input.password) : (await burnPasswordCheck(input.password), false);
  if (!admin || !ok) return fail(core, ctx, email, 'INVALID_CREDENTIALS', admin?.customer_id ?? null);
  // The right password is not a failure; the SMS code still has to come (and is counted).
  await releaseAttempt(core.db, attempt, loginLimit(core));
  await takeToken(core.db, `admin-login-code:${admin.id}`, now, { limit: core.settings.otpRequestsPerHour, windowSeconds: 3600 });
  const challenge = newToken(18);
  const code = newCode();
  const subject = `admin:${admin.id}:${sha256(challenge)}`;
  await core.db.tx(async (tx) => {
    await tx.query(`INSERT INTO otp (subject, purpose, code_hash, expires_at, created_at) VALUES ($1, 'admin_login', $2, $3, $4)`, [
      subject,
      hashCode(core.secret, subject, code),
      new Date(now.getTime() + core.settings.otpTtlSeconds * 1000),
      now,
    ]);
    await enqueueSms(tx, { msisdn: admin.phone, text: `Код входа в бизнес-кабинет: ${code} / Business portal login code: ${code}`, kind: 'admin_code', at: now });
  });
  return { challenge: `${admin.id}.${challenge}`, phoneHint: `***${admin.phone.slice(-4)}` };
}

/** Second step: the SMS code for the challenge. Opens a session scoped to the admin's company. */
export async function finishBusinessLogin(core: Core, ctx: Ctx, input: { email: string; challenge: string; code: string; ip?: string | null; userAgent?: string | null }) {
  const email = normalizeEmail(input.email);
  await reserveAttempt(core.db, key(email), core.clock.now(), loginLimit(core));
  const [idPart, secret] = input.challenge.split('.', 2);
  const rows = await core.db.query<{ id: number; customer_id: number }>('SELECT id, customer_id FROM business_admin WHERE email = $1 AND id = $2', [
    email,
    Number(idPart) || 0,
  ]);
  const admin = rows[0];
  if (!admin || !secret) return fail(core, ctx, email, 'OTP_INVALID', null);
  const result = await checkCode(core, `admin:${admin.id}:${sha256(secret)}`, 'admin_login', input.code.trim());
  if (result !== 'ok') return fail(core, ctx, email, result, admin.customer_id);
  return core.db.tx(async (tx) => {
    await clearFailures(tx, key(email));
    const session = await createSession(tx, core, { kind: 'business_admin', subjectId: admin.id, channel: 'business', method: 'password+sms', ip: input.ip, userAgent: input.userAgent });
    await recordAudit(tx, core, ctx, { action: 'auth.admin_login', customerId: admin.customer_id, details: { adminId: admin.id } });
    return session;
  });
}

/** Operator staff: email and password, with the same lockout. */
export async function loginStaff(core: Core, ctx: Ctx, input: { email: string; password: string; ip?: string | null; userAgent?: string | null }) {
  const email = normalizeEmail(input.email);
  const lockKey = `login-staff:${email}`;
  await reserveAttempt(core.db, lockKey, core.clock.now(), loginLimit(core));
  const rows = await core.db.query<{ id: number; password_hash: string }>('SELECT id, password_hash FROM staff_user WHERE email = $1', [email]);
  const staff = rows[0];
  const ok = staff ? await verifyPassword(staff.password_hash, input.password) : (await burnPasswordCheck(input.password), false);
  if (!staff || !ok) {
    await recordAudit(core.db, core, ctx, { action: 'auth.staff_login', outcome: 'refused', details: { email } });
    throw new DomainError('INVALID_CREDENTIALS');
  }
  return core.db.tx(async (tx) => {
    await clearFailures(tx, lockKey);
    const session = await createSession(tx, core, { kind: 'staff', subjectId: staff.id, channel: 'staff', method: 'password', ip: input.ip, userAgent: input.userAgent });
    await recordAudit(tx, core, ctx, { action: 'auth.staff_login', details: { staffId: staff.id } });
    return session;
  });
}
