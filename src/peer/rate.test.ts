import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { TokenBucket } from './rate.ts';

describe('TokenBucket', () => {
  test('default', () => {
    const bucket = new TokenBucket(1_000_000, 100_000);
    // It starts empty: a second's worth of bytes waits a second.
    expect(bucket.take(1_000_000)).toBeCloseTo(1000, -1);
  });

  test('behavior: takers share one rate, queueing behind each other', () => {
    const bucket = new TokenBucket(100_000, 10_000);
    // Each 10 kB is 100 ms at this rate.
    const waits = [1, 2, 3, 4].map(() => bucket.take(10_000));
    waits.forEach((wait, i) => expect(wait).toBeCloseTo((i + 1) * 100, -1));
  });

  test('behavior: an idle bucket refills up to its burst, and no further', async () => {
    const bucket = new TokenBucket(100_000, 10_000);
    await sleep(300);
    // 100 ms of burst are there (not 300): 10 kB go at once, the next 10 kB wait 100 ms.
    expect(bucket.take(10_000)).toBe(0);
    expect(bucket.take(10_000)).toBeCloseTo(100, -1);
  });

  test('error: a rate that is not positive', () => {
    expect(() => new TokenBucket(0)).toThrow(RangeError);
    expect(() => new TokenBucket(Number.NaN)).toThrow(RangeError);
  });
});
