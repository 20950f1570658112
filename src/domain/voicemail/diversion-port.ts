import type { Queryable } from '../../store/db.ts';

/**
 * When the network diverts a number's calls to voicemail, as the mailbox says. `version` grows by
 * one with each change; the network is told each version once (`pushDiversions`).
 */
export interface DiversionSettings {
  /** Off: no condition diverts, whatever the flags below say. */
  enabled: boolean;
  busy: boolean;
  noAnswer: boolean;
  /** Seconds of ringing before "no answer" diverts (5–30, as the network's timer allows). */
  noAnswerSeconds: number;
  unreachable: boolean;
  always: boolean;
}

export interface DiversionChange {
  msisdn: string;
  version: number;
  settings: DiversionSettings;
  /** The voicemail number the calls divert to (VOICEMAIL_NUMBER). */
  divertTo: string;
}

/**
 * The network side of voicemail's diversions: call forwarding set on the number (in GSM terms the
 * supplementary services CFU, CFB, CFNRy with its timer and CFNRc, each to `divertTo`). The demo
 * adapter records each change in the store (`src/adapters/voicemail/recorded-diversions.ts`); a
 * real one would send it to the HLR/HSS or the IMS application server. `apply` must be safe to
 * call again with the same version.
 */
export interface DiversionPort {
  /**
   * `store`: the transaction in which the change is marked told. An adapter that keeps its record
   * in the store (the demo's) writes through it, so the record and the mark commit together; a
   * network adapter ignores it.
   */
  apply(change: DiversionChange, store: Queryable): Promise<void>;
}
