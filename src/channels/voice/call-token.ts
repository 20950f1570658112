import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { VoiceCaller } from './voice-call.ts';
import type { VoiceState } from './voice-menu.ts';

/**
 * The state of a VoiceXML call travels with the call, sealed: AES-256-GCM under a key derived from
 * the install secret, so any instance can take the next step (nothing in process memory), the
 * gateway cannot read the card digits a state may hold, and a changed token is refused.
 */
export interface CallToken {
  caller: VoiceCaller;
  state: VoiceState;
  /** When it was issued (ms); old tokens are refused. */
  iat: number;
}

export function tokenSealer(secret: string, maxAgeMs: number) {
  const key = createHash('sha256').update(`voice-call-token:${secret}`).digest();
  return {
    seal(t: CallToken): string {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(JSON.stringify(t), 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64url');
    },
    open(s: string, now: number): CallToken | null {
      if (typeof s !== 'string' || s.length > 16_384 || !/^[A-Za-z0-9_-]+$/.test(s)) return null;
      const raw = Buffer.from(s, 'base64url');
      if (raw.length < 29) return null;
      try {
        const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        d.setAuthTag(raw.subarray(12, 28));
        const t = JSON.parse(Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8')) as CallToken;
        if (typeof t.iat !== 'number' || now - t.iat > maxAgeMs || t.iat - now > 60_000) return null;
        return t;
      } catch {
        return null;
      }
    },
  };
}
