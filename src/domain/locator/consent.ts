import { runUseCase, type Subject } from '../shared/run-use-case.ts';
import type { Tx } from '../../store/db.ts';
import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import { enqueueSms } from '../notifications/enqueue-sms.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { formatMsisdn, requireMsisdn } from '../shared/msisdn.ts';
import { findSubscriberByMsisdn, loadSubscriber, loadSubscriberById, type SubscriberRow } from '../subscribers/access.ts';
import { takeToken } from '../auth/rate-limit.ts';

export type ConsentStatus = 'pending' | 'granted' | 'refused' | 'revoked';

/** Consent requests one number may send a day. */
const ASKS_PER_DAY = 10;

async function audit(tx: Tx, core: Core, ctx: Ctx, action: string, who: SubscriberRow, other: SubscriberRow, details: Record<string, unknown> = {}) {
  // Both sides: each number's history shows the event with the other number named.
  await recordAudit(tx, core, ctx, { action, subscriberId: who.id, customerId: who.customerId, details: { other: other.msisdn, ...details } });
  await recordAudit(tx, core, ctx, { action, subscriberId: other.id, customerId: other.customerId, details: { other: who.msisdn, side: 'target', ...details } });
}

/**
 * Asks `target` for consent to be located by the number `msisdn` (the caller's): an SMS the target
 * answers ДА/НЕТ, or the app. Answers the same whether the target exists or not, so the request
 * does not reveal who is a subscriber. A consent already given stays as it is.
 */
async function askLocatorConsentInTx(
  tx: Tx,
  subject: Subject,
  core: Core,
  ctx: Ctx, input: { msisdn: string; target: string }): Promise<{ status: ConsentStatus }> {
  const me = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write' });
  subject.subscriberId = me.id;
  subject.customerId = me.customerId;
  const targetMsisdn = requireMsisdn(input.target);
  if (targetMsisdn === me.msisdn) throw new DomainError('VALIDATION', { field: 'target' });
  const now = core.clock.now();
  await takeToken(tx, `locator-ask:${me.id}`, now, { limit: ASKS_PER_DAY, windowSeconds: 86_400 });
  const target = await findSubscriberByMsisdn(tx, targetMsisdn);
  if (!target) return { status: 'pending' };
  const rows = await tx.query<{ status: ConsentStatus }>(
    `INSERT INTO locator_consent (requester_id, target_id, status, asked_at) VALUES ($1, $2, 'pending', $3)
     ON CONFLICT (requester_id, target_id) DO UPDATE SET
       status = CASE WHEN locator_consent.status = 'granted' THEN 'granted' ELSE 'pending' END,
       asked_at = CASE WHEN locator_consent.status = 'granted' THEN locator_consent.asked_at ELSE EXCLUDED.asked_at END
     RETURNING status`,
    [me.id, target.id, now],
  );
  const status = rows[0]!.status;
  if (status === 'pending') {
    const text =
      target.language === 'en'
        ? `${formatMsisdn(me.msisdn)} asks to see where your phone is. Reply YES to allow or NO to refuse. You can revoke it at any time in the app.`
        : `Абонент ${formatMsisdn(me.msisdn)} просит разрешения видеть, где находится ваш телефон. Ответьте ДА, чтобы разрешить, или НЕТ, чтобы отказать. Отозвать разрешение можно в любой момент в приложении.`;
    await enqueueSms(tx, { msisdn: target.msisdn, text, kind: 'notice', at: now });
    await audit(tx, core, ctx, 'locator.consent_asked', me, target);
  }
  return { status };
}

async function notifyRequester(tx: Tx, core: Core, requester: SubscriberRow, target: SubscriberRow, granted: boolean) {
  const text =
    requester.language === 'en'
      ? granted
        ? `${formatMsisdn(target.msisdn)} allowed you to see where their phone is. Send WHERE ${target.msisdn} to 8111.`
        : `${formatMsisdn(target.msisdn)} did not allow you to see where their phone is.`
      : granted
        ? `Абонент ${formatMsisdn(target.msisdn)} разрешил видеть, где его телефон. Отправьте ГДЕ ${target.msisdn} на 8111.`
        : `Абонент ${formatMsisdn(target.msisdn)} не разрешил видеть, где его телефон.`;
  await enqueueSms(tx, { msisdn: requester.msisdn, text, kind: 'notice', at: core.clock.now() });
}

/**
 * The located number answers a request: the one from `requester`, or (an SMS reply without a
 * number) the latest one waiting. Null when nothing waits.
 */
async function answerLocatorConsentInTx(
  tx: Tx,
  subject: Subject,
  core: Core,
  ctx: Ctx,
  input: { msisdn: string; requester?: string | undefined; answer: 'yes' | 'no' },
): Promise<{ requester: string; status: ConsentStatus } | null> {
  const me = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write' });
  subject.subscriberId = me.id;
  subject.customerId = me.customerId;
  const requesterId = input.requester ? (await findSubscriberByMsisdn(tx, requireMsisdn(input.requester)))?.id : undefined;
  if (input.requester && requesterId === undefined) return null;
  const status: ConsentStatus = input.answer === 'yes' ? 'granted' : 'refused';
  const rows = await tx.query<{ requester_id: number }>(
    `UPDATE locator_consent SET status = $3, decided_at = $4, decided_by = $5
      WHERE id = (SELECT id FROM locator_consent WHERE target_id = $1 AND status = 'pending' AND ($2::bigint IS NULL OR requester_id = $2)
                   ORDER BY asked_at DESC LIMIT 1)
      RETURNING requester_id`,
    [me.id, requesterId ?? null, status, core.clock.now(), ctx.channel],
  );
  if (!rows[0]) return null;
  const requester = (await loadSubscriberById(tx, Number(rows[0].requester_id)))!;
  await notifyRequester(tx, core, requester, me, status === 'granted');
  await audit(tx, core, ctx, status === 'granted' ? 'locator.consent_granted' : 'locator.consent_refused', me, requester);
  return { requester: requester.msisdn, status };
}

/** The located number takes a consent back; a child number's permanent consent is the parent's to end. */
async function revokeLocatorConsentInTx(
  tx: Tx,
  subject: Subject,
  core: Core,
  ctx: Ctx, input: { msisdn: string; requester: string }): Promise<{ revoked: true }> {
  const me = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write' });
  subject.subscriberId = me.id;
  subject.customerId = me.customerId;
  const requester = await findSubscriberByMsisdn(tx, requireMsisdn(input.requester));
  const rows = requester
    ? await tx.query<{ child: boolean }>('SELECT child FROM locator_consent WHERE requester_id = $1 AND target_id = $2', [requester.id, me.id])
    : [];
  if (!requester || !rows[0]) throw new DomainError('NOT_FOUND');
  if (rows[0].child) throw new DomainError('FORBIDDEN', { reason: 'child_number' });
  await tx.query("UPDATE locator_consent SET status = 'revoked', decided_at = $3, decided_by = $4 WHERE requester_id = $1 AND target_id = $2", [requester.id, me.id, core.clock.now(), ctx.channel]);
  await audit(tx, core, ctx, 'locator.consent_revoked', me, requester);
  return { revoked: true };
}

/**
 * A parent places a child number under permanent consent: both numbers must belong to the same
 * customer (the parent's own account or contract). `on: false` ends it.
 */
async function setChildNumberInTx(
  tx: Tx,
  subject: Subject,
  core: Core,
  ctx: Ctx, input: { msisdn: string; child: string; on: boolean }): Promise<{ child: string; on: boolean }> {
  const parent = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write' });
  subject.subscriberId = parent.id;
  subject.customerId = parent.customerId;
  const child = await findSubscriberByMsisdn(tx, requireMsisdn(input.child));
  if (!child || child.id === parent.id || child.customerId !== parent.customerId) throw new DomainError('FORBIDDEN', { reason: 'not_on_your_account' });
  const now = core.clock.now();
  if (input.on) {
    await tx.query(
      `INSERT INTO locator_consent (requester_id, target_id, status, child, asked_at, decided_at, decided_by) VALUES ($1, $2, 'granted', true, $3, $3, 'parent')
       ON CONFLICT (requester_id, target_id) DO UPDATE SET status = 'granted', child = true, decided_at = $3, decided_by = 'parent'`,
      [parent.id, child.id, now],
    );
  } else {
    await tx.query("UPDATE locator_consent SET status = 'revoked', child = false, decided_at = $3, decided_by = 'parent' WHERE requester_id = $1 AND target_id = $2 AND child", [parent.id, child.id, now]);
  }
  await audit(tx, core, ctx, input.on ? 'locator.child_set' : 'locator.child_unset', parent, child);
  return { child: child.msisdn, on: input.on };
}

/** Consents the number asked for and those it gave, and who located it when. */
export async function locatorOverview(core: Core, ctx: Ctx, input: { msisdn: string }) {
  const me = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const consents = await core.db.query<{ requester_id: number; target_id: number; other: string; status: ConsentStatus; child: boolean; asked_at: Date; decided_at: Date | null }>(
    `SELECT c.requester_id, c.target_id, o.msisdn AS other, c.status, c.child, c.asked_at, c.decided_at
       FROM locator_consent c JOIN subscriber o ON o.id = CASE WHEN c.requester_id = $1 THEN c.target_id ELSE c.requester_id END
      WHERE c.requester_id = $1 OR c.target_id = $1 ORDER BY c.asked_at DESC LIMIT 200`,
    [me.id],
  );
  const located = await core.db.query<{ other: string; at: Date; outcome: string; channel: string }>(
    `SELECT o.msisdn AS other, r.at, r.outcome, r.channel FROM locator_request r JOIN subscriber o ON o.id = r.requester_id
      WHERE r.target_id = $1 ORDER BY r.at DESC, r.id DESC LIMIT 100`,
    [me.id],
  );
  const view = (c: (typeof consents)[number]) => ({ msisdn: c.other, status: c.status, child: c.child, askedAt: c.asked_at.toISOString(), decidedAt: c.decided_at?.toISOString() ?? null });
  return {
    asked: consents.filter((c) => Number(c.requester_id) === me.id).map(view),
    given: consents.filter((c) => Number(c.target_id) === me.id).map(view),
    locatedBy: located.map((r) => ({ msisdn: r.other, at: r.at.toISOString(), outcome: r.outcome, channel: r.channel })),
  };
}

// The writes above, each in one transaction; a refusal (a number not one's own, a consent not
// found) rolls it back and is audited.
export const askLocatorConsent = (core: Core, ctx: Ctx, input: Parameters<typeof askLocatorConsentInTx>[4]) =>
  runUseCase(core, ctx, 'locator.consent_asked', (tx, subject) => askLocatorConsentInTx(tx, subject, core, ctx, input));
export const answerLocatorConsent = (core: Core, ctx: Ctx, input: Parameters<typeof answerLocatorConsentInTx>[4]) =>
  runUseCase(core, ctx, 'locator.consent_answered', (tx, subject) => answerLocatorConsentInTx(tx, subject, core, ctx, input));
export const revokeLocatorConsent = (core: Core, ctx: Ctx, input: Parameters<typeof revokeLocatorConsentInTx>[4]) =>
  runUseCase(core, ctx, 'locator.consent_revoked', (tx, subject) => revokeLocatorConsentInTx(tx, subject, core, ctx, input));
export const setChildNumber = (core: Core, ctx: Ctx, input: Parameters<typeof setChildNumberInTx>[4]) =>
  runUseCase(core, ctx, 'locator.child_set', (tx, subject) => setChildNumberInTx(tx, subject, core, ctx, input));
