import { expect, test } from 'vitest';
import { experimentEnv } from '../bench/experiments/flags.ts';
import { planRun } from '../bench/run/all.ts';
import { experimentsUsage } from './experiments.ts';

test('default: seed flags become the PBTS_* variables the bench files read', () => {
  expect(experimentEnv('receipts', ['--iterations', '200', '--batch-sizes', '10', '50', '100', '--quick', '--output=r.json'])).toEqual({
    PBTS_ITERATIONS: '200',
    PBTS_BATCH_SIZES: '10 50 100',
    PBTS_QUICK: '1',
    PBTS_OUTPUT: 'r.json',
  });
  expect(experimentEnv('receipts', ['--batch-sizes=10,50'])).toEqual({ PBTS_BATCH_SIZES: '10,50' });
});

test('behavior: the usage lists every flag with its variable and default, and run-all with its skips', () => {
  const usage = experimentsUsage();
  expect(usage).toMatch(/--batch-sizes N\.\.\. .*\(default 10 50 100 500, quick: 10 50\) \[PBTS_BATCH_SIZES\]/);
  expect(usage).toMatch(/--output FILE .*\[PBTS_OUTPUT\]/);
  for (const name of ['receipts', 'tee', 'onchain', 'load']) expect(usage).toContain(`--skip-${name}`);
  expect(usage).toMatch(/--receipt-iterations N .*receipts `--iterations` \(`PBTS_ITERATIONS`\)/);
});

test("behavior: run-all gives each experiment its own options, so the receipts' and the TEE's iterations stay apart", () => {
  const plan = planRun(['--receipt-iterations', '200', '--tee-iterations', '7', '--tee-verify-iterations=2', '--skip-load', '--quick', '--output-dir', '/tmp/x']);
  const byName = Object.fromEntries(plan.runs.map((run) => [run.experiment.name, run]));
  expect(byName.receipts!.env).toEqual({ PBTS_ITERATIONS: '200' });
  expect(byName.tee!.env).toEqual({ PBTS_ITERATIONS: '7', PBTS_VERIFY_ITERATIONS: '2' });
  expect(byName.onchain!.env).toEqual({});
  expect(byName.load!.skipped).toBe('skipped (--skip-load)');
  expect(plan).toMatchObject({ quick: true, outputDir: '/tmp/x' });
  expect(planRun(['--onchain-users', '5']).runs.find((r) => r.experiment.name === 'onchain')!.env).toEqual({ PBTS_USERS: '5' });
});

test('error: unknown experiments, unknown flags and missing values are refused', () => {
  expect(() => experimentEnv('nope', [])).toThrow(/unknown experiment "nope"/);
  expect(() => experimentEnv('receipts', ['--iteration', '5'])).toThrow(/unknown option "--iteration"/);
  expect(() => experimentEnv('receipts', ['--iterations'])).toThrow(/--iterations needs a value/);
  expect(() => experimentEnv('receipts', ['200'])).toThrow(/unknown option "200"/);
  expect(() => planRun(['--skip-nothing'])).toThrow(/unknown option "--skip-nothing" for experiments all/);
  expect(() => planRun(['--iterations', '5'])).toThrow(/unknown option/);
});
