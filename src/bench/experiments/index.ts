import { summarizeLoad } from './load.ts';
import { summarizeReceipts } from './receipts.ts';
import type { Summarizer } from './types.ts';

/** The experiments with their own printed sections and result schema, by bench file name. */
export const summarizers: Readonly<Record<string, Summarizer>> = {
  receipts: summarizeReceipts,
  load: summarizeLoad,
};

export type { ExperimentReport, Summarizer } from './types.ts';
