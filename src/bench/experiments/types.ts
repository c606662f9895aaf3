import type { Summary } from '../stats.ts';

/** What an experiment adds to the common result: its own JSON keys and printed sections. */
export interface ExperimentReport {
  /** Experiment-specific keys merged into the result file (reference schema). */
  json: Record<string, unknown>;
  /** The seed's printed sections. */
  text: string;
}

/**
 * Builds an experiment's report from its benchmarks' summaries, keyed by full bench name, and
 * the figures its bench file recorded with `recordExtra`.
 */
export type Summarizer = (benchmarks: ReadonlyMap<string, Summary>, extras: Record<string, unknown>) => ExperimentReport;
