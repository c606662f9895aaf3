/**
 * The printed output of the tee experiment on fixed inputs, byte for byte: the files under
 * `__printed__/` were recorded from the summarizer before its sections became data, so a
 * renderer change that moves one character fails here.
 */
import { describe, expect, test } from 'vitest';
import { reportText } from '../../report/text.ts';
import { summarize } from '../../stats.ts';
import { TEE_BENCH, type TeeExtras } from './records.ts';
import { summarizeTee } from './report.ts';

const series = (base: number, n = 20) => Array.from({ length: n }, (_, i) => base * (1 + ((i * 7) % 11) / 50));

function teeBenchmarks() {
  const entries: Array<[string, number[]]> = [
    [TEE_BENCH.regularKey, series(0.24)],
    [TEE_BENCH.teeKey, series(0.98)],
    [TEE_BENCH.sdkRoundTrip, series(0.34)],
    [TEE_BENCH.simKeyWork, series(0.24)],
    [TEE_BENCH.quote, series(0.63)],
    [TEE_BENCH.simWorker, series(7.5, 10)],
    [TEE_BENCH.simInProcess, series(8.1, 10)],
    [TEE_BENCH.sampleWorker, series(9.1, 10)],
    [TEE_BENCH.sampleInProcess, series(8.0, 10)],
  ];
  return new Map(entries.map(([name, samples]) => [name, summarize(samples)]));
}

const teeExtras: TeeExtras = {
  config: { iterations: 100, verify_iterations: 10, warmup: 5, simulator_seed: 'seed', dcap_qvl: '0.3.9', dstack_sdk: '0.5.8' },
  cold: { 'fresh worker: spawn until ready': [300, 340], 'simulator quote, first call in this process': [220] },
  event_loop: {
    in_process: { max_ms: 25, p99_ms: 12.65, mean_ms: 11, verifications: 20 },
    worker: { max_ms: 4, p99_ms: 4.15, mean_ms: 1.2, verifications: 20 },
  },
  outcomes: { a: { attempts: 10, successes: 10 } },
  not_measured: [
    { what: 'Intel PCS / PCCS collateral round trips', why: 'no network here' },
    { what: 'real TDX quote generation', why: 'no TDX hardware' },
  ],
};

describe('printed output', () => {
  test('default: tee, every case with the Intel sample', async () => {
    await expect(reportText(summarizeTee(teeBenchmarks(), teeExtras as Record<string, unknown>).report)).toMatchFileSnapshot('__printed__/tee.txt');
  });
  test('behavior: tee without the sample, slow and blocking', async () => {
    const slow = new Map([...teeBenchmarks()].filter(([name]) => !name.includes('Intel sample')));
    slow.set(TEE_BENCH.teeKey, summarize([3, 3]));
    const extras: TeeExtras = { ...teeExtras, sample_skipped: 'not found', event_loop: { ...teeExtras.event_loop!, worker: { max_ms: 30, p99_ms: 30, mean_ms: 9, verifications: 20 } } };
    await expect(reportText(summarizeTee(slow, extras as Record<string, unknown>).report)).toMatchFileSnapshot('__printed__/tee-slow.txt');
  });
});
