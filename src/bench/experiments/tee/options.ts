/**
 * Options of the TEE experiment: their specs (flag, variable, default, `--quick` default, help:
 * the README's table is generated from them) and the options a run reads through them.
 * @module
 */
import { intOption, isQuick } from '../../options.ts';
import type { OptionSpec } from '../types.ts';

const ITERATIONS: OptionSpec = {
  flag: 'iterations',
  env: 'PBTS_ITERATIONS',
  kind: 'value',
  default: '100',
  quick: '20',
  help: 'key derivation and quote generation samples',
};
const VERIFY_ITERATIONS: OptionSpec = {
  flag: 'verify-iterations',
  env: 'PBTS_VERIFY_ITERATIONS',
  kind: 'value',
  default: '10',
  quick: '3',
  help: 'verification samples per case, and cold runs',
};

/** The TEE experiment's option specs, in the README's order. */
export const TEE_OPTIONS: readonly OptionSpec[] = [ITERATIONS, VERIFY_ITERATIONS];

/** Options of the TEE experiment (`pbts experiments tee --flag` sets the same variables). */
export interface TeeOptions {
  /** Samples of key derivation and quote generation. */
  iterations: number;
  /** Samples of each verification, and cold runs. */
  verifyIterations: number;
  /** Untimed calls before each timed series. */
  warmup: number;
}

/** TEE options from the environment; `PBTS_QUICK` shrinks the defaults to a smoke run. */
export function teeOptions(env: NodeJS.ProcessEnv = process.env): TeeOptions {
  return {
    iterations: intOption(ITERATIONS, env),
    verifyIterations: intOption(VERIFY_ITERATIONS, env),
    warmup: isQuick(env) ? 1 : 5,
  };
}
