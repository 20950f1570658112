import type { Queryable } from '../../store/db.ts';
import { recordAudit } from '../audit/record-audit.ts';
import type { Core } from '../core.ts';
import type { Ctx } from '../shared/context.ts';
import { DomainError } from '../shared/errors.ts';
import { runUseCase } from '../shared/run-use-case.ts';
import { loadSubscriber } from '../subscribers/access.ts';
import type { DiversionSettings } from './diversion-port.ts';
import { isTelephonyWav, readWav } from './wav.ts';

export type GreetingKind = 'standard' | 'text' | 'recorded';

export interface Mailbox extends DiversionSettings {
  greeting: { kind: GreetingKind; text: string | null; durationMs: number | null };
  /** The settings change the network was last told of, and the latest. */
  version: number;
  pushedVersion: number;
}

export const NO_ANSWER_SECONDS = { min: 5, max: 30 } as const;
/** The longest greeting kept, and the longest text one (in characters). */
export const MAX_GREETING_MS = 60_000;
export const MAX_GREETING_TEXT = 300;

/** A number that never set voicemail up: off, diverting on busy, no answer after 20 s and unreachable once on. */
const DEFAULT_SETTINGS: DiversionSettings = { enabled: false, busy: true, noAnswer: true, noAnswerSeconds: 20, unreachable: true, always: false };

interface BoxRow {
  enabled: boolean;
  divert_busy: boolean;
  divert_no_answer: boolean;
  no_answer_seconds: number;
  divert_unreachable: boolean;
  divert_always: boolean;
  greeting_kind: GreetingKind;
  greeting_text: string | null;
  greeting_ms: number | null;
  version: number;
  pushed_version: number;
}

export async function readMailbox(q: Queryable, subscriberId: number): Promise<Mailbox> {
  const [r] = await q.query<BoxRow>(
    `SELECT enabled, divert_busy, divert_no_answer, no_answer_seconds, divert_unreachable, divert_always, greeting_kind, greeting_text,
            CASE WHEN greeting_audio IS NULL THEN NULL ELSE octet_length(greeting_audio) END AS greeting_ms, version, pushed_version
       FROM voicemail_box WHERE subscriber_id = $1`,
    [subscriberId],
  );
  if (!r) return { ...DEFAULT_SETTINGS, greeting: { kind: 'standard', text: null, durationMs: null }, version: 0, pushedVersion: 0 };
  return {
    enabled: r.enabled,
    busy: r.divert_busy,
    noAnswer: r.divert_no_answer,
    noAnswerSeconds: Number(r.no_answer_seconds),
    unreachable: r.divert_unreachable,
    always: r.divert_always,
    // 16,000 bytes a second of 8 kHz 16-bit mono, past the 44-byte header.
    greeting: { kind: r.greeting_kind, text: r.greeting_text, durationMs: r.greeting_ms === null ? null : Math.round(((Number(r.greeting_ms) - 44) / 16_000) * 1000) },
    version: Number(r.version),
    pushedVersion: Number(r.pushed_version),
  };
}

export function diversionOf(m: Mailbox): DiversionSettings {
  return { enabled: m.enabled, busy: m.busy, noAnswer: m.noAnswer, noAnswerSeconds: m.noAnswerSeconds, unreachable: m.unreachable, always: m.always };
}

/** Why a requested setting is refused, before anything is written (the action's offer says the same). */
export function judgeSettings(s: Partial<DiversionSettings>): DomainError | null {
  const n = s.noAnswerSeconds;
  if (n !== undefined && !(Number.isInteger(n) && n >= NO_ANSWER_SECONDS.min && n <= NO_ANSWER_SECONDS.max)) {
    return new DomainError('VOICEMAIL_SETTING', { reason: 'no_answer_seconds', min: NO_ANSWER_SECONDS.min, max: NO_ANSWER_SECONDS.max });
  }
  return null;
}

async function ensureBox(q: Queryable, subscriberId: number, now: Date): Promise<void> {
  await q.query('INSERT INTO voicemail_box (subscriber_id, updated_at) VALUES ($1, $2) ON CONFLICT (subscriber_id) DO NOTHING', [subscriberId, now]);
}

/**
 * Changes some of the mailbox's diversion settings; the rest stay. A real change is a new version
 * the network is told of once (after the commit, and by the `voicemail-diversions` job should that
 * fail); the same settings again change nothing and are told nothing.
 */
export async function updateVoicemailSettings(core: Core, ctx: Ctx, input: { msisdn: string } & Partial<DiversionSettings>): Promise<{ msisdn: string } & Mailbox> {
  const out = await runUseCase(core, ctx, 'voicemail.settings', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const { msisdn: _m, ...change } = input;
    const bad = judgeSettings(change);
    if (bad) throw bad;
    const was = await readMailbox(tx, sub.id);
    const next: DiversionSettings = { ...diversionOf(was), ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) };
    const changed = JSON.stringify(next) !== JSON.stringify(diversionOf(was));
    const now = core.clock.now();
    await ensureBox(tx, sub.id, now);
    if (changed) {
      await tx.query(
        `UPDATE voicemail_box SET enabled = $2, divert_busy = $3, divert_no_answer = $4, no_answer_seconds = $5, divert_unreachable = $6, divert_always = $7,
                version = version + 1, updated_at = $8 WHERE subscriber_id = $1`,
        [sub.id, next.enabled, next.busy, next.noAnswer, next.noAnswerSeconds, next.unreachable, next.always, now],
      );
      await recordAudit(tx, core, ctx, { action: 'voicemail.settings', subscriberId: sub.id, customerId: sub.customerId, details: { ...next } });
    }
    return { subscriberId: sub.id, msisdn: sub.msisdn };
  });
  await pushDiversions(core, { subscriberId: out.subscriberId });
  return { msisdn: out.msisdn, ...(await readMailbox(core.db, out.subscriberId)) };
}

/**
 * Tells the network of every settings version it has not had (one number's, or all): each box is
 * locked while it is told, so two instances never tell the same version twice, and the adapter's
 * `apply` is safe to repeat should the process stop between telling and marking.
 */
export async function pushDiversions(core: Core, opts: { subscriberId?: number; limit?: number } = {}): Promise<number> {
  const ids = await core.db.query<{ subscriber_id: number }>(
    `SELECT subscriber_id FROM voicemail_box WHERE pushed_version < version ${opts.subscriberId !== undefined ? 'AND subscriber_id = $2' : ''} ORDER BY subscriber_id LIMIT $1`,
    opts.subscriberId !== undefined ? [opts.limit ?? 500, opts.subscriberId] : [opts.limit ?? 500],
  );
  let told = 0;
  for (const { subscriber_id: id } of ids) {
    try {
      told += await core.db.tx(async (tx) => {
        const [row] = await tx.query<{ msisdn: string; version: number }>(
          `SELECT s.msisdn, b.version FROM voicemail_box b JOIN subscriber s ON s.id = b.subscriber_id
            WHERE b.subscriber_id = $1 AND b.pushed_version < b.version FOR UPDATE OF b SKIP LOCKED`,
          [id],
        );
        if (!row) return 0;
        const box = await readMailbox(tx, id);
        await core.diversions.apply({ msisdn: row.msisdn, version: Number(row.version), settings: diversionOf(box), divertTo: core.settings.voicemailNumber }, tx);
        await tx.query('UPDATE voicemail_box SET pushed_version = $2 WHERE subscriber_id = $1', [id, row.version]);
        return 1;
      });
    } catch (err) {
      // Left for the next run of the job: the change stays unpushed until the network takes it.
      core.log.warn({ err, subscriberId: id }, 'the network did not take a voicemail diversion change; it will be told again');
    }
  }
  return told;
}

export type GreetingInput = { kind: 'standard' } | { kind: 'text'; text: string } | { kind: 'recorded'; audio: Uint8Array };

/** Sets the mailbox's greeting: the standard one, a text read by the speech synthesiser, or a recording (8 kHz mono 16-bit WAV). */
export async function setVoicemailGreeting(core: Core, ctx: Ctx, input: { msisdn: string; greeting: GreetingInput }): Promise<{ msisdn: string } & Mailbox> {
  const g = input.greeting;
  if (g.kind === 'text' && (g.text.trim().length === 0 || g.text.length > MAX_GREETING_TEXT)) throw new DomainError('VALIDATION', { field: 'text' });
  if (g.kind === 'recorded') {
    const w = readWav(g.audio);
    if (!isTelephonyWav(w)) throw new DomainError('VOICEMAIL_AUDIO', { reason: 'format' });
    if (w.durationMs < 500) throw new DomainError('VOICEMAIL_AUDIO', { reason: 'empty' });
    if (w.durationMs > MAX_GREETING_MS) throw new DomainError('VOICEMAIL_AUDIO', { reason: 'length', max: MAX_GREETING_MS / 1000 });
  }
  const id = await runUseCase(core, ctx, 'voicemail.greeting', async (tx, subject) => {
    const sub = await loadSubscriber(tx, ctx.actor, input.msisdn, { access: 'write', lock: true });
    subject.subscriberId = sub.id;
    subject.customerId = sub.customerId;
    const now = core.clock.now();
    await ensureBox(tx, sub.id, now);
    await tx.query('UPDATE voicemail_box SET greeting_kind = $2, greeting_text = $3, greeting_audio = $4, updated_at = $5 WHERE subscriber_id = $1', [
      sub.id,
      g.kind,
      g.kind === 'text' ? g.text.trim() : null,
      g.kind === 'recorded' ? Buffer.from(g.audio) : null,
      now,
    ]);
    await recordAudit(tx, core, ctx, { action: 'voicemail.greeting', subscriberId: sub.id, customerId: sub.customerId, details: { kind: g.kind } });
    return { id: sub.id, msisdn: sub.msisdn };
  });
  return { msisdn: id.msisdn, ...(await readMailbox(core.db, id.id)) };
}

/** The recorded greeting's audio, for the owner to hear (null when the greeting is not recorded). */
export async function greetingAudio(core: Core, ctx: Ctx, input: { msisdn: string }): Promise<Buffer | null> {
  const sub = await loadSubscriber(core.db, ctx.actor, input.msisdn, { access: 'read' });
  return recordedGreeting(core.db, sub.id);
}

export async function recordedGreeting(q: Queryable, subscriberId: number): Promise<Buffer | null> {
  const [r] = await q.query<{ greeting_audio: Uint8Array | null }>("SELECT greeting_audio FROM voicemail_box WHERE subscriber_id = $1 AND greeting_kind = 'recorded'", [subscriberId]);
  return r?.greeting_audio ? Buffer.from(r.greeting_audio) : null;
}
