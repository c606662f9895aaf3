import { describe, expect, test } from 'vitest';
import { COMPONENT_RECORDS, EXTRAS } from './fixture.ts';
import { summarizeTrackerOverhead } from './index.ts';
import { trackerOverheadResults } from './results.ts';

describe('trackerOverheadResults', () => {
  test('default: components in breakdown order, overhead against the baseline mean', () => {
    const results = trackerOverheadResults(EXTRAS);
    expect(results.components.map((c) => c.key)).toEqual(Object.keys(COMPONENT_RECORDS));
    const baseline = results.baseline!;
    expect(baseline.overhead_vs_baseline_ms).toBe(0);
    const single = results.components.find((c) => c.key === 'receipt_single')!;
    expect(single.overhead_vs_baseline_ms).toBeCloseTo(single.mean_ms - baseline.mean_ms);
    expect(single.overhead_vs_baseline_percent).toBeCloseTo(((single.mean_ms - baseline.mean_ms) / baseline.mean_ms) * 100);
    expect(single.checked).toBe(12);
  });

  test('behavior: batching per receipt, efficiency and marginal cost; combined ratio of medians', () => {
    const results = trackerOverheadResults(EXTRAS);
    expect(results.batching.map((b) => b.receipts)).toEqual([1, 10, 50, 100]);
    const [one, , , hundred] = results.batching;
    expect(hundred!.per_receipt_ms).toBeCloseTo(hundred!.mean_ms / 100);
    expect(hundred!.efficiency_vs_single).toBeCloseTo(one!.mean_ms / hundred!.per_receipt_ms);
    expect(hundred!.receipts_per_s).toBeCloseTo(100_000 / hundred!.mean_ms);
    expect(results.marginal_per_receipt_ms).toBeCloseTo((hundred!.mean_ms - one!.mean_ms) / 99);
    expect(results.combined!.ratio).toBeCloseTo(results.combined!.on_median_ms / results.combined!.off_median_ms);
    expect(results.confirmations.map((c) => [c.key, c.batch_ms])).toEqual([
      ['register_default', 1000],
      ['report_default', 1000],
      ['register_small', 10],
      ['report_small', 10],
    ]);
  });

  test('behavior: without a baseline there is no overhead, without both combined sides no comparison', () => {
    const results = trackerOverheadResults({ components: { receipt_single: COMPONENT_RECORDS.receipt_single, combined: COMPONENT_RECORDS.combined } });
    expect(results.components[0]!.overhead_vs_baseline_ms).toBeNull();
    expect(results.combined).toBeNull();
    expect(results.marginal_per_receipt_ms).toBeNull();
  });
});

describe('tracker-overhead summary', () => {
  test("default: the reference's result keys, headline, targets and the breakdown bar chart", () => {
    const { json, report } = summarizeTrackerOverhead(new Map(), EXTRAS);
    expect(Object.keys(json)).toEqual([
      'config',
      'baseline_latency_ms',
      'results',
      'batching',
      'marginal_per_receipt_ms',
      'onchain_confirmation',
      'combined',
      'not_measured',
      'targets',
    ]);
    const results = json.results as Record<string, Record<string, unknown>>;
    expect(Object.keys(results.baseline!)).toEqual([
      'component_name',
      'mean_ms',
      'median_ms',
      'stdev_ms',
      'min_ms',
      'max_ms',
      'p95_ms',
      'p99_ms',
      'samples',
      'checked',
      'overhead_vs_baseline_ms',
      'overhead_vs_baseline_percent',
    ]);
    expect(report.targets.map((t) => [t.name, t.pass])).toEqual([
      ['attestation_verification', true],
      ['report_vs_chain_off', true],
    ]);
    const [breakdown, confirmation] = report.charts;
    expect(breakdown).toMatchObject({ id: 'breakdown', mark: 'bar', scale: 'log', y: { unit: 'ms' } });
    expect(breakdown!.x.values).toEqual(Object.keys(COMPONENT_RECORDS));
    expect(confirmation!.x.values).toEqual(['1000 ms', '10 ms']);
    expect(confirmation!.series.map((s) => s.name)).toEqual(['Registration', 'Report']);
    const keys = report.headline.map((h) => h.key);
    expect(keys).toContain('confirmation_default_median_ms');
    expect(report.headline.find((h) => h.key === 'baseline_announce_mean_ms')!.value).toBeCloseTo((json.baseline_latency_ms as number));
  });

  test('behavior: nothing recorded: figures not measured, targets n/a, no charts', () => {
    const { report } = summarizeTrackerOverhead(new Map(), {});
    expect(report.charts).toEqual([]);
    expect(report.targets.every((t) => t.pass === null)).toBe(true);
    expect(report.headline.every((h) => h.value === null)).toBe(true);
  });
});
