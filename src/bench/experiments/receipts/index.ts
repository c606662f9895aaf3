/**
 * Experiment 1, receipt operations: its registry entry.
 * @module
 */
import type { Experiment } from '../types.ts';
import { RECEIPTS_OPTIONS } from './options.ts';
import { summarizeReceipts } from './report.ts';

/** BLS receipt operations on every backend side by side. */
export const receipts: Experiment = {
  name: 'receipts',
  title: 'RECEIPT OPERATIONS',
  summary: 'BLS receipt creation, verification and aggregation, blst and noble side by side',
  benchFile: 'bench/receipts.bench.ts',
  options: [...RECEIPTS_OPTIONS],
  runAllFlags: { 'receipt-iterations': 'iterations' },
  summarize: summarizeReceipts,
};
