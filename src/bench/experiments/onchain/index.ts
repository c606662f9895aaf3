/**
 * Experiment 3, on-chain operations (seed README section 3, with the reference's gas experiment,
 * reference spec 6.6): its registry entry. Bench names: `onchain > <operation>`,
 * `onchain > batch update <size>` and `onchain > store write` (the plain commit an update replaces).
 * @module
 */
import type { Experiment } from '../types.ts';
import { ONCHAIN_OPTIONS } from './options.ts';
import { summarizeOnchain } from './report.ts';

/** The on-chain experiment. */
export const onchain: Experiment = {
  name: 'onchain',
  title: 'ON-CHAIN OPERATIONS',
  summary: 'registration, reputation updates single and batched, gas per operation, annual cost projection',
  benchFile: 'bench/onchain.bench.ts',
  options: ONCHAIN_OPTIONS,
  runAllFlags: { 'onchain-users': 'users', 'onchain-updates': 'updates' },
  summarize: summarizeOnchain,
};
