/**
 * The tracker-overhead experiment's headline figures (SUMMARY.txt, COMPARISON.txt) and its
 * charts: the breakdown as bars, and the on-chain confirmation by batch delay.
 * @module
 */
import type { Chart, Headline } from '../../report/model.ts';
import type { TrackerOverheadResults } from './results.ts';

const mean = (key: string, label: string, value: number | undefined, after = '(mean)'): Headline => ({
  key,
  label,
  value: value ?? null,
  unit: 'ms',
  format: { digits: 3 },
  after,
});

/** Baseline, TEE, receipts, on-chain and combined means, batching efficiency, time to confirmation. */
export function trackerOverheadHeadline(results: TrackerOverheadResults): Headline[] {
  const byKey = new Map(results.components.map((c) => [c.key, c]));
  const get = (key: string) => byKey.get(key)?.mean_ms;
  const largest = results.batching.at(-1);
  const confirm = (key: string) => results.confirmations.find((c) => c.key === key);
  const defaultReport = confirm('report_default');
  const smallReport = confirm('report_small');
  return [
    mean('baseline_announce_mean_ms', 'Baseline Announce', get('baseline')),
    mean('parallel_announce_mean_ms', 'Announce, 10 Parallel', get('parallel_baseline')),
    mean('tee_keygen_mean_ms', 'TEE Key Derivation', get('tee_keygen')),
    mean('tee_attestation_mean_ms', 'TEE Attestation', get('tee_attestation')),
    mean('attestation_verification_mean_ms', 'Attestation Verification', get('attestation_verification')),
    mean('report_1_mean_ms', 'Report, 1 Receipt', get('receipt_single')),
    mean('report_10_mean_ms', 'Report, 10 Receipts', get('receipt_batch_10')),
    mean('report_100_mean_ms', 'Report, 100 Receipts', get('receipt_batch_100')),
    {
      key: 'batching_efficiency',
      label: 'Batching Efficiency',
      value: largest?.efficiency_vs_single ?? null,
      unit: 'x',
      ...(largest && { after: `(per receipt, ${largest.receipts} vs 1)` }),
    },
    mean('registration_request_mean_ms', 'Registration Request', get('onchain_register')),
    mean('combined_mean_ms', 'Combined (chain + TEE on)', get('combined')),
    mean('combined_off_mean_ms', 'Combined (both off)', get('combined_off')),
    {
      key: 'confirmation_default_median_ms',
      label: 'Credit On Chain',
      value: defaultReport?.confirm.median_ms ?? null,
      unit: 'ms',
      format: { digits: 1 },
      after: defaultReport ? `(median, answered -> BatchApplied, --chain-batch-ms ${defaultReport.batch_ms})` : '(median)',
    },
    {
      key: 'confirmation_small_median_ms',
      label: 'Credit On Chain, Prompt',
      value: smallReport?.confirm.median_ms ?? null,
      unit: 'ms',
      format: { digits: 1 },
      after: smallReport ? `(median, --chain-batch-ms ${smallReport.batch_ms})` : '(median)',
    },
  ];
}

/** The breakdown's mean per component (log scale: a 0.1 ms announce beside 40 ms reports), and confirmation by batch delay. */
export function trackerOverheadCharts(results: TrackerOverheadResults): Chart[] {
  const charts: Chart[] = [];
  if (results.components.length > 0) {
    charts.push({
      id: 'breakdown',
      title: 'Component overhead breakdown (mean per request)',
      mark: 'bar',
      scale: 'log',
      x: { title: 'Component', values: results.components.map((c) => c.key) },
      y: { title: 'Mean latency', unit: 'ms' },
      series: [{ name: 'Mean ms', values: results.components.map((c) => c.mean_ms) }],
    });
  }
  if (results.confirmations.length > 0) {
    const delays = [...new Set(results.confirmations.map((c) => c.batch_ms))];
    const series = (operation: 'registration' | 'report', name: string) => ({
      name,
      values: delays.map((d) => results.confirmations.find((c) => c.batch_ms === d && c.operation === operation)?.confirm.median_ms ?? null),
    });
    charts.push({
      id: 'confirmation',
      title: 'Request answered until its credit is on chain (median)',
      mark: 'bar',
      x: { title: '--chain-batch-ms', values: delays.map((d) => `${d} ms`) },
      y: { title: 'Time to BatchApplied', unit: 'ms' },
      series: [series('registration', 'Registration'), series('report', 'Report')],
    });
  }
  return charts;
}
