/**
 * COMPARISON.txt: the seed's OPERATION OVERHEAD and EXTENSION OVERHEAD SUMMARY, against baselines
 * measured in the same run (the authors divided by an assumed 0.1 ms), then every figure the
 * prototype's README gives beside ours.
 * @module
 */
import { type Cell, type Report, formatNumber, headlineValue } from '../report/model.ts';
import { tableText } from '../report/text.ts';
import { PROTOTYPE_FIGURES } from './prototype.ts';
import type { RunEntry } from './run.ts';

const WIDE = '='.repeat(80);
const THIN = '-'.repeat(80);

/** One PBTS operation against the plain operation it extends. */
interface Overhead {
  operation: string;
  experiment: string;
  key: string;
  baseline: string;
  baselineExperiment: string;
  baselineKey: string;
}

/** What each PBTS operation extends, and where both figures come from (headline keys, means). */
export const OVERHEADS: readonly Overhead[] = [
  { operation: 'Receipt creation', experiment: 'receipts', key: 'receipt_creation_mean_ms', baseline: 'piece SHA-1 check, 256 KiB', baselineExperiment: 'receipts', baselineKey: 'piece_hash_mean_ms' },
  { operation: 'Receipt verification', experiment: 'receipts', key: 'receipt_verification_mean_ms', baseline: 'piece SHA-1 check, 256 KiB', baselineExperiment: 'receipts', baselineKey: 'piece_hash_mean_ms' },
  { operation: 'Receipt report (HTTP)', experiment: 'load', key: 'report_mean_ms', baseline: 'announce, same clients', baselineExperiment: 'load', baselineKey: 'announce_mean_ms' },
  { operation: 'TEE key derivation', experiment: 'tee', key: 'tee_key_mean_ms', baseline: 'local key generation', baselineExperiment: 'tee', baselineKey: 'regular_key_mean_ms' },
  { operation: 'On-chain registration', experiment: 'onchain', key: 'registration_mean_ms', baseline: 'SQLite store commit', baselineExperiment: 'onchain', baselineKey: 'store_write_mean_ms' },
  { operation: 'On-chain update', experiment: 'onchain', key: 'update_mean_ms', baseline: 'SQLite store commit', baselineExperiment: 'onchain', baselineKey: 'store_write_mean_ms' },
  { operation: 'Report of 10 (1 client)', experiment: 'tracker-overhead', key: 'report_10_mean_ms', baseline: 'announce, 1 client', baselineExperiment: 'tracker-overhead', baselineKey: 'baseline_announce_mean_ms' },
  { operation: 'Report, chain + TEE on', experiment: 'tracker-overhead', key: 'combined_mean_ms', baseline: 'same, chain and TEE off', baselineExperiment: 'tracker-overhead', baselineKey: 'combined_off_mean_ms' },
];

type Reports = ReadonlyMap<string, Report>;

function figure(reports: Reports, experiment: string, key: string): number | undefined {
  return headlineValue(reports.get(experiment), key);
}

function overheadTable(reports: Reports): string {
  const rows: Cell[][] = OVERHEADS.map((o) => {
    const ours = figure(reports, o.experiment, o.key);
    const base = figure(reports, o.baselineExperiment, o.baselineKey);
    const both = ours !== undefined && base !== undefined;
    return [o.operation, ours ?? null, o.baseline, base ?? null, both ? ours - base : null, both && base > 0 ? ours / base : null];
  });
  return tableText({
    columns: [
      { header: 'Operation', width: 24 },
      { header: 'Time (ms)', unit: 'ms', width: 10, align: 'right', format: { digits: 4 }, missing: 'not run' },
      { header: 'Baseline (plain operation)', width: 27 },
      { header: 'Baseline (ms)', unit: 'ms', width: 13, align: 'right', format: { digits: 4 }, missing: 'not run' },
      { header: 'Overhead (ms)', unit: 'ms', width: 13, align: 'right', format: { digits: 4, signed: true } },
      { header: 'Ratio', unit: 'x', width: 9, align: 'right', format: { digits: 1, grouped: true, suffix: 'x' } },
    ],
    rows,
  });
}

const ms = (value: number | undefined, digits = 4) => (value === undefined ? 'not measured' : `${formatNumber(value, { digits, grouped: true })} ms`);

function extensionSummary(reports: Reports): string[] {
  const get = (experiment: string, key: string) => figure(reports, experiment, key);
  const speedup = get('receipts', 'aggregate_speedup_100');
  const throughput = get('onchain', 'batch_throughput_100');
  const announces = get('load', 'announce_throughput_rps');
  const verified = get('load', 'verified_receipts_per_s');
  const efficiency = get('tracker-overhead', 'batching_efficiency');
  const onChain = (key: string) => {
    const value = get('tracker-overhead', key);
    return value === undefined ? 'not measured' : `${formatNumber(value, { digits: 1, grouped: true })} ms`;
  };
  return [
    'Per-operation overhead introduced by PBTS extensions (means, this run):',
    '',
    '1. BEP10 Receipt Exchange:',
    `   - Receipt creation:    ${ms(get('receipts', 'receipt_creation_mean_ms'))} per receipt`,
    `   - Receipt verification: ${ms(get('receipts', 'receipt_verification_mean_ms'))} per receipt`,
    `   - Aggregate verification (largest batch): ${ms(get('receipts', 'aggregate_per_receipt_largest_ms'))} per receipt`,
    `   - Speedup with aggregation (100): ${speedup === undefined ? 'not measured' : `${speedup.toFixed(2)}x`}`,
    '',
    '2. TEE Attestation:',
    `   - Key derivation overhead: ${ms(get('tee', 'tee_key_overhead_ms'))}`,
    `   - Attestation generation: ${ms(get('tee', 'attestation_generation_mean_ms'), 2)} (simulator quote)`,
    `   - Attestation verification: ${ms(get('tee', 'attestation_verification_mean_ms'), 2)} (warm, collateral cached)`,
    '',
    '3. On-Chain Reputation:',
    `   - User registration: ${ms(get('onchain', 'registration_mean_ms'), 2)}`,
    `   - Reputation update: ${ms(get('onchain', 'update_mean_ms'), 2)}`,
    `   - Batched updates (100 per tx): ${throughput === undefined ? 'not measured' : `${formatNumber(throughput, { digits: 0, grouped: true })} updates/s`}`,
    '',
    '4. Tracker:',
    `   - Announces: ${announces === undefined ? 'not measured' : `${formatNumber(announces, { digits: 0, grouped: true })} req/s`}`,
    `   - Verified receipts: ${verified === undefined ? 'not measured' : `${formatNumber(verified, { digits: 0, grouped: true })}/s`}`,
    '',
    '5. Tracker Overhead Breakdown (one request at a time, live HTTP, everything on):',
    `   - Baseline announce: ${ms(get('tracker-overhead', 'baseline_announce_mean_ms'), 3)}`,
    `   - Report of 1 / 100 receipts: ${ms(get('tracker-overhead', 'report_1_mean_ms'), 3)} / ${ms(get('tracker-overhead', 'report_100_mean_ms'), 3)}`,
    `   - Batching efficiency (per receipt, 100 vs 1): ${efficiency === undefined ? 'not measured' : `${efficiency.toFixed(2)}x`}`,
    `   - Attestation over HTTP: ${ms(get('tracker-overhead', 'tee_attestation_mean_ms'), 3)} (simulator quote)`,
    `   - Registration request: ${ms(get('tracker-overhead', 'registration_request_mean_ms'), 3)}`,
    `   - Credit on chain after: ${onChain('confirmation_default_median_ms')} (default batching), ${onChain('confirmation_small_median_ms')} (prompt batches)`,
  ];
}

function prototypeTable(reports: Reports): string {
  const rows: Cell[][] = PROTOTYPE_FIGURES.map((p) => {
    const ours = figure(reports, p.experiment, p.key);
    const better = ours === undefined || ours <= 0 ? null : p.higherIsBetter ? ours / p.prototype : p.prototype / ours;
    const unit = p.unit === 'x' ? 'x' : ` ${p.unit}`;
    // Small figures keep their decimals, large ones are rounded (4.2134 ms, 145.23 ms, 43,247 req/s).
    const digits = (value: number) => (p.unit === 'x' ? 2 : p.unit === 'ms' ? (value >= 10 ? 2 : 4) : value >= 100 ? 0 : 2);
    const write = (value: number) => `${formatNumber(value, { digits: digits(value), grouped: true })}${unit}`;
    return [p.label, write(p.prototype), ours === undefined ? 'not measured' : write(ours), better, p.note];
  });
  return tableText({
    columns: [
      { header: 'Figure', width: 34 },
      { header: 'Prototype', width: 16, align: 'right' },
      { header: 'This run', width: 16, align: 'right' },
      { header: 'Ours better by', unit: 'x', width: 14, align: 'right', format: { digits: 1, grouped: true, suffix: 'x' } },
      { header: 'Note', width: 0 },
    ],
    rows,
  });
}

/** The text of COMPARISON.txt from the run's reports (experiments that did not report are "not run"). */
export function comparisonText(entries: readonly RunEntry[]): string {
  const reports = new Map(entries.flatMap((e) => (e.report ? [[e.name, e.report] as const] : [])));
  const lines = [
    WIDE,
    `${' '.repeat(25)}OVERHEAD COMPARISON`,
    WIDE,
    '',
    'OPERATION OVERHEAD (against the plain operation it extends, both measured in this run)',
    THIN,
    '',
    overheadTable(reports),
    '',
    'Overhead: time minus baseline; Ratio: time / baseline (the prototype divided by an assumed 0.1 ms).',
    'A report\'s HTTP latency under load is mostly queueing: with every client sending at once it is about',
    'clients / reports per second, so compare the receipts per second of the load experiment as well.',
    '',
    '',
    'EXTENSION OVERHEAD SUMMARY',
    THIN,
    '',
    ...extensionSummary(reports),
    '',
    '',
    "THIS RUN AGAINST THE PAPER'S PROTOTYPE (figures of the authors' experiment README)",
    THIN,
    '',
    prototypeTable(reports),
    '',
    '"Ours better by": prototype / ours for times, ours / prototype for rates; below 1.0x ours is worse.',
    'The prototype figures are its README\'s published examples, not measured here; see each note.',
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}
