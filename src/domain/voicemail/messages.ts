import type { Queryable } from '../../store/db.ts';
import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';

export interface VoicemailMessage {
  id: number;
  /** The calling number as the network gave it; null when it was withheld. */
  caller: string | null;
  receivedAt: string;
  durationMs: number;
  heard: boolean;
}

const COLUMNS = `id, caller, received_at AS "receivedAt", duration_ms AS "durationMs", heard_at IS NOT NULL AS heard`;

function rowOf(r: { id: number; caller: string | null; receivedAt: Date | string; durationMs: number; heard: boolean }): VoicemailMessage {
  return { id: Number(r.id), caller: r.caller, receivedAt: new Date(r.receivedAt).toISOString(), durationMs: Number(r.durationMs), heard: r.heard };
}

export async function messagesOf(q: Queryable, subscriberId: number, opts: { onlyNew?: boolean } = {}): Promise<VoicemailMessage[]> {
  const rows = await q.query<{ id: number; caller: string | null; receivedAt: Date; durationMs: number; heard: boolean }>(
    `SELECT ${COLUMNS} FROM voicemail_message WHERE subscriber_id = $1 ${opts.onlyNew ? 'AND heard_at IS NULL' : ''}
      ORDER BY received_at DESC, id DESC LIMIT 200`,
    [subscriberId],
  );
  return rows.map(rowOf);
}

/** The number's messages, newest first (the mailbox keeps VOICEMAIL_RETENTION_DAYS of them). */
export async function listVoicemail(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<{ msisdn: string; messages: VoicemailMessage[] }> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  return { msisdn: sub.msisdn, messages: await messagesOf(core.db, sub.id) };
}

/** One message's audio (8 kHz mono 16-bit WAV), for its owner only: another number's is NOT_FOUND. */
export async function voicemailAudio(core: Core, ctx: Ctx, input: { msisdn: string; id: number }): Promise<Buffer> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  const audio = await messageAudio(core.db, sub.id, input.id);
  if (!audio) throw new DomainError('NOT_FOUND', { resource: 'voicemail message' });
  return audio;
}

export async function messageAudio(q: Queryable, subscriberId: number, id: number): Promise<Buffer | null> {
  const [r] = await q.query<{ audio: Uint8Array }>('SELECT audio FROM voicemail_message WHERE id = $1 AND subscriber_id = $2', [id, subscriberId]);
  // PGlite gives bytea as a Uint8Array, pg as a Buffer: hand every channel a Buffer.
  return r ? Buffer.from(r.audio) : null;
}

/** Marks a message heard (again is a no-op). */
export async function markVoicemailHeard(core: Core, ctx: Ctx, input: { msisdn: string; id: number }): Promise<VoicemailMessage> {
  return runUseCase(core, ctx, 'voicemail.heard', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write' });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const [r] = await tx.query<{ id: number; caller: string | null; receivedAt: Date; durationMs: number; heard: boolean }>(
      `UPDATE voicemail_message SET heard_at = COALESCE(heard_at, $3) WHERE id = $1 AND subscriber_id = $2 RETURNING ${COLUMNS}`,
      [input.id, sub.id, core.clock.now()],
    );
    if (!r) throw new DomainError('NOT_FOUND', { resource: 'voicemail message' });
    await recordAudit(tx, core, ctx, { action: 'voicemail.heard', subscriberId: sub.id, customerId: sub.customerId, details: { id: input.id } });
    return rowOf(r);
  });
}

/** Deletes a message and its audio. */
export async function deleteVoicemail(core: Core, ctx: Ctx, input: { msisdn: string; id: number }): Promise<{ id: number; deleted: true }> {
  return runUseCase(core, ctx, 'voicemail.delete', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write' });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const gone = await tx.query('DELETE FROM voicemail_message WHERE id = $1 AND subscriber_id = $2 RETURNING id', [input.id, sub.id]);
    if (gone.length === 0) throw new DomainError('NOT_FOUND', { resource: 'voicemail message' });
    await recordAudit(tx, core, ctx, { action: 'voicemail.delete', subscriberId: sub.id, customerId: sub.customerId, details: { id: input.id } });
    return { id: input.id, deleted: true as const };
  });
}

/** Removes messages older than the retention (rows and their audio, which live in the row). */
export async function purgeOldVoicemail(core: Core, opts: { now: Date; batch?: number }): Promise<number> {
  const before = new Date(opts.now.getTime() - core.settings.voicemailRetentionDays * 86_400_000);
  const gone = await core.db.query(
    `DELETE FROM voicemail_message WHERE id IN (SELECT id FROM voicemail_message WHERE received_at < $1 ORDER BY received_at LIMIT $2) RETURNING id`,
    [before, opts.batch ?? 1000],
  );
  if (gone.length > 0) core.log.info({ job: 'voicemail-retention', removed: gone.length, before: before.toISOString() }, 'old voicemail removed');
  return gone.length;
}
