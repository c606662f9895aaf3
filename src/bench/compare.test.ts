import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import {
  DEFAULT_THRESHOLD,
  compareWithBaseline,
  formatComparison,
  recordBaseline,
  runCompareCli,
  type Baseline,
  type ComparisonRow,
} from './compare.ts';
import type { Machine } from './machine.ts';
import type { Summary } from './stats.ts';

const machine: Machine = {
  cpu_model: 'Test CPU',
  cores: 2,
  total_memory_gib: 4,
  platform: 'linux',
  arch: 'x64',
  node_version: 'v20.0.0',
  git_commit: null,
  date: '2025-01-01T00:00:00.000Z',
  profile: 'test-2core',
};

let dir: string;
let latestDir: string;
let baselineFile: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pbts-compare-'));
  latestDir = path.join(dir, 'latest');
  baselineFile = path.join(dir, 'baselines', 'test-2core.json');
});

afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

function summary(median: number, mean = median): Summary {
  return {
    mean_ms: mean,
    median_ms: median,
    stdev_ms: 0.1,
    min_ms: median / 2,
    max_ms: median * 2,
    total_ms: mean * 10,
    p95_ms: median * 1.5,
    p99_ms: median * 1.9,
    samples: 10,
  };
}

// Writes reports/latest/<experiment>.json as the reporter would, with extra keys the gate must ignore.
async function writeLatest(experiment: string, medians: Record<string, number>, profile = machine.profile, calibration_ms?: number) {
  await mkdir(latestDir, { recursive: true });
  const benchmarks = Object.fromEntries(
    Object.entries(medians).map(([name, median]) => [name, { ...summary(median), hz: 1000 / median }]),
  );
  const result = { experiment, machine: { ...machine, profile }, benchmarks, calibration_ms, targets: [], notes: 'ignored' };
  await writeFile(path.join(latestDir, `${experiment}.json`), JSON.stringify(result));
}

async function recordThenRewrite(before: Record<string, number>, after: Record<string, number>) {
  await writeLatest('receipts', before);
  await recordBaseline({ latestDir, baselineFile });
  await writeLatest('receipts', after);
}

function captureOutput() {
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
  return () => out.join('\n');
}

describe('compareWithBaseline', () => {
  test('default', async () => {
    await recordThenRewrite({ 'receipts > verify': 2, 'receipts > sign': 1 }, { 'receipts > verify': 2, 'receipts > sign': 1 });
    const { rows, regressed } = await compareWithBaseline({ latestDir, baselineFile });
    expect(regressed).toBe(false);
    expect(rows).toEqual([
      { experiment: 'receipts', benchmark: 'receipts > verify', baseline_median_ms: 2, current_median_ms: 2, ratio: 1, speed_factor: 1, status: 'ok' },
      { experiment: 'receipts', benchmark: 'receipts > sign', baseline_median_ms: 1, current_median_ms: 1, ratio: 1, speed_factor: 1, status: 'ok' },
    ]);
    expect(DEFAULT_THRESHOLD).toBe(0.5);
  });

  test('behavior: a 2x slower median regresses', async () => {
    await recordThenRewrite({ verify: 2, sign: 1 }, { verify: 4, sign: 1 });
    const { rows, regressed } = await compareWithBaseline({ latestDir, baselineFile });
    expect(regressed).toBe(true);
    expect(rows.find((r) => r.benchmark === 'verify')).toMatchObject({ ratio: 2, status: 'regressed' });
    expect(rows.find((r) => r.benchmark === 'sign')?.status).toBe('ok');
  });

  test('behavior: a machine running slower (by its calibration) is not taken for slower code', async () => {
    await writeLatest('receipts', { verify: 2, sign: 1 }, machine.profile, 4);
    await recordBaseline({ latestDir, baselineFile });
    // The whole machine 1.2x slower: calibration and medians alike.
    await writeLatest('receipts', { verify: 2.4, sign: 1.2 }, machine.profile, 4.8);
    const slowMachine = await compareWithBaseline({ latestDir, baselineFile });
    expect(slowMachine.regressed).toBe(false);
    expect(slowMachine.rows[0]!.speed_factor).toBeCloseTo(1.2);
    expect(slowMachine.rows[0]!.ratio).toBeCloseTo(1);
    // A calibration 3x slower corrects by 1.25x at most: a 2x slower median still fails.
    await writeLatest('receipts', { verify: 4, sign: 1 }, machine.profile, 12);
    const capped = await compareWithBaseline({ latestDir, baselineFile });
    expect(capped.regressed).toBe(true);
    expect(capped.rows.find((r) => r.benchmark === 'verify')).toMatchObject({ speed_factor: 1.25, ratio: 1.6, status: 'regressed' });
    // A machine faster than at recording time is not held against the code.
    await writeLatest('receipts', { verify: 2.8, sign: 1 }, machine.profile, 2);
    const fastMachine = await compareWithBaseline({ latestDir, baselineFile });
    expect(fastMachine.rows.find((r) => r.benchmark === 'verify')).toMatchObject({ speed_factor: 1, status: 'ok' });
    // The same machine speed, code 2x slower: still a regression.
    await writeLatest('receipts', { verify: 4, sign: 1 }, machine.profile, 4);
    const slowCode = await compareWithBaseline({ latestDir, baselineFile });
    expect(slowCode.regressed).toBe(true);
    expect(slowCode.rows.find((r) => r.benchmark === 'verify')).toMatchObject({ ratio: 2, speed_factor: 1, status: 'regressed' });
  });

  test('behavior: 1.3x and exactly 1.5x pass with the default threshold', async () => {
    await recordThenRewrite({ a: 10, b: 10 }, { a: 13, b: 15 });
    const { rows, regressed } = await compareWithBaseline({ latestDir, baselineFile });
    expect(regressed).toBe(false);
    expect(rows.map((r) => r.status)).toEqual(['ok', 'ok']);
  });

  test('behavior: a median below 1/(1 + threshold) is improved, not a failure', async () => {
    await recordThenRewrite({ a: 10, b: 10 }, { a: 6, b: 7 });
    const { rows, regressed } = await compareWithBaseline({ latestDir, baselineFile });
    expect(regressed).toBe(false);
    expect(rows.map((r) => r.status)).toEqual(['improved', 'ok']);
  });

  test('behavior: compares medians, not means', async () => {
    await writeLatest('receipts', { a: 10 });
    await recordBaseline({ latestDir, baselineFile });
    const result = JSON.parse(await readFile(path.join(latestDir, 'receipts.json'), 'utf8'));
    result.benchmarks.a = summary(10, 100);
    await writeFile(path.join(latestDir, 'receipts.json'), JSON.stringify(result));
    expect((await compareWithBaseline({ latestDir, baselineFile })).regressed).toBe(false);
  });

  test('behavior: benchmarks only in latest are new, only in baseline are missing, neither fails', async () => {
    await recordThenRewrite({ kept: 1, dropped: 1 }, { kept: 1, added: 5 });
    const { rows, regressed } = await compareWithBaseline({ latestDir, baselineFile });
    expect(regressed).toBe(false);
    expect(rows).toEqual([
      { experiment: 'receipts', benchmark: 'kept', baseline_median_ms: 1, current_median_ms: 1, ratio: 1, speed_factor: 1, status: 'ok' },
      { experiment: 'receipts', benchmark: 'added', baseline_median_ms: null, current_median_ms: 5, ratio: null, speed_factor: 1, status: 'new' },
      { experiment: 'receipts', benchmark: 'dropped', baseline_median_ms: 1, current_median_ms: null, ratio: null, speed_factor: 1, status: 'missing' },
    ]);
  });

  test('behavior: a new experiment is all new; experiments absent from latest are skipped', async () => {
    await writeLatest('receipts', { a: 1 });
    await writeLatest('tee', { quote: 3 });
    await recordBaseline({ latestDir, baselineFile });
    await rm(latestDir, { recursive: true });
    await writeLatest('load', { announce: 2 });
    await writeLatest('tee', { quote: 3 });
    const { rows } = await compareWithBaseline({ latestDir, baselineFile });
    expect(rows.map((r) => [r.experiment, r.benchmark, r.status])).toEqual([
      ['load', 'announce', 'new'],
      ['tee', 'quote', 'ok'],
    ]);
  });

  test('behavior: the threshold option moves the limit', async () => {
    await recordThenRewrite({ a: 10 }, { a: 13 });
    expect((await compareWithBaseline({ latestDir, baselineFile, threshold: 0.2 })).regressed).toBe(true);
    expect((await compareWithBaseline({ latestDir, baselineFile, threshold: 0.3 })).regressed).toBe(false);
  });

  test('behavior: files without "benchmarks" (such as all_results.json) are ignored', async () => {
    await recordThenRewrite({ a: 1 }, { a: 1 });
    await writeFile(path.join(latestDir, 'all_results.json'), JSON.stringify({ experiments: ['receipts'] }));
    await writeFile(path.join(latestDir, 'SUMMARY.txt'), 'not json');
    expect((await compareWithBaseline({ latestDir, baselineFile })).rows).toHaveLength(1);
  });

  test('error: no baseline file says how to record one', async () => {
    await writeLatest('receipts', { a: 1 });
    await expect(compareWithBaseline({ latestDir, baselineFile })).rejects.toThrow(
      /no baseline at .*test-2core\.json.*npx pbts bench compare --record/,
    );
  });

  test('error: no results in latestDir', async () => {
    await writeLatest('receipts', { a: 1 });
    await recordBaseline({ latestDir, baselineFile });
    await rm(latestDir, { recursive: true });
    await expect(compareWithBaseline({ latestDir, baselineFile })).rejects.toThrow(
      /no benchmark results in .*npx pbts bench compare --record/,
    );
  });

  test('error: a threshold that is not a positive number', async () => {
    await recordThenRewrite({ a: 1 }, { a: 1 });
    await expect(compareWithBaseline({ latestDir, baselineFile, threshold: 0 })).rejects.toThrow(/positive fraction/);
  });
});

describe('recordBaseline', () => {
  test('default', async () => {
    await writeLatest('receipts', { sign: 1 });
    const written = await recordBaseline({ latestDir, baselineFile });
    const stored: Baseline = JSON.parse(await readFile(baselineFile, 'utf8'));
    expect(stored).toEqual(written);
    expect(stored.profile).toBe('test-2core');
    expect(stored.machine).toEqual(machine);
    expect(new Date(stored.recorded).toISOString()).toBe(stored.recorded);
    // Only summary fields are kept: extra keys from results (hz here) stay out of committed baselines.
    expect(stored.experiments).toEqual({ receipts: { benchmarks: { sign: summary(1) } } });
  });

  test('behavior: merges, replacing only the experiments present in latest', async () => {
    await writeLatest('receipts', { sign: 1 });
    await writeLatest('tee', { quote: 3 });
    await recordBaseline({ latestDir, baselineFile });
    await rm(latestDir, { recursive: true });
    await writeLatest('tee', { quote: 4, attest: 9 });
    const merged = await recordBaseline({ latestDir, baselineFile });
    expect(Object.keys(merged.experiments)).toEqual(['receipts', 'tee']);
    expect(merged.experiments.receipts?.benchmarks.sign?.median_ms).toBe(1);
    expect(Object.keys(merged.experiments.tee?.benchmarks ?? {})).toEqual(['quote', 'attest']);
    expect(merged.experiments.tee?.benchmarks.quote?.median_ms).toBe(4);
  });

  test('error: latest results from another machine profile', async () => {
    await writeLatest('receipts', { sign: 1 });
    await recordBaseline({ latestDir, baselineFile });
    await writeLatest('receipts', { sign: 1 }, 'other-8core');
    await expect(recordBaseline({ latestDir, baselineFile })).rejects.toThrow(/profile 'test-2core'.*'other-8core'/);
  });

  test('error: no results in latestDir', async () => {
    await expect(recordBaseline({ latestDir, baselineFile })).rejects.toThrow(/no benchmark results/);
  });
});

describe('formatComparison', () => {
  const rows: ComparisonRow[] = [
    { experiment: 'receipts', benchmark: 'verify', baseline_median_ms: 2, current_median_ms: 4, ratio: 2, speed_factor: 1, status: 'regressed' },
    { experiment: 'receipts', benchmark: 'sign', baseline_median_ms: 1, current_median_ms: 0.9, ratio: 0.9, speed_factor: 1, status: 'ok' },
    { experiment: 'tee', benchmark: 'quote', baseline_median_ms: null, current_median_ms: 12.5, ratio: null, speed_factor: 1, status: 'new' },
  ];

  test('default', () => {
    expect(formatComparison(rows, 0.5)).toBe(
      [
        'Experiment  Benchmark  Baseline (ms)  Current (ms)  Machine   Change  Status',
        '----------  ---------  -------------  ------------  -------  -------  ---------',
        'receipts    verify             2.000         4.000    1.00x  +100.0%  regressed',
        'receipts    sign               1.000         0.900    1.00x   -10.0%  ok',
        'tee         quote                  -        12.500    1.00x        -  new',
        '',
        "Machine: the calibration workload's time now over its time in the baseline (src/bench/calibration.ts), between 1x and 1.25x; Change: current over baseline median, divided by it.",
        'FAIL: 1 benchmark(s) regressed beyond +50%',
      ].join('\n'),
    );
  });

  test('behavior: PASS verdict names the threshold as a percentage', () => {
    const text = formatComparison([rows[1] as ComparisonRow], 0.125);
    expect(text.split('\n').at(-1)).toBe('PASS: no benchmark regressed beyond +12.5%');
  });
});

describe('runCompareCli', () => {
  test('default', async () => {
    await recordThenRewrite({ a: 10 }, { a: 11 });
    const output = captureOutput();
    expect(await runCompareCli(['--latest', latestDir, '--baseline', baselineFile])).toBe(0);
    expect(output()).toContain('+10.0%');
    expect(output()).toContain('PASS: no benchmark regressed beyond +50%');
  });

  test('behavior: exit 1 on a 2x regression', async () => {
    await recordThenRewrite({ a: 10 }, { a: 20 });
    const output = captureOutput();
    expect(await runCompareCli(['--latest', latestDir, '--baseline', baselineFile])).toBe(1);
    expect(output()).toContain('FAIL: 1 benchmark(s) regressed beyond +50%');
  });

  test('behavior: --threshold, then PBTS_BENCH_THRESHOLD, set the limit', async () => {
    await recordThenRewrite({ a: 10 }, { a: 13 });
    captureOutput();
    const args = ['--latest', latestDir, '--baseline', baselineFile];
    expect(await runCompareCli([...args, '--threshold', '0.2'])).toBe(1);
    vi.stubEnv('PBTS_BENCH_THRESHOLD', '0.2');
    expect(await runCompareCli(args)).toBe(1);
    expect(await runCompareCli([...args, '--threshold', '0.5'])).toBe(0);
  });

  test('behavior: --markdown also writes the table as Markdown', async () => {
    await recordThenRewrite({ a: 10 }, { a: 20 });
    captureOutput();
    const file = path.join(dir, 'out', 'compare.md');
    expect(await runCompareCli(['--latest', latestDir, '--baseline', baselineFile, '--markdown', file])).toBe(1);
    const markdown = await readFile(file, 'utf8');
    expect(markdown).toContain('**FAIL: 1 benchmark(s) regressed beyond +50%**');
    expect(markdown).toContain('| receipts | a | 10.000 | 20.000 | 1.00x | +100.0% | regressed |');
  });

  test('behavior: --record writes the baseline', async () => {
    await writeLatest('receipts', { a: 1, b: 2 });
    const output = captureOutput();
    expect(await runCompareCli(['--record', '--latest', latestDir, '--baseline', baselineFile])).toBe(0);
    expect(output()).toContain('1 experiment(s), 2 benchmark(s)');
    const stored: Baseline = JSON.parse(await readFile(baselineFile, 'utf8'));
    expect(Object.keys(stored.experiments.receipts?.benchmarks ?? {})).toEqual(['a', 'b']);
  });

  test('behavior: --help prints usage', async () => {
    const output = captureOutput();
    expect(await runCompareCli(['--help'])).toBe(0);
    expect(output()).toContain('Usage: pbts bench compare');
  });

  test('behavior: the default baseline is reports/baselines/<profile>.json', async () => {
    vi.stubEnv('PBTS_BASELINE_PROFILE', 'pbts-test-no-such-profile');
    const output = captureOutput();
    expect(await runCompareCli(['--latest', latestDir])).toBe(2);
    expect(output()).toContain(path.join('reports', 'baselines', 'pbts-test-no-such-profile.json'));
  });

  test('error: unknown option exits 2', async () => {
    const output = captureOutput();
    expect(await runCompareCli(['--bogus'])).toBe(2);
    expect(output()).toMatch(/--bogus/);
  });

  test('error: a bad threshold exits 2', async () => {
    captureOutput();
    expect(await runCompareCli(['--threshold', 'fast', '--baseline', baselineFile, '--latest', latestDir])).toBe(2);
    vi.stubEnv('PBTS_BENCH_THRESHOLD', '-1');
    expect(await runCompareCli(['--baseline', baselineFile, '--latest', latestDir])).toBe(2);
  });

  test('error: a missing baseline exits 2 and says how to record one', async () => {
    await writeLatest('receipts', { a: 1 });
    const output = captureOutput();
    expect(await runCompareCli(['--latest', latestDir, '--baseline', baselineFile])).toBe(2);
    expect(output()).toContain('npx pbts bench compare --record');
  });
});
