/**
 * Experiment 6, tracker overhead breakdown (seed README section 6, reference spec 6.4): where a
 * request's time goes, component by component, over live HTTP against a tracker with everything
 * on. Its registry entry and summarizer. Bench names: `tracker-overhead > <component key>` and
 * `tracker-overhead > confirmation <key>`; each times a whole series, whose per-request figures
 * reach the report through `recordExtra`.
 * @module
 */
import type { ExperimentReport } from '../../report/model.ts';
import type { Experiment, Summarizer } from '../types.ts';
import { trackerOverheadCharts, trackerOverheadHeadline } from './headline.ts';
import { TRACKER_OVERHEAD_OPTIONS } from './options.ts';
import { trackerOverheadSections } from './report.ts';
import { trackerOverheadResults } from './results.ts';
import { checkTargets } from './targets.ts';

/** The result keys (reference schema: `config`, `baseline_latency_ms`, `results`) and the report. */
export const summarizeTrackerOverhead: Summarizer = (_benchmarks, extras): ExperimentReport => {
  const results = trackerOverheadResults(extras);
  const targets = checkTargets(results);
  return {
    json: {
      config: results.config ?? null,
      baseline_latency_ms: results.baseline?.mean_ms ?? null,
      results: Object.fromEntries(results.components.map(({ key, ...result }) => [key, result])),
      batching: results.batching,
      marginal_per_receipt_ms: results.marginal_per_receipt_ms,
      onchain_confirmation: Object.fromEntries(results.confirmations.map(({ key, ...c }) => [key, c])),
      combined: results.combined,
      not_measured: results.notMeasured,
      targets,
    },
    report: {
      sections: trackerOverheadSections(results, targets),
      headline: trackerOverheadHeadline(results),
      targets,
      charts: trackerOverheadCharts(results),
    },
  };
};

/** The tracker-overhead experiment. */
export const trackerOverhead: Experiment = {
  name: 'tracker-overhead',
  title: 'TRACKER OVERHEAD BREAKDOWN',
  summary: 'per-component latency over live HTTP: announce, TEE, receipt verification 1-100, on-chain and combined',
  benchFile: 'bench/tracker-overhead.bench.ts',
  options: TRACKER_OVERHEAD_OPTIONS,
  summarize: summarizeTrackerOverhead,
};
