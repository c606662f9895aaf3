import { describe, expect, test } from 'vitest';
import { percentile, summarize } from './stats.ts';

describe('summarize', () => {
  test('default', () => {
    // Hand-computed: variance = (4 + 1 + 0 + 1 + 4) / 4 = 2.5; p95 rank 3.8 -> 4.8; p99 rank 3.96 -> 4.96.
    const s = summarize([1, 2, 3, 4, 5]);
    expect(s).toEqual({
      mean_ms: 3,
      median_ms: 3,
      stdev_ms: expect.closeTo(Math.sqrt(2.5), 12),
      min_ms: 1,
      max_ms: 5,
      total_ms: 15,
      p95_ms: expect.closeTo(4.8, 12),
      p99_ms: expect.closeTo(4.96, 12),
      samples: 5,
    });
  });

  test('behavior: unsorted even-length input interpolates the median and percentiles', () => {
    // Sorted 10, 20, 30, 40: median rank 1.5 -> 25; p95 rank 2.85 -> 38.5; p99 rank 2.97 -> 39.7;
    // variance = (225 + 25 + 25 + 225) / 3.
    const input = [40, 10, 30, 20];
    const s = summarize(input);
    expect(s.median_ms).toBe(25);
    expect(s.mean_ms).toBe(25);
    expect(s.stdev_ms).toBeCloseTo(Math.sqrt(500 / 3), 12);
    expect(s.p95_ms).toBeCloseTo(38.5, 12);
    expect(s.p99_ms).toBeCloseTo(39.7, 12);
    expect([s.min_ms, s.max_ms, s.total_ms, s.samples]).toEqual([10, 40, 100, 4]);
    expect(input).toEqual([40, 10, 30, 20]);
  });

  test('behavior: one sample has zero stdev and every statistic equal to it', () => {
    expect(summarize([7])).toEqual({
      mean_ms: 7,
      median_ms: 7,
      stdev_ms: 0,
      min_ms: 7,
      max_ms: 7,
      total_ms: 7,
      p95_ms: 7,
      p99_ms: 7,
      samples: 1,
    });
  });

  test('behavior: 100 samples 1..100 give p95 95.05 and p99 99.01', () => {
    const s = summarize(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(s.median_ms).toBe(50.5);
    expect(s.p95_ms).toBeCloseTo(95.05, 12);
    expect(s.p99_ms).toBeCloseTo(99.01, 12);
  });

  test('error: empty array', () => {
    expect(() => summarize([])).toThrow(/no samples/);
  });

  test('error: non-finite sample', () => {
    expect(() => summarize([1, Number.NaN])).toThrow(/finite/);
  });
});

describe('percentile', () => {
  test('default', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([1, 2, 3], 0.5)).toBe(2);
  });

  test('behavior: infinite values at an exact rank stay infinite (not NaN)', () => {
    expect(percentile([1, Infinity, Infinity], 0.5)).toBe(Infinity);
    expect(percentile([Infinity, Infinity], 0.25)).toBe(Infinity);
  });
});
