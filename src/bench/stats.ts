/** Summary statistics of one benchmark's timings, in milliseconds; `samples` is the count. */
export interface Summary {
  mean_ms: number;
  median_ms: number;
  stdev_ms: number;
  min_ms: number;
  max_ms: number;
  total_ms: number;
  p95_ms: number;
  p99_ms: number;
  samples: number;
}

/**
 * Percentile `p` (0..1) of ascending `sorted` by linear interpolation between closest ranks
 * (Hyndman-Fan type 7, numpy's default): rank h = (n - 1) * p, then interpolate between
 * sorted[floor(h)] and sorted[ceil(h)]. It is continuous in p and gives the usual median. An
 * exact rank takes its value as it is, so an infinite ratio (a zero denominator) stays infinite.
 */
export function percentile(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const below = sorted[lo] as number;
  const above = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return h === lo || above === below ? below : below + (h - lo) * (above - below);
}

/** Summarizes timings (ms): mean, median, sample stdev (n - 1), extremes, total, p95, p99. */
export function summarize(samplesMs: number[]): Summary {
  if (samplesMs.length === 0) throw new Error('summarize: no samples (empty array)');
  if (!samplesMs.every(Number.isFinite)) throw new Error('summarize: samples must be finite numbers');
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const n = sorted.length;
  const total = sorted.reduce((sum, x) => sum + x, 0);
  const mean = total / n;
  // Two passes (mean first) keep the variance accurate when timings are large and close together.
  const variance = n < 2 ? 0 : sorted.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (n - 1);
  return {
    mean_ms: mean,
    median_ms: percentile(sorted, 0.5),
    stdev_ms: Math.sqrt(variance),
    min_ms: sorted[0] as number,
    max_ms: sorted[n - 1] as number,
    total_ms: total,
    p95_ms: percentile(sorted, 0.95),
    p99_ms: percentile(sorted, 0.99),
    samples: n,
  };
}
