import { describe, expect, test } from 'vitest';
import { slowdownFactor, slowdownFor } from './options.ts';

describe('slowdownFactor', () => {
  test('default', () => {
    expect(slowdownFactor({})).toBe(1);
    expect(slowdownFactor({ PBTS_BENCH_SLOWDOWN: '1.5' })).toBe(1.5);
  });

  test('error: a factor below 1 or not a number', () => {
    expect(() => slowdownFactor({ PBTS_BENCH_SLOWDOWN: '0.5' })).toThrow(/>= 1/);
    expect(() => slowdownFactor({ PBTS_BENCH_SLOWDOWN: 'slow' })).toThrow(/>= 1/);
  });
});

describe('slowdownFor', () => {
  const verification = 'receipts [blst] > receipt verification';

  test('default', () => {
    expect(slowdownFor(verification, { PBTS_BENCH_SLOWDOWN: '2' })).toBe(2);
    expect(slowdownFor(verification, {})).toBe(1);
  });

  test('behavior: PBTS_BENCH_SLOWDOWN_ONLY slows the benchmark it names by its full name, no other', () => {
    const env = { PBTS_BENCH_SLOWDOWN: '1.5', PBTS_BENCH_SLOWDOWN_ONLY: ` ${verification} ` };
    expect(slowdownFor(verification, env)).toBe(1.5);
    expect(slowdownFor('receipts [blst] > receipt creation', env)).toBe(1);
    expect(slowdownFor('receipt verification', env)).toBe(1);
  });
});
