import { describe, expect, test } from 'vitest';
import { flagsToEnv } from '../../cli/experiments.ts';
import { summarize } from '../stats.ts';
import { TEE_BENCH, type TeeExtras, summarizeTee, teeOptions } from './tee.ts';

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
  cold: { 'fresh worker: spawn until ready': [300, 340], 'simulator quote, first call in this process': [220] },
  event_loop: {
    in_process: { max_ms: 25, p99_ms: 24, mean_ms: 11, verifications: 20 },
    worker: { max_ms: 4, p99_ms: 3, mean_ms: 1.2, verifications: 20 },
  },
  outcomes: { a: { attempts: 10, successes: 10 }, b: { attempts: 5, successes: 5 } },
  not_measured: [{ what: 'real TDX quote generation', why: 'no TDX hardware' }],
};

describe('summarizeTee', () => {
  test("default: the seed's three sections, p95/p99, the reference JSON schema, targets and NOT MEASURED", () => {
    const { json, text } = summarizeTee(benchmarks(), extras as Record<string, unknown>);
    expect(text).toMatch(/1\. Key Generation Comparison:[\s\S]*Regular[\s\S]*TEE-Derived[\s\S]*Overhead: \+0\.850 ms \(340\.00%\)/);
    expect(text).toMatch(/2\. Attestation Generation \(SIMULATOR quote generation, NOT TDX hardware\)/);
    expect(text).toMatch(/3\. Attestation Verification[\s\S]*Intel sample \(pinned clock\)\s+worker, warm/);
    expect(text).toContain('p95 / p99');
    expect(text).toMatch(/Cold:[\s\S]*fresh worker: spawn until ready\s+320\.000/);
    expect(text).toMatch(/SDK key derivation overhead <= 1 ms: \+0\.850 ms, MET \(SDK \+ socket round trip alone: 0\.300 ms\)/);
    expect(text).toMatch(/Verification <= 15 ms warm without blocking the event loop: median 10\.000 ms .* MET/);
    expect(text).toContain('real TDX quote generation: NOT MEASURED (no TDX hardware)');
    expect(json).toMatchObject({
      tee_available: true,
      key_generation: { regular: { mean_ms: 0.25 }, tee: { mean_ms: 1.1, overhead_percent: expect.closeTo(340, 6) } },
      attestation_generation: { mean_ms: 0.9, source: 'simulator' },
      attestation_verification: { median_ms: 10, success_rate: 1, num_attempts: 15, num_successful: 15 },
      targets: { key_derivation_overhead: { met: true }, warm_verification: { met: true } },
    });
    expect((json.verification as Record<string, unknown>).cold).toHaveProperty('fresh worker: spawn until ready');
  });

  test('behavior: a blocked event loop or a slow derivation is NOT MET; a missing sample is said', () => {
    const slow = benchmarks(false);
    slow.set(TEE_BENCH.teeKey, summarize([3, 3]));
    const blocked: TeeExtras = { ...extras, event_loop: { ...extras.event_loop!, worker: { max_ms: 30, p99_ms: 30, mean_ms: 9, verifications: 20 } }, sample_skipped: 'not found' };
    const { json, text } = summarizeTee(slow, blocked as Record<string, unknown>);
    expect(text).toMatch(/SDK key derivation overhead <= 1 ms: \+2\.750 ms, NOT MET/);
    expect(text).toMatch(/without blocking the event loop: .* NOT MET/);
    expect(text).toContain('Intel sample quote SKIPPED: not found');
    expect(text).not.toContain('Intel sample (pinned clock)');
    expect(json.targets).toMatchObject({ warm_verification: { met: false } });
  });

  test('behavior: options follow the seed (100 / 10), the environment, and --quick; the CLI flags set them', () => {
    expect(teeOptions({})).toMatchObject({ iterations: 100, verifyIterations: 10 });
    expect(teeOptions({ PBTS_QUICK: '1' })).toMatchObject({ iterations: 20, verifyIterations: 3 });
    expect(teeOptions({ PBTS_VERIFY_ITERATIONS: '50' }).verifyIterations).toBe(50);
    expect(flagsToEnv('tee', ['--iterations', '50', '--verify-iterations', '2', '--output', 't.json', '--quick'])).toEqual({
      PBTS_ITERATIONS: '50',
      PBTS_VERIFY_ITERATIONS: '2',
      PBTS_OUTPUT: 't.json',
      PBTS_QUICK: '1',
    });
  });

  test('error: nothing measured gives an empty report, and a bad option throws', () => {
    const { json } = summarizeTee(new Map(), {});
    expect(json).toMatchObject({ tee_available: false, attestation_generation: null, attestation_verification: null });
    expect(() => teeOptions({ PBTS_VERIFY_ITERATIONS: '0' })).toThrow(/PBTS_VERIFY_ITERATIONS must be a positive integer/);
  });
});
