/**
 * The tracker-overhead results of a run, reference-shaped (reference spec 6.4): each component's
 * statistics and its overhead against the baseline announce, the batching figures of receipt
 * verification, the on-chain confirmation series and the combined comparison. The report and the
 * result file's keys are both built from these.
 * @module
 */
import { type Summary, summarize } from '../../stats.ts';
import { COMPONENTS, CONFIRMATIONS, type ConfirmationSpec, receiptCount } from './components.ts';
import {
  type NotMeasured,
  type TrackerOverheadConfig,
  readComponents,
  readConfig,
  readConfirmations,
  readNotMeasured,
} from './records.ts';

/** One component (the reference's keys, plus the sample count). */
export interface ComponentResult {
  component_name: string;
  mean_ms: number;
  median_ms: number;
  stdev_ms: number;
  min_ms: number;
  max_ms: number;
  p95_ms: number;
  p99_ms: number;
  samples: number;
  /** Answers checked, warm-up included. */
  checked: number;
  /** Mean minus the baseline announce's mean; null without a baseline. */
  overhead_vs_baseline_ms: number | null;
  overhead_vs_baseline_percent: number | null;
}

/** Receipt verification at one report size. */
export interface BatchingResult {
  receipts: number;
  mean_ms: number;
  per_receipt_ms: number;
  /** Verified receipts per second one client gets, one report at a time. */
  receipts_per_s: number;
  /** Single-receipt report mean over this size's per-receipt mean. */
  efficiency_vs_single: number | null;
}

/** One on-chain confirmation series. */
export interface ConfirmationResult {
  key: string;
  label: string;
  operation: ConfirmationSpec['operation'];
  batch_ms: number;
  request: Summary | null;
  confirm: Summary;
}

/** Chain and TEE on against both off, 10-receipt reports. */
export interface CombinedComparison {
  on_mean_ms: number;
  off_mean_ms: number;
  on_median_ms: number;
  off_median_ms: number;
  difference_ms: number;
  /** Median on / median off. */
  ratio: number;
}

/** Everything a run measured. */
export interface TrackerOverheadResults {
  config?: TrackerOverheadConfig;
  baseline?: ComponentResult;
  /** Measured components, breakdown order. */
  components: (ComponentResult & { key: string })[];
  batching: BatchingResult[];
  /** (mean of the largest report - mean of one receipt) / (its receipts - 1): what one more receipt costs. */
  marginal_per_receipt_ms: number | null;
  confirmations: ConfirmationResult[];
  combined: CombinedComparison | null;
  notMeasured: NotMeasured[];
}

function componentResult(name: string, samples: number[], checked: number, baseline: number | undefined): ComponentResult {
  const s = summarize(samples);
  return {
    component_name: name,
    mean_ms: s.mean_ms,
    median_ms: s.median_ms,
    stdev_ms: s.stdev_ms,
    min_ms: s.min_ms,
    max_ms: s.max_ms,
    p95_ms: s.p95_ms,
    p99_ms: s.p99_ms,
    samples: s.samples,
    checked,
    overhead_vs_baseline_ms: baseline === undefined ? null : s.mean_ms - baseline,
    overhead_vs_baseline_percent: baseline === undefined || baseline <= 0 ? null : ((s.mean_ms - baseline) / baseline) * 100,
  };
}

function batchingOf(components: readonly (ComponentResult & { key: string })[]): BatchingResult[] {
  const single = components.find((c) => c.key === 'receipt_single');
  return components.flatMap((c) => {
    const receipts = receiptCount(c.key);
    if (receipts === undefined) return [];
    const perReceipt = c.mean_ms / receipts;
    return [
      {
        receipts,
        mean_ms: c.mean_ms,
        per_receipt_ms: perReceipt,
        receipts_per_s: (receipts * 1000) / c.mean_ms,
        efficiency_vs_single: single ? single.mean_ms / perReceipt : null,
      },
    ];
  });
}

/** The results of a run from its recorded extras (the benchmarks' own samples time whole series). */
export function trackerOverheadResults(extras: Record<string, unknown>): TrackerOverheadResults {
  const records = readComponents(extras.components);
  const baselineMean = records.has('baseline') ? summarize(records.get('baseline')!.samples_ms).mean_ms : undefined;
  const components = COMPONENTS.flatMap((spec) => {
    const record = records.get(spec.key);
    return record ? [{ key: spec.key, ...componentResult(spec.label, record.samples_ms, record.checked, baselineMean) }] : [];
  });
  const batching = batchingOf(components);
  const first = batching[0];
  const last = batching.at(-1);
  const confirmationRecords = readConfirmations(extras.confirmations);
  const confirmations = CONFIRMATIONS.flatMap((spec): ConfirmationResult[] => {
    const record = confirmationRecords.get(spec.key);
    if (!record) return [];
    return [
      {
        key: spec.key,
        label: spec.label,
        operation: spec.operation,
        batch_ms: record.batch_ms,
        request: record.request_ms.length > 0 ? summarize(record.request_ms) : null,
        confirm: summarize(record.confirm_ms),
      },
    ];
  });
  const on = components.find((c) => c.key === 'combined');
  const off = components.find((c) => c.key === 'combined_off');
  return {
    config: readConfig(extras.config),
    baseline: components.find((c) => c.key === 'baseline'),
    components,
    batching,
    marginal_per_receipt_ms:
      first && last && first.receipts === 1 && last.receipts > 1 ? (last.mean_ms - first.mean_ms) / (last.receipts - 1) : null,
    confirmations,
    combined:
      on && off
        ? {
            on_mean_ms: on.mean_ms,
            off_mean_ms: off.mean_ms,
            on_median_ms: on.median_ms,
            off_median_ms: off.median_ms,
            difference_ms: on.mean_ms - off.mean_ms,
            ratio: on.median_ms / off.median_ms,
          }
        : null,
    notMeasured: readNotMeasured(extras.not_measured),
  };
}
