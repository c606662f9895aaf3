import { describe, expect, test } from 'vitest';
import { headlineValue } from '../../report/model.ts';
import { reportText } from '../../report/text.ts';
import { summarize } from '../../stats.ts';
import { experimentEnv } from '../flags.ts';
import { teeOptions } from './options.ts';
import { COLD_WITH_FETCH, TEE_BENCH, type TeeExtras } from './records.ts';
import { summarizeTee } from './report.ts';

function benchmarks(withSample = true): Map<string, ReturnType<typeof summarize>> {
  const entries: Array<[string, number[]]> = [
    [TEE_BENCH.regularKey, [0.2, 0.3]],
    [TEE_BENCH.teeKey, [1.0, 1.2]],
    [TEE_BENCH.sdkRoundTrip, [0.3, 0.3]],
    [TEE_BENCH.simKeyWork, [0.5, 0.5]],
    [TEE_BENCH.quote, [0.8, 1.0]],
    [TEE_BENCH.simWorker, [9, 10, 11]],
    [TEE_BENCH.simInProcess, [8, 9, 10]],
  ];
  if (withSample) entries.push([TEE_BENCH.sampleWorker, [10, 11]], [TEE_BENCH.sampleInProcess, [10, 12]]);
  return new Map(entries.map(([name, samples]) => [name, summarize(samples)]));
}

const extras: TeeExtras = {
  cold: { 'fresh worker: spawn until ready': [300, 340], [COLD_WITH_FETCH]: [40, 60] },
  event_loop: {
    in_process: { max_ms: 25, p99_ms: 24, mean_ms: 11, verifications: 20 },
    worker: { max_ms: 4, p99_ms: 3, mean_ms: 1.2, verifications: 20 },
  },
  outcomes: { a: { attempts: 10, successes: 10 }, b: { attempts: 5, successes: 5 } },
  not_measured: [{ what: 'real TDX quote generation', why: 'no TDX hardware' }],
};

describe('summarizeTee', () => {
  test("default: the seed's three sections, p95/p99, the reference JSON schema, targets and NOT MEASURED", () => {
    const { json, report } = summarizeTee(benchmarks(), extras as Record<string, unknown>);
    const printed = reportText(report);
    expect(printed).toMatch(/1\. Key Generation Comparison:[\s\S]*Regular[\s\S]*TEE-Derived[\s\S]*Overhead: \+0\.850 ms \(340\.00%\)/);
    expect(printed).toMatch(/2\. Attestation Generation \(SIMULATOR quote generation, NOT TDX hardware\)/);
    expect(printed).toMatch(/3\. Attestation Verification[\s\S]*Intel sample \(pinned clock\)\s+worker, warm/);
    expect(printed).toContain('p95 / p99');
    expect(printed).toMatch(/Cold:[\s\S]*fresh worker: spawn until ready\s+320\.000/);
    expect(printed).toContain('[PASS] key_derivation_overhead: +0.850 ms (target <= 1 ms; SDK + socket round trip alone: 0.300 ms)');
    expect(printed).toMatch(/\[PASS\] warm_verification: 10\.000 ms \(target <= 15 ms warm, event loop not blocked; .*p99 delay 3\.00 ms/);
    expect(printed).toContain('real TDX quote generation: NOT MEASURED (no TDX hardware)');
    expect(report.targets.map((t) => [t.name, t.pass])).toEqual([
      ['key_derivation_overhead', true],
      ['warm_verification', true],
    ]);
    expect(json).toMatchObject({
      tee_available: true,
      key_generation: { regular: { mean_ms: 0.25 }, tee: { mean_ms: 1.1, overhead_percent: expect.closeTo(340, 6) } },
      attestation_generation: { mean_ms: 0.9, source: 'simulator' },
      attestation_verification: { median_ms: 10, success_rate: 1, num_attempts: 15, num_successful: 15 },
      targets: {
        key_derivation_overhead: { target_ms: 1, measured_ms: expect.closeTo(0.85, 9), sdk_round_trip_median_ms: 0.3, met: true },
        warm_verification: { target_ms: 15, measured_median_ms: 10, worker_event_loop_p99_delay_ms: 3, in_process_verification_median_ms: 9, met: true },
      },
    });
    expect((json.verification as Record<string, unknown>).cold).toHaveProperty('fresh worker: spawn until ready');
  });

  test('default: headline figures and charts', () => {
    const { report } = summarizeTee(benchmarks(), extras as Record<string, unknown>);
    const headline = Object.fromEntries(report.headline.map((h) => [h.key, h.value]));
    expect(headline).toEqual({
      regular_key_mean_ms: 0.25,
      tee_key_mean_ms: 1.1,
      tee_key_overhead_ms: expect.closeTo(0.85, 9),
      attestation_generation_mean_ms: 0.9,
      attestation_verification_mean_ms: 10,
      attestation_verification_cold_ms: 50,
    });
    expect(report.headline.find((h) => h.key === 'tee_key_overhead_ms')).toMatchObject({ format: { signed: true }, after: '(340.00%)' });
    const [keys, verification] = report.charts;
    expect(keys).toMatchObject({
      id: 'key-derivation',
      mark: 'bar',
      x: { values: ['regular key', 'TEE key (SDK)', 'SDK round trip', 'simulator key work', 'quote generation'] },
      series: [{ name: 'Median ms', values: [0.25, expect.closeTo(1.1, 9), 0.3, 0.5, 0.9] }],
    });
    expect(verification!.x.values).toHaveLength(4);
    expect(verification!.series.map((s) => [s.name, s.values[0]])).toEqual([
      ['Median ms', 10],
      ['p99 ms', expect.closeTo(10.98, 9)],
    ]);
  });

  test('behavior: a blocked event loop or a slow derivation fails; a missing sample is said', () => {
    const slow = benchmarks(false);
    slow.set(TEE_BENCH.teeKey, summarize([3, 3]));
    const blocked: TeeExtras = {
      ...extras,
      cold: {},
      event_loop: { ...extras.event_loop!, worker: { max_ms: 30, p99_ms: 30, mean_ms: 9, verifications: 20 } },
      sample_skipped: 'not found',
    };
    const { json, report } = summarizeTee(slow, blocked as Record<string, unknown>);
    const printed = reportText(report);
    expect(printed).toContain('[FAIL] key_derivation_overhead: +2.750 ms');
    expect(printed).toMatch(/\[FAIL\] warm_verification: 10\.000 ms .*p99 delay 30\.00 ms with the worker vs 9\.00 ms/);
    expect(printed).toContain('Intel sample quote SKIPPED: not found');
    expect(printed).not.toContain('Intel sample (pinned clock)');
    expect(json.targets).toMatchObject({ key_derivation_overhead: { met: false }, warm_verification: { met: false } });
    expect(headlineValue(report, 'attestation_verification_cold_ms')).toBeUndefined();
    expect(report.charts[1]!.x.values).toHaveLength(2);
  });

  test('behavior: options follow the seed (100 / 10), the environment, and --quick; the CLI flags set them', () => {
    expect(teeOptions({})).toMatchObject({ iterations: 100, verifyIterations: 10 });
    expect(teeOptions({ PBTS_QUICK: '1' })).toMatchObject({ iterations: 20, verifyIterations: 3 });
    expect(teeOptions({ PBTS_VERIFY_ITERATIONS: '50' }).verifyIterations).toBe(50);
    expect(experimentEnv('tee', ['--iterations', '50', '--verify-iterations', '2', '--output', 't.json', '--quick'])).toEqual({
      PBTS_ITERATIONS: '50',
      PBTS_VERIFY_ITERATIONS: '2',
      PBTS_OUTPUT: 't.json',
      PBTS_QUICK: '1',
    });
  });

  test('error: nothing measured gives an empty report with targets not measured, and a bad option throws', () => {
    const { json, report } = summarizeTee(new Map(), {});
    expect(json).toMatchObject({ tee_available: false, attestation_generation: null, attestation_verification: null, targets: {} });
    expect(report.targets.map((t) => t.pass)).toEqual([null, null]);
    expect(report.headline.every((h) => h.value === null)).toBe(true);
    expect(() => teeOptions({ PBTS_VERIFY_ITERATIONS: '0' })).toThrow(/PBTS_VERIFY_ITERATIONS must be a positive integer/);
  });
});
