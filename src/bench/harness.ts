/**
 * Helpers shared by the bench files: Vitest bench options for a fixed number of samples, and
 * benchmarks that the slowdown hook can stretch to prove the baseline gate and the A/B mode.
 * @module
 */
import { bench } from 'vitest';
import { getCurrentSuite } from 'vitest/suite';
import { slowdownFor } from './options.ts';

/** Vitest (tinybench) options that take exactly `iterations` samples after `warmup` calls. */
export function samplesOf(iterations: number, warmup: number) {
  return { time: 0, iterations, warmupTime: 0, warmupIterations: warmup };
}

/** The full name the reporter gives a benchmark declared here: enclosing describe names, then `name`. */
function fullName(name: string): string {
  const names = [name];
  for (let suite = getCurrentSuite().suite; suite && suite.file !== suite; suite = suite.suite) names.unshift(suite.name);
  return names.join(' > ');
}

/** `fn` with its result dropped, followed by a busy wait that makes each call take `factor` times as long. */
function stretched(fn: () => unknown, factor: number): () => void {
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

/**
 * Vitest's `bench` of a synchronous `fn`. Under `PBTS_BENCH_SLOWDOWN=f` each call takes f times
 * as long (only in the benchmark `PBTS_BENCH_SLOWDOWN_ONLY` names, when set): an injected
 * regression for the gate's and the A/B mode's self-tests.
 */
export function stretchedBench(name: string, fn: () => unknown, options: ReturnType<typeof samplesOf>): void {
  bench(name, stretched(fn, slowdownFor(fullName(name))), options);
}

/** A function that hands out the items of `items` in turn, wrapping around. */
export function cycle<T>(items: readonly T[]): () => T {
  let next = 0;
  return () => items[next++ % items.length]!;
}
