/**
 * Experiment 2, TEE operations: its registry entry.
 * @module
 */
import type { Experiment } from '../types.ts';
import { TEE_OPTIONS } from './options.ts';
import { summarizeTee } from './report.ts';

/** Key derivation, quote generation and quote verification through the dstack simulator and dcap-qvl. */
export const tee: Experiment = {
  name: 'tee',
  title: 'TEE OPERATIONS',
  summary: 'key derivation regular vs dstack SDK, quote generation (simulator), quote verification warm/cold',
  benchFile: 'bench/tee.bench.ts',
  options: [...TEE_OPTIONS],
  runAllFlags: { 'tee-iterations': 'iterations', 'tee-verify-iterations': 'verify-iterations' },
  summarize: summarizeTee,
};
