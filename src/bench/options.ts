/**
 * Experiment options. Benchmarks run inside Vitest workers, so options travel as environment
 * variables (`PBTS_*`); `pbts experiments <name> --flag` sets the same variables. Defaults come
 * from each option's spec (`OptionSpec.default`, `.quick`), the one place they are written.
 * @module
 */
import type { OptionSpec } from './experiments/types.ts';

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
 * It exists only to prove that the baseline gate and the A/B comparison catch a regression.
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

/**
 * The slowdown factor of the benchmark called `benchmark` (its full name, as result files and
 * tables give it): `slowdownFactor`, unless `PBTS_BENCH_SLOWDOWN_ONLY` names another benchmark,
 * then 1. A regression injected into one benchmark must be flagged there and nowhere else.
 */
export function slowdownFor(benchmark: string, env: NodeJS.ProcessEnv = process.env): number {
  const only = env.PBTS_BENCH_SLOWDOWN_ONLY?.trim();
  return only && only !== benchmark ? 1 : slowdownFactor(env);
}

/**
 * Runs of a batch operation: enough to total about `iterations` receipts, at least `minimum`.
 * Large batches get fewer runs, as in the reference (max(3, 50 // b) for verification).
 */
export function batchRuns(iterations: number, batchSize: number, minimum = 3): number {
  return Math.max(minimum, Math.floor(iterations / batchSize));
}

/** The spec's default for this run (`quick` under `--quick`), as written. */
function specDefault(spec: OptionSpec, env: NodeJS.ProcessEnv): string {
  return isQuick(env) && spec.quick !== undefined ? spec.quick : spec.default;
}

/** A positive integer option: its variable, else its default. */
export function intOption(spec: OptionSpec, env: NodeJS.ProcessEnv = process.env): number {
  return envInt(spec.env, envInt(spec.env, 0, { [spec.env]: specDefault(spec, env) }), env);
}

/** A list of positive integers option. */
export function intListOption(spec: OptionSpec, env: NodeJS.ProcessEnv = process.env): number[] {
  return envIntList(spec.env, envIntList(spec.env, [], { [spec.env]: specDefault(spec, env) }), env);
}

/** A list of words option. */
export function listOption(spec: OptionSpec, env: NodeJS.ProcessEnv = process.env): string[] {
  return envList(spec.env, envList(spec.env, [], { [spec.env]: specDefault(spec, env) }), env);
}

/** A text option; undefined when neither set nor defaulted (a default of `none`). */
export function textOption(spec: OptionSpec, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env[spec.env]?.trim();
  if (raw) return raw;
  const fallback = specDefault(spec, env);
  return fallback === 'none' ? undefined : fallback;
}

/** A boolean option (`1` or `true`). */
export function flagOption(spec: OptionSpec, env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env[spec.env];
  return raw === '1' || raw === 'true';
}
