/**
 * The load experiment (seed README section 4): tracker capacity with concurrent clients,
 * announces vs receipt reports, against bittorrent-tracker. Its registry entry, its summarizer,
 * and what `bench/load.bench.ts` and `bench/load/` use.
 * @module
 */
import type { ExperimentReport } from '../../report/model.ts';
import type { Summary } from '../../stats.ts';
import type { Experiment } from '../types.ts';
import { mixedComparison, observations, peerComparison, resultsByClients } from './comparison.ts';
import { loadCharts, loadHeadline } from './headline.ts';
import { LOAD_OPTIONS } from './options.ts';
import { clientCounts, readConfig, readRuns } from './records.ts';
import { loadSections } from './report.ts';
import { checkTargets } from './targets.ts';

export { announcesPerRun, loadOptions, mixedShape, reportsPerRun } from './options.ts';
export type { LoadConfig, LoadRun, LoadStats, ReportStats, TrackerName } from './records.ts';

/** The load experiment's result keys and report, from the `config` and `runs` extras the bench recorded. */
export function summarizeLoad(_benchmarks: ReadonlyMap<string, Summary>, extras: Record<string, unknown>): ExperimentReport {
  const config = readConfig(extras.config);
  const runs = readRuns(extras.runs);
  const clients = clientCounts(runs);
  const observed = observations(runs, clients);
  const peers = peerComparison(runs, clients);
  const mixed = mixedComparison(runs);
  const targets = checkTargets(runs);
  return {
    json: {
      config: config ?? null,
      results: resultsByClients(runs, clients),
      comparison: observed,
      peer_comparison: peers,
      mixed,
      targets,
      runs,
    },
    report: {
      sections: loadSections({ config, runs, clients, observed, peers, mixed, targets }),
      headline: loadHeadline(runs),
      targets,
      charts: loadCharts(runs, clients),
    },
  };
}

/** The load experiment's registry entry. */
export const load: Experiment = {
  name: 'load',
  title: 'LOAD TEST',
  summary: 'tracker capacity with concurrent clients, announces vs receipt reports, against bittorrent-tracker',
  benchFile: 'bench/load.bench.ts',
  options: LOAD_OPTIONS,
  summarize: summarizeLoad,
};
