import type { Logger } from 'pino';
import type { RingbackPort, RingbackState } from '../../domain/ringback/ringback-port.ts';

/**
 * The demo ringback platform: keeps every push it receives, in order, and the newest state per
 * number (a lower or equal version than the one kept changes nothing, as a real platform must).
 * Tests read `received`; `toneFor` shows what a platform does with the state.
 */
export interface DemoRingbackPlatform extends RingbackPort {
  readonly received: RingbackState[];
  readonly current: Map<string, RingbackState>;
}

export function demoRingbackPlatform(log?: Logger): DemoRingbackPlatform {
  const received: RingbackState[] = [];
  const current = new Map<string, RingbackState>();
  return {
    name: 'demo',
    received,
    current,
    async push(state) {
      received.push(state);
      const kept = current.get(state.msisdn);
      if (!kept || kept.version < state.version) current.set(state.msisdn, state);
      log?.info({ ringback: { msisdn: state.msisdn, version: state.version, active: state.active, rules: state.rules.length } }, 'ringback state pushed (demo platform)');
    },
  };
}
