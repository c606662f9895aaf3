/**
 * The receipts experiment's headline figures (blst, the default backend, unless named noble) and
 * its charts: aggregate against one-by-one verification per batch size, and the single-receipt
 * operations, per backend.
 * @module
 */
import type { Chart, Headline } from '../../report/model.ts';
import type { Summary } from '../../stats.ts';
import { type BackendResult, SINGLE_OPS } from './results.ts';

const MS = { digits: 4 };

/** The named figures SUMMARY.txt and COMPARISON.txt print. */
export function receiptsHeadline(blst: BackendResult | undefined, noble: BackendResult | undefined, pieceHash: Summary | undefined): Headline[] {
  const figure = (key: string, label: string, value: number | undefined, after: string): Headline => ({
    key,
    label,
    value: value ?? null,
    unit: 'ms',
    format: MS,
    after,
  });
  const verification = Object.entries(blst?.aggregate_verification ?? {});
  const largest = verification.at(-1);
  return [
    figure('keypair_generation_mean_ms', 'Keypair Generation', blst?.keypair_generation?.mean_ms, '(mean)'),
    figure('receipt_creation_mean_ms', 'Receipt Creation', blst?.receipt_creation?.mean_ms, '(mean)'),
    figure('receipt_verification_mean_ms', 'Receipt Verification', blst?.receipt_verification?.mean_ms, '(mean)'),
    figure('receipt_creation_median_ms', 'Receipt Creation', blst?.receipt_creation?.median_ms, '(median)'),
    figure('receipt_verification_median_ms', 'Receipt Verification', blst?.receipt_verification?.median_ms, '(median)'),
    ...verification.map(
      ([size, v]): Headline => ({
        key: `aggregate_speedup_${size}`,
        label: `${size} receipts`,
        value: v.speedup,
        unit: 'x',
        format: { digits: 2 },
        after: 'faster',
        group: 'Aggregate Verification Speedup',
      }),
    ),
    figure('aggregate_verification_100_mean_ms', 'Aggregate of 100', blst?.aggregate_verification['100']?.aggregate_mean_ms, '(mean)'),
    figure(
      'aggregate_per_receipt_largest_ms',
      'Aggregate per Receipt',
      largest && largest[1].aggregate_mean_ms / Number(largest[0]),
      largest ? `(mean, batch of ${largest[0]})` : '(mean)',
    ),
    figure('piece_hash_mean_ms', 'Piece Check (SHA-1)', pieceHash?.mean_ms, '(mean, 256 KiB)'),
    figure('noble_receipt_verification_median_ms', 'Verification (noble)', noble?.receipt_verification?.median_ms, '(median)'),
  ];
}

/** Aggregate and one-by-one verification means per batch size, and the single operations' medians, per backend. */
export function receiptsCharts(backends: ReadonlyMap<string, BackendResult>): Chart[] {
  const sizes = [...new Set([...backends.values()].flatMap((r) => Object.keys(r.aggregate_verification).map(Number)))].sort((a, b) => a - b);
  const perSize = (r: BackendResult, pick: 'aggregate_mean_ms' | 'individual_mean_ms') =>
    sizes.map((size) => r.aggregate_verification[String(size)]?.[pick] ?? null);
  return [
    {
      id: 'aggregate-vs-individual',
      title: 'Aggregate vs individual verification',
      mark: 'line',
      scale: 'log',
      x: { title: 'receipts per batch', values: sizes },
      y: { title: 'ms per batch', unit: 'ms' },
      series: [...backends].flatMap(([name, r]) => [
        { name: `${name} aggregate`, values: perSize(r, 'aggregate_mean_ms') },
        { name: `${name} individual`, values: perSize(r, 'individual_mean_ms') },
      ]),
    },
    {
      id: 'single-operations',
      title: 'Single-receipt operations (median)',
      mark: 'bar',
      scale: 'log',
      x: { title: 'operation', values: SINGLE_OPS.map(([, benchName]) => benchName) },
      y: { title: 'Median', unit: 'ms' },
      series: [...backends].map(([name, r]) => ({ name, values: SINGLE_OPS.map(([key]) => r[key]?.median_ms ?? null) })),
    },
  ];
}
