import type { DiversionChange, DiversionPort } from '../../domain/voicemail/diversion-port.ts';
import type { Queryable } from '../../store/db.ts';

/**
 * The demo network: each diversion change is recorded (`voicemail_network_push`), one row per
 * number and version, so a repeated push of the same version leaves one record.
 */
export function recordedDiversions(now: () => Date): DiversionPort {
  return {
    async apply(c: DiversionChange, store: Queryable) {
      await store.query(
        `INSERT INTO voicemail_network_push (msisdn, version, settings, pushed_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (msisdn, version) DO NOTHING`,
        [c.msisdn, c.version, JSON.stringify({ ...c.settings, divertTo: c.divertTo }), now()],
      );
    },
  };
}
