/**
 * Experiment options. Benchmarks run inside Vitest workers, so options travel as environment
 * variables (`PBTS_*`); `pbts experiments <name> --flag` sets the same variables.
 * @module
 */

/** True for a smoke run of a few seconds (`PBTS_QUICK=1` or `--quick`). */
export function isQuick(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.PBTS_QUICK === '1' || env.PBTS_QUICK === 'true';
}

/** A positive integer from the environment, else `fallback`; throws on garbage. */
export function envInt(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  }
  return value;
}

/** A list of positive integers (comma or space separated) from the environment. */
export function envIntList(name: string, fallback: number[], env: NodeJS.ProcessEnv = process.env): number[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  return raw
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((part) => envInt(name, 0, { [name]: part }));
}

/** A list of words (comma or space separated) from the environment. */
export function envList(name: string, fallback: string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  return raw.split(/[\s,]+/).filter(Boolean);
}

/**
 * Factor by which the harness stretches every timed call (`PBTS_BENCH_SLOWDOWN`, default 1).
 * It exists only to prove that the baseline gate catches a regression.
 */
export function slowdownFactor(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.PBTS_BENCH_SLOWDOWN;
  if (raw === undefined || raw === '') return 1;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 1) {
    throw new Error(`PBTS_BENCH_SLOWDOWN must be a number >= 1, got "${raw}"`);
  }
  return value;
}

/** Options of the receipts experiment. */
export interface ReceiptsOptions {
  /** Samples per single-receipt operation (`PBTS_ITERATIONS`, `--iterations`; default 1000). */
  iterations: number;
  /** Samples per single-receipt operation on the pure-JS backend (`PBTS_NOBLE_ITERATIONS`; default 50). */
  nobleIterations: number;
  /** Batch sizes for aggregation (`PBTS_BATCH_SIZES`, `--batch-sizes`; default 10 50 100 500). */
  batchSizes: number[];
  /** Backends measured side by side (`PBTS_BACKENDS`; default blst noble). */
  backends: string[];
  /** Warm-up calls before timing each operation. */
  warmup: number;
}

/** Receipts options from the environment; `PBTS_QUICK` shrinks the defaults to a smoke run. */
export function receiptsOptions(env: NodeJS.ProcessEnv = process.env): ReceiptsOptions {
  const quick = isQuick(env);
  return {
    iterations: envInt('PBTS_ITERATIONS', quick ? 30 : 1000, env),
    nobleIterations: envInt('PBTS_NOBLE_ITERATIONS', quick ? 3 : 50, env),
    batchSizes: envIntList('PBTS_BATCH_SIZES', quick ? [10, 50] : [10, 50, 100, 500], env),
    backends: envList('PBTS_BACKENDS', ['blst', 'noble'], env),
    warmup: quick ? 2 : 10,
  };
}

/**
 * Runs of a batch operation: enough to total about `iterations` receipts, at least `minimum`.
 * Large batches get fewer runs, as in the reference (max(3, 50 // b) for verification).
 */
export function batchRuns(iterations: number, batchSize: number, minimum = 3): number {
  return Math.max(minimum, Math.floor(iterations / batchSize));
}
