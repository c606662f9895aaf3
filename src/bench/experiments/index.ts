import { summarizeLoad } from './load.ts';
import { summarizeOnchain } from './onchain.ts';
import { summarizeReceipts } from './receipts.ts';
import { summarizeTee } from './tee.ts';
import type { Summarizer } from './types.ts';

/** The experiments with their own printed sections and result schema, by bench file name. */
export const summarizers: Readonly<Record<string, Summarizer>> = {
  receipts: summarizeReceipts,
  tee: summarizeTee,
  load: summarizeLoad,
  onchain: summarizeOnchain,
};

export type { ExperimentReport, Summarizer } from './types.ts';
