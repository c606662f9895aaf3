import { describe, expect, test } from 'vitest';
import { headlineValue } from '../../report/model.ts';
import { reportText } from '../../report/text.ts';
import { summarize } from '../../stats.ts';
import { receipts } from './index.ts';
import { receiptsOptions } from './options.ts';
import { summarizeReceipts } from './report.ts';
import { PIECE_HASH_BENCH } from './results.ts';

/** Benchmarks of `backends`, each with single operations `[keygen, sign, verify]` (ms) and batches of `sizes`. */
function benchmarks(backends: Record<string, [number, number, number]>, sizes = [10, 100], pieceHash = true) {
  const entries: Array<[string, number[]]> = pieceHash ? [[PIECE_HASH_BENCH, [0.4, 0.5, 0.6]]] : [];
  for (const [backend, [keygen, sign, verify]] of Object.entries(backends)) {
    entries.push(
      [`receipts [${backend}] > keypair generation`, [keygen, keygen]],
      [`receipts [${backend}] > receipt creation`, [sign, sign]],
      [`receipts [${backend}] > receipt verification`, [verify, verify]],
    );
    for (const size of sizes) {
      entries.push(
        [`receipts [${backend}] > batch ${size} > aggregate creation`, [0.01 * size]],
        [`receipts [${backend}] > batch ${size} > aggregate verification`, [0.4 * size * verify]],
        [`receipts [${backend}] > batch ${size} > individual verification`, [size * verify]],
      );
    }
  }
  return new Map(entries.map(([name, samples]) => [name, summarize(samples)]));
}

describe('summarizeReceipts', () => {
  test('default: figures per operation, the piece check, targets, headline and charts from blst', () => {
    const { json, report } = summarizeReceipts(benchmarks({ blst: [0.1, 0.4, 1.2], noble: [5, 20, 60] }));
    const figures = report.sections[0]!.blocks.flatMap((b) => (b.kind === 'figures' ? b.items : []));
    expect(figures.filter((f) => f.label === 'Median').map((f) => f.value)).toEqual([0.1, 0.4, 1.2]);
    expect(reportText(report)).toContain("A plain client's piece check (SHA-1 of 256 KiB) costs 0.5000 ms (median).");
    expect(report.targets.map((t) => [t.name, t.pass])).toEqual([
      ['receipt_creation', true],
      ['receipt_verification', true],
      ['aggregate_verification_100', true],
    ]);
    expect(json).toMatchObject({ backend: 'blst', piece_hash: { median_ms: 0.5 }, targets: report.targets, noble_vs_blst: { receipt_creation: 50 } });
    const headline = Object.fromEntries(report.headline.map((h) => [h.key, h.value]));
    expect(headline).toMatchObject({
      keypair_generation_mean_ms: 0.1,
      receipt_creation_mean_ms: 0.4,
      receipt_verification_median_ms: expect.closeTo(1.2, 9),
      aggregate_speedup_10: 2.5,
      aggregate_speedup_100: 2.5,
      aggregate_verification_100_mean_ms: 48,
      aggregate_per_receipt_largest_ms: 0.48,
      piece_hash_mean_ms: 0.5,
      noble_receipt_verification_median_ms: 60,
    });
    expect(report.headline.find((h) => h.key === 'aggregate_speedup_10')).toMatchObject({ label: '10 receipts', unit: 'x', group: 'Aggregate Verification Speedup' });
    const [lines, bars] = report.charts;
    expect(lines).toMatchObject({ id: 'aggregate-vs-individual', mark: 'line', scale: 'log', x: { values: [10, 100] } });
    expect(lines!.series.map((s) => s.name)).toEqual(['blst aggregate', 'blst individual', 'noble aggregate', 'noble individual']);
    expect(lines!.series[3]!.values).toEqual([600, 6000]);
    expect(bars).toMatchObject({
      id: 'single-operations',
      x: { values: ['keypair generation', 'receipt creation', 'receipt verification'] },
      series: [{ name: 'blst', values: [0.1, 0.4, 1.2] }, { name: 'noble', values: [5, 20, 60] }],
    });
  });

  test('behavior: a slow backend fails its targets; a target not run is not measured; no piece check prints nothing', () => {
    const { report } = summarizeReceipts(benchmarks({ blst: [0.1, 0.6, 1.4] }, [10, 50], false));
    expect(report.targets.map((t) => [t.name, t.pass])).toEqual([
      ['receipt_creation', false],
      ['receipt_verification', true],
      ['aggregate_verification_100', null],
    ]);
    const printed = reportText(report);
    expect(printed).toContain('[FAIL] receipt_creation: 0.6000 ms (target <= 0.5 ms; blst median)');
    expect(printed).toContain('[n/a ] aggregate_verification_100: - (target <= 50 ms; not measured in this run)');
    expect(printed).not.toContain('piece check');
    expect(printed).not.toContain('BACKEND COMPARISON');
    expect(headlineValue(report, 'aggregate_verification_100_mean_ms')).toBeUndefined();
    expect(headlineValue(report, 'aggregate_per_receipt_largest_ms')).toBeCloseTo(0.56, 9);
    expect(headlineValue(report, 'piece_hash_mean_ms')).toBeUndefined();
  });

  test('behavior: the headline and targets are blst\'s even when noble runs alone', () => {
    const { json, report } = summarizeReceipts(benchmarks({ noble: [5, 20, 60] }));
    expect(json.backend).toBe('noble');
    expect(headlineValue(report, 'receipt_creation_mean_ms')).toBeUndefined();
    expect(headlineValue(report, 'noble_receipt_verification_median_ms')).toBe(60);
    expect(report.targets.every((t) => t.pass === null)).toBe(true);
  });

  test('behavior: options come from the specs, the environment and --quick', () => {
    expect(receiptsOptions({})).toMatchObject({ iterations: 1000, nobleIterations: 50, batchSizes: [10, 50, 100, 500], backends: ['blst', 'noble'] });
    expect(receiptsOptions({ PBTS_QUICK: '1' })).toMatchObject({ iterations: 30, nobleIterations: 3, batchSizes: [10, 50] });
    expect(receiptsOptions({ PBTS_BATCH_SIZES: '7,9', PBTS_BACKENDS: 'noble' })).toMatchObject({ batchSizes: [7, 9], backends: ['noble'] });
    expect(receipts.options.map((o) => o.flag)).toEqual(['iterations', 'noble-iterations', 'batch-sizes', 'backends']);
  });

  test('error: nothing measured gives an empty report, and a bad option throws', () => {
    const { json, report } = summarizeReceipts(new Map());
    expect(json).toMatchObject({ backend: null, backends: {} });
    expect(report.sections.map((s) => s.title)).toEqual(['TARGETS']);
    expect(() => receiptsOptions({ PBTS_ITERATIONS: '0' })).toThrow(/PBTS_ITERATIONS must be a positive integer/);
  });
});
