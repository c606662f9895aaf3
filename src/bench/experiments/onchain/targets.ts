/**
 * Targets of the on-chain experiment (DESIGN.md): a single update within 6 ms with its receipt,
 * at least 5,000 updates/s through batching, at most 15k gas per batched entry.
 * @module
 */
import type { Summary } from '../../stats.ts';
import { type TargetCheck, targetCheck } from '../../targets.ts';
import type { BatchResult } from './results.ts';

/** The three checks: the update's median latency, the best batch's median throughput, the largest batch's gas per entry. */
export function checkTargets(update: Summary | undefined, batches: readonly BatchResult[]): TargetCheck[] {
  const best = batches.reduce<BatchResult | undefined>(
    (top, b) => (top === undefined || b.median_throughput_updates_per_sec > top.median_throughput_updates_per_sec ? b : top),
    undefined,
  );
  const largest = batches.at(-1);
  return [
    targetCheck(
      'single_update_latency',
      '<= 6 ms',
      update?.median_ms,
      'ms',
      (v) => v <= 6,
      'median, one update per tx, send to mined receipt',
    ),
    targetCheck(
      'batched_update_throughput',
      '>= 5,000 updates/s',
      best?.median_throughput_updates_per_sec,
      'updates/s',
      (v) => v >= 5_000,
      `batch of ${best?.batch_size}, from the median tx time`,
    ),
    targetCheck(
      'gas_per_batched_update',
      '<= 15,000 gas',
      largest?.gas_per_entry,
      'gas',
      (v) => v <= 15_000,
      `batch of ${largest?.batch_size}, tx gas / entries (base cost included)`,
    ),
  ];
}
