import type { Queryable } from '../../store/db.ts';
import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Actor, BusinessRole, Channel, Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { newToken, sha256 } from './secrets.ts';
import { batchedLookup } from '../../store/batched-lookup.ts';

export type SessionKind = 'subscriber' | 'business_admin' | 'staff';

export interface NewSession {
  token: string;
  expiresAt: string;
  kind: SessionKind;
}

export async function createSession(
  q: Queryable,
  core: Core,
  s: { kind: SessionKind; subjectId: number; channel: Channel; method: string; ip?: string | null; userAgent?: string | null },
): Promise<NewSession> {
  const token = newToken();
  const now = core.clock.now();
  const expiresAt = new Date(now.getTime() + core.settings.sessionTtlHours * 3_600_000);
  await q.query(
    `INSERT INTO session (id, kind, subject_id, channel, method, created_at, expires_at, ip, user_agent)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [sha256(token), s.kind, s.subjectId, s.channel, s.method, now, expiresAt, s.ip ?? null, (s.userAgent ?? '').slice(0, 300) || null],
  );
  return { token, expiresAt: expiresAt.toISOString(), kind: s.kind };
}

type ResolvedSession = Actor & { sessionId: string };

interface SessionRow {
  id: string;
  kind: SessionKind;
  subject_id: number;
  customer_id: number | null;
  role: BusinessRole | null;
  department_id: number | null;
}

/**
 * The actor a session token stands for, or null when it is unknown, expired or revoked. Read from
 * the store on every request — a logout or "log out everywhere" on any instance ends the session
 * on all of them at once — with the lookups of concurrent requests sharing one statement.
 */
export async function resolveSession(core: Core, token: string): Promise<ResolvedSession | null> {
  if (token.length < 20 || token.length > 200) return null;
  const id = sha256(token);
  const r = await batchedLookup(core.db, {
    name: 'session_lookup',
    sql: (cond) => `SELECT s.id, s.kind, s.subject_id, b.customer_id, b.role, b.department_id
       FROM session s LEFT JOIN business_admin b ON s.kind = 'business_admin' AND b.id = s.subject_id
      WHERE ${cond} AND s.revoked_at IS NULL AND s.expires_at > $2`,
    keyColumn: 's.id',
    keyType: 'text',
    paramTypes: ['timestamptz'],
    params: () => [core.clock.now()],
    keyOf: (row: SessionRow) => row.id,
  })(id);
  if (!r) return null;
  switch (r.kind) {
    case 'subscriber':
      return { kind: 'subscriber', subscriberId: Number(r.subject_id), sessionId: id };
    case 'staff':
      return { kind: 'staff', staffId: Number(r.subject_id), sessionId: id };
    case 'business_admin':
      if (r.customer_id === null || r.role === null) return null;
      return {
        kind: 'business_admin',
        adminId: Number(r.subject_id),
        customerId: Number(r.customer_id),
        role: r.role,
        departmentId: r.department_id === null ? null : Number(r.department_id),
        sessionId: id,
      };
  }
}

export async function logout(core: Core, ctx: Ctx, input: { token: string }): Promise<void> {
  const id = sha256(input.token);
  await core.db.query('UPDATE session SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [id, core.clock.now()]);
}

function subjectOf(actor: Actor): { kind: SessionKind; id: number } {
  switch (actor.kind) {
    case 'subscriber':
      return { kind: 'subscriber', id: actor.subscriberId };
    case 'business_admin':
      return { kind: 'business_admin', id: actor.adminId };
    case 'staff':
      return { kind: 'staff', id: actor.staffId };
    default:
      throw new DomainError('UNAUTHENTICATED');
  }
}

/** Ends every session of the person acting, on every device. */
export async function logoutEverywhere(core: Core, ctx: Ctx): Promise<{ revoked: number }> {
  const s = subjectOf(ctx.actor);
  return core.db.tx(async (tx) => {
    const rows = await tx.query(
      'UPDATE session SET revoked_at = $3 WHERE kind = $1 AND subject_id = $2 AND revoked_at IS NULL RETURNING id',
      [s.kind, s.id, core.clock.now()],
    );
    await recordAudit(tx, core, ctx, {
      action: 'auth.logout_everywhere',
      subscriberId: s.kind === 'subscriber' ? s.id : null,
      details: { revoked: rows.length },
    });
    return { revoked: rows.length };
  });
}

export async function listSessions(core: Core, ctx: Ctx) {
  const s = subjectOf(ctx.actor);
  const rows = await core.db.query<{ created_at: Date; expires_at: Date; channel: string; method: string; ip: string | null; user_agent: string | null }>(
    `SELECT created_at, expires_at, channel, method, ip, user_agent FROM session
      WHERE kind = $1 AND subject_id = $2 AND revoked_at IS NULL AND expires_at > $3 ORDER BY created_at DESC LIMIT 100`,
    [s.kind, s.id, core.clock.now()],
  );
  return rows.map((r) => ({
    createdAt: r.created_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
    channel: r.channel,
    method: r.method,
    ip: r.ip,
    userAgent: r.user_agent,
  }));
}
