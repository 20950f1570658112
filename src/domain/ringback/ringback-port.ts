/**
 * What the ringback platform is told of one number: its whole ringback state after a change,
 * with a version that grows per number (the platform keeps the highest it has seen, so a late or
 * repeated delivery changes nothing). docs/ringback.md describes it for a platform's integrator.
 */
export interface RingbackState {
  msisdn: string;
  version: number;
  /** The service "Гудок" is connected and active: callers hear melodies by the rules; else ringing. */
  active: boolean;
  /** The melodies the number may play (bought and paid), by code. */
  melodies: string[];
  /** The rules, as `chooseTone` resolves them (docs/ringback.md). */
  rules: {
    id: number;
    melody: string;
    callers: string[] | null;
    group: string | null;
    /** "HH:MM" in `timeZone`, or null for all day. */
    from: string | null;
    to: string | null;
  }[];
  /** The IANA time zone the rules' times of day are in (the number's region). */
  timeZone: string;
  changedAt: string;
}

/**
 * The ringback platform. `push` delivers one state; it may be called again with the same state
 * after a failure (the platform keeps the highest version). A failure throws; the push is retried.
 */
export interface RingbackPort {
  readonly name: string;
  push(state: RingbackState): Promise<void>;
}
