/**
 * Percentile bootstrap of a median: how far the median of a handful of per-round ratios could
 * move had the rounds fallen otherwise. Seeded, so the same data always give the same interval.
 * @module
 */
import { percentile } from '../stats.ts';

/** The seed of every interval the A/B mode reports. */
export const BOOTSTRAP_SEED = 0x5eed;

/** Resamples per interval: the interval's ends move by well under 1% between seeds. */
export const BOOTSTRAP_RESAMPLES = 2000;

/** A confidence interval. */
export interface Interval {
  low: number;
  high: number;
}

/** mulberry32: a small seedable generator of uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The median of `values` (not empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median: no values');
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

/**
 * The `confidence` (default 95%) percentile bootstrap interval of the median of `values`: the
 * medians of `resamples` samples drawn with replacement, cut at both tails. With few values it
 * is wide by nature (five rounds: about their smallest to their largest), which is the point.
 */
export function medianInterval(
  values: readonly number[],
  { confidence = 0.95, resamples = BOOTSTRAP_RESAMPLES, seed = BOOTSTRAP_SEED } = {},
): Interval {
  if (values.length === 0) throw new Error('medianInterval: no values');
  if (!(confidence > 0 && confidence < 1)) throw new Error(`medianInterval: confidence must be in (0, 1), got ${confidence}`);
  const random = seededRandom(seed);
  const draw = new Array<number>(values.length);
  const medians: number[] = [];
  for (let i = 0; i < resamples; i++) {
    for (let j = 0; j < values.length; j++) draw[j] = values[Math.floor(random() * values.length)]!;
    medians.push(median(draw));
  }
  medians.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  return { low: percentile(medians, tail), high: percentile(medians, 1 - tail) };
}
