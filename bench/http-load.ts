import autocannon from 'autocannon';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What to fire at a server: plain data, so it can be handed to a child process as is. */
export interface LoadSpec {
  url: string;
  connections: number;
  seconds: number;
  /** A shorter run first, not counted, so the server's code is compiled hot before measuring. */
  warmupSeconds: number;
  /** Bearer tokens to cycle through, one per request; none for an unauthenticated route. */
  tokens?: string[];
  /**
   * USSD gateway load: each request is a new session (a unique sessionId) dialling `dial` from
   * one of these numbers, as an aggregator would post it.
   */
  ussd?: { msisdns: string[]; dial: string };
}

export interface LoadResult {
  /** 2xx responses per second over the measured run. */
  rate: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  /** Latency in milliseconds (autocannon records whole milliseconds). */
  p50: number;
  p99: number;
  max: number;
}

export type LoadMode = 'in-process' | 'child process';

function options(spec: LoadSpec, seconds: number): autocannon.Options {
  return {
    url: spec.url,
    connections: spec.connections,
    duration: seconds,
    // Prebuilt requests, one per token: each connection cycles through all the subscribers.
    ...(spec.tokens?.length ? { requests: spec.tokens.map((t) => ({ method: 'GET' as const, headers: { authorization: `Bearer ${t}` } })) } : {}),
    ...(spec.ussd ? { requests: [ussdRequest(spec.ussd)] } : {}),
  };
}

let ussdCounter = 0;
function ussdRequest(u: { msisdns: string[]; dial: string }): autocannon.Request {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    setupRequest: (req) => {
      const n = ++ussdCounter;
      const msisdn = u.msisdns[n % u.msisdns.length]!;
      const body = new URLSearchParams({ sessionId: `bench-${process.pid}-${n}`, serviceCode: u.dial, phoneNumber: msisdn, text: '' }).toString();
      return { ...req, body };
    },
  };
}

/** Runs the load in this process (sharing the event loop and the CPU with the server, if it is here too). */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  if (spec.warmupSeconds > 0) await autocannon(options(spec, spec.warmupSeconds));
  const r = await autocannon(options(spec, spec.seconds));
  return {
    rate: r['2xx'] / r.duration,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    seconds: r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
  };
}

const childScript = fileURLToPath(new URL('./load-child.ts', import.meta.url));

/** Runs the load from a child Node process, so the load generator has its own event loop and core. */
export async function runLoadInChild(spec: LoadSpec): Promise<LoadResult> {
  const child = fork(childScript, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise<LoadResult>((resolve, reject) => {
    let settled = false;
    child.on('message', (msg: { ready?: true; result?: LoadResult; error?: string }) => {
      if (msg.ready) child.send(spec);
      else if (msg.result) {
        settled = true;
        resolve(msg.result);
      } else if (msg.error) {
        settled = true;
        reject(new Error(`load child: ${msg.error}`));
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (!settled) reject(new Error(`load child exited with code ${code}`));
    });
  });
}

export function runLoadIn(mode: LoadMode, spec: LoadSpec): Promise<LoadResult> {
  return mode === 'in-process' ? runLoad(spec) : runLoadInChild(spec);
}
