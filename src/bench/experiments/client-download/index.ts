/**
 * Experiment 5, client download (seed README section 5, reference spec 6.3): the seed's model
 * of receipt overhead over download speeds x piece sizes, with the receipt work measured here,
 * beside the overlapped model; and the same measured on real loopback transfers between a
 * seeder and a downloader exchanging receipts, credited by a real tracker. Bench names:
 * `client-download > model > receipt sign`, `> receipt verify`, `> piece hash <KB> KB`, and one
 * `client-download > transfer > <speed> MB/s, <piece>` per cell (its runs in the `transfers` extra).
 * @module
 */
import type { ExperimentReport } from '../../report/model.ts';
import type { Summary } from '../../stats.ts';
import type { Experiment } from '../types.ts';
import { clientDownloadCharts, clientDownloadHeadline } from './headline.ts';
import { CLIENT_DOWNLOAD_OPTIONS } from './options.ts';
import { clientDownloadResults } from './results.ts';
import { clientDownloadSections } from './report.ts';
import { checkTargets } from './targets.ts';

export { cellLabel, clientDownloadOptions, pieceLabel, runOrder, type TransferCell } from './options.ts';
export type { ClientDownloadConfig, TrackerCredit, TransferCpu, TransferReceipts, TransferRun } from './records.ts';

/** The client-download experiment's result keys (the reference's `config` and `results`, then ours) and report. */
export function summarizeClientDownload(benchmarks: ReadonlyMap<string, Summary>, extras: Record<string, unknown>): ExperimentReport {
  const results = clientDownloadResults(benchmarks, extras);
  const targets = checkTargets(results.cells);
  const { config } = results;
  return {
    json: {
      config: config ?? null,
      receipt_cost: results.cost
        ? { sign: results.sign, verify: results.verify, piece_hash: Object.fromEntries([...results.hashes].map(([kb, s]) => [String(kb), s])) }
        : null,
      results: results.scenarios,
      insights: results.insights ?? null,
      transfers: results.cells,
      targets,
      runs: results.runs,
    },
    report: {
      sections: clientDownloadSections(results, targets),
      headline: clientDownloadHeadline(results),
      targets,
      charts: clientDownloadCharts(results),
    },
  };
}

/** The client-download experiment's registry entry. */
export const clientDownload: Experiment = {
  name: 'client-download',
  title: 'CLIENT DOWNLOAD SIMULATION',
  summary: 'receipt overhead in downloads: the seed model over speeds x piece sizes, and real loopback transfers with receipts on and off',
  benchFile: 'bench/client-download.bench.ts',
  options: [...CLIENT_DOWNLOAD_OPTIONS],
  summarize: summarizeClientDownload,
};
