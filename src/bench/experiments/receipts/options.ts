/**
 * Options of the receipts experiment: their specs (flag, variable, default, `--quick` default,
 * help: the README's table is generated from them) and the options a run reads through them.
 * @module
 */
import { intListOption, intOption, isQuick, listOption } from '../../options.ts';
import type { OptionSpec } from '../types.ts';

const ITERATIONS: OptionSpec = {
  flag: 'iterations',
  env: 'PBTS_ITERATIONS',
  kind: 'value',
  default: '1000',
  quick: '30',
  help: 'samples per single-receipt operation (blst)',
};
const NOBLE_ITERATIONS: OptionSpec = {
  flag: 'noble-iterations',
  env: 'PBTS_NOBLE_ITERATIONS',
  kind: 'value',
  default: '50',
  quick: '3',
  help: 'samples per operation on the pure-JS backend, ~25 ms each',
};
const BATCH_SIZES: OptionSpec = {
  flag: 'batch-sizes',
  env: 'PBTS_BATCH_SIZES',
  kind: 'list',
  default: '10 50 100 500',
  quick: '10 50',
  help: 'aggregation batch sizes',
};
const BACKENDS: OptionSpec = {
  flag: 'backends',
  env: 'PBTS_BACKENDS',
  kind: 'list',
  arg: 'NAME',
  default: 'blst noble',
  help: 'backends to measure',
};

/** The receipts experiment's option specs, in the README's order. */
export const RECEIPTS_OPTIONS: readonly OptionSpec[] = [ITERATIONS, NOBLE_ITERATIONS, BATCH_SIZES, BACKENDS];

/** Options of the receipts experiment (`pbts experiments receipts --flag` sets the same variables). */
export interface ReceiptsOptions {
  /** Samples per single-receipt operation on blst, and of the piece hash check. */
  iterations: number;
  /** Samples per single-receipt operation on the pure-JS backend. */
  nobleIterations: number;
  /** Batch sizes for aggregation. */
  batchSizes: number[];
  /** Backends measured side by side. */
  backends: string[];
  /** Warm-up calls before timing each operation. */
  warmup: number;
}

/** Receipts options from the environment; `PBTS_QUICK` shrinks the defaults to a smoke run. */
export function receiptsOptions(env: NodeJS.ProcessEnv = process.env): ReceiptsOptions {
  return {
    iterations: intOption(ITERATIONS, env),
    nobleIterations: intOption(NOBLE_ITERATIONS, env),
    batchSizes: intListOption(BATCH_SIZES, env),
    backends: listOption(BACKENDS, env),
    warmup: isQuick(env) ? 2 : 10,
  };
}
