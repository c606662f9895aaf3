/**
 * A whole run of the suite (run-all or `npx vitest bench`): every experiment's outcome and
 * report, the machine, and the texts of SUMMARY.txt and COMPARISON.txt. The HTML page and
 * all_results.json are built from it.
 * @module
 */
import type { Machine } from '../machine.ts';
import type { Report } from '../report/model.ts';

/** One experiment of a run: measured (its report), failed (why, and whatever it reported), or skipped (why). */
export interface RunEntry {
  name: string;
  /** Its registry title (`RECEIPT OPERATIONS`). */
  title: string;
  status: 'ok' | 'failed' | 'skipped';
  /** Why it failed or was skipped. */
  reason?: string;
  /** Its report; absent when skipped, or when it failed before reporting. */
  report?: Report;
  /** Its result file (name only), when one was written. */
  file?: string;
}

/** What a run reports as a whole. */
export interface RunReport {
  /** When the run started, ISO 8601. */
  started: string;
  total_time_s: number;
  quick: boolean;
  machine: Machine;
  experiments: RunEntry[];
  /** SUMMARY.txt, as written. */
  summaryText: string;
  /** COMPARISON.txt, as written. */
  comparisonText: string;
}
