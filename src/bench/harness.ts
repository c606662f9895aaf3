/**
 * Helpers shared by the bench files: Vitest bench options for a fixed number of samples, and
 * the slowdown used to prove the baseline gate.
 * @module
 */
import { slowdownFactor } from './options.ts';

/** Vitest (tinybench) options that take exactly `iterations` samples after `warmup` calls. */
export function samplesOf(iterations: number, warmup: number) {
  return { time: 0, iterations, warmupTime: 0, warmupIterations: warmup };
}

/**
 * `fn` with its result dropped, or, under `PBTS_BENCH_SLOWDOWN=f`, `fn` followed by a busy wait that makes each
 * call take f times as long: an injected regression for the gate's self-test.
 */
export function stretched(fn: () => unknown): () => void {
  const factor = slowdownFactor();
  if (factor === 1) return () => void fn();
  return () => {
    const start = performance.now();
    fn();
    const until = start + (performance.now() - start) * factor;
    while (performance.now() < until) {
      // Busy wait: a sleep would yield and not look like slower code.
    }
  };
}

/** A function that hands out the items of `items` in turn, wrapping around. */
export function cycle<T>(items: readonly T[]): () => T {
  let next = 0;
  return () => items[next++ % items.length]!;
}
