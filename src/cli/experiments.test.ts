import { expect, test } from 'vitest';
import { experimentsUsage, flagsToEnv } from './experiments.ts';

test('default: seed flags become the PBTS_* variables the bench files read', () => {
  expect(flagsToEnv('receipts', ['--iterations', '200', '--batch-sizes', '10', '50', '100', '--quick', '--output=r.json'])).toEqual({
    PBTS_ITERATIONS: '200',
    PBTS_BATCH_SIZES: '10 50 100',
    PBTS_QUICK: '1',
    PBTS_OUTPUT: 'r.json',
  });
  expect(flagsToEnv('receipts', ['--batch-sizes=10,50'])).toEqual({ PBTS_BATCH_SIZES: '10,50' });
});

test('behavior: the usage lists every flag with its variable', () => {
  expect(experimentsUsage()).toMatch(/--batch-sizes N\.\.\. .*\[PBTS_BATCH_SIZES\]/);
  expect(experimentsUsage()).toMatch(/--output FILE .*\[PBTS_OUTPUT\]/);
});

test('error: unknown experiments, unknown flags and missing values are refused', () => {
  expect(() => flagsToEnv('nope', [])).toThrow(/unknown experiment "nope"/);
  expect(() => flagsToEnv('receipts', ['--iteration', '5'])).toThrow(/unknown option "--iteration"/);
  expect(() => flagsToEnv('receipts', ['--iterations'])).toThrow(/--iterations needs a value/);
  expect(() => flagsToEnv('receipts', ['200'])).toThrow(/unknown option "200"/);
});
