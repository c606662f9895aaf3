import { describe, expect, test } from 'vitest';
import { median, medianInterval, seededRandom } from './bootstrap.ts';

describe('seededRandom', () => {
  test('default', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const draws = Array.from({ length: 1000 }, () => a());
    expect(draws).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    // Uniform enough: the mean of 1000 draws is within 0.05 of 1/2.
    expect(draws.reduce((sum, x) => sum + x, 0) / draws.length).toBeCloseTo(0.5, 1);
  });

  test('behavior: another seed gives other numbers', () => {
    expect(seededRandom(1)()).not.toBe(seededRandom(2)());
  });
});

describe('median', () => {
  test('default', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  test('error: no values', () => {
    expect(() => median([])).toThrow(/no values/);
  });
});

describe('medianInterval', () => {
  const ratios = [0.98, 1.01, 1.03, 0.99, 1.02, 1.0, 1.05];

  test('default', () => {
    const interval = medianInterval(ratios);
    // Deterministic: the same data and seed always give the same interval.
    expect(medianInterval(ratios)).toEqual(interval);
    expect(interval.low).toBeLessThanOrEqual(median(ratios));
    expect(interval.high).toBeGreaterThanOrEqual(median(ratios));
    // Seven rounds: the 95% interval runs from about the second smallest to the second largest.
    expect(interval).toEqual({ low: 0.99, high: 1.03 });
  });

  test('behavior: five rounds span about their smallest to their largest value', () => {
    expect(medianInterval([1.4, 1.5, 1.6, 1.45, 1.55])).toEqual({ low: 1.4, high: 1.6 });
  });

  test('behavior: a narrower confidence gives a narrower interval', () => {
    const many = Array.from({ length: 41 }, (_, i) => 1 + (i - 20) / 100);
    const wide = medianInterval(many);
    const narrow = medianInterval(many, { confidence: 0.5 });
    expect(narrow.low).toBeGreaterThan(wide.low);
    expect(narrow.high).toBeLessThan(wide.high);
  });

  test('behavior: equal values give a point', () => {
    expect(medianInterval([1.2, 1.2, 1.2])).toEqual({ low: 1.2, high: 1.2 });
  });

  test('error: no values or a confidence outside (0, 1)', () => {
    expect(() => medianInterval([])).toThrow(/no values/);
    expect(() => medianInterval([1], { confidence: 1 })).toThrow(/confidence/);
  });
});
