import { performance } from 'node:perf_hooks';

export interface LoopResult {
  ops: number;
  seconds: number;
  /** Completed operations per second. */
  rate: number;
  /** Per-operation latency in milliseconds. */
  p50: number;
  p99: number;
}

/**
 * Runs `op` back to back from `callers` concurrent callers (each awaits its previous call) for
 * about `seconds`, and counts what completed.
 */
export async function closedLoop(seconds: number, callers: number, op: () => Promise<void>): Promise<LoopResult> {
  const latencies: number[] = [];
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const caller = async () => {
    while (performance.now() < deadline) {
      const t = performance.now();
      await op();
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: callers }, caller));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))] ?? 0;
  return { ops: latencies.length, seconds: elapsed, rate: latencies.length / elapsed, p50: pct(50), p99: pct(99) };
}
