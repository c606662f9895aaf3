/**
 * The TEE experiment's headline figures (key derivation, its overhead, quote generation, warm
 * and cold verification) and its charts: where key derivation time goes, and warm verification
 * per case.
 * @module
 */
import type { Chart, Headline } from '../../report/model.ts';
import type { Summary } from '../../stats.ts';
import { COLD_WITH_FETCH, TEE_BENCH, type TeeExtras, WARM_CASES } from './records.ts';

const mean = (samples: number[] | undefined) => (samples && samples.length > 0 ? samples.reduce((a, b) => a + b, 0) / samples.length : null);

/** The named figures SUMMARY.txt and COMPARISON.txt print; `overheadMs` and `overheadPercent` are TEE-derived over regular. */
export function teeHeadline(
  benchmarks: ReadonlyMap<string, Summary>,
  extras: TeeExtras,
  overheadMs: number | undefined,
  overheadPercent: number | undefined,
): Headline[] {
  const meanOf = (name: string) => benchmarks.get(name)?.mean_ms ?? null;
  return [
    { key: 'regular_key_mean_ms', label: 'Regular Key Generation', value: meanOf(TEE_BENCH.regularKey), unit: 'ms', format: { digits: 4 }, after: '(mean)' },
    { key: 'tee_key_mean_ms', label: 'TEE Key Generation', value: meanOf(TEE_BENCH.teeKey), unit: 'ms', format: { digits: 4 }, after: '(mean)' },
    {
      key: 'tee_key_overhead_ms',
      label: 'TEE Overhead',
      value: overheadMs ?? null,
      unit: 'ms',
      format: { digits: 4, signed: true },
      ...(overheadPercent !== undefined && { after: `(${overheadPercent.toFixed(2)}%)` }),
    },
    {
      key: 'attestation_generation_mean_ms',
      label: 'Attestation Generation',
      value: meanOf(TEE_BENCH.quote),
      unit: 'ms',
      format: { digits: 2 },
      after: '(mean, simulator)',
    },
    {
      key: 'attestation_verification_mean_ms',
      label: 'Attestation Verification',
      value: meanOf(TEE_BENCH.simWorker),
      unit: 'ms',
      format: { digits: 2 },
      after: '(mean, warm, worker)',
    },
    {
      key: 'attestation_verification_cold_ms',
      label: 'Cold Verification',
      value: mean(extras.cold?.[COLD_WITH_FETCH]),
      unit: 'ms',
      format: { digits: 2 },
      after: '(mean, collateral fetch + verification)',
    },
  ];
}

/** Medians of the key derivation parts and quote generation; median and p99 of each warm verification case. */
export function teeCharts(benchmarks: ReadonlyMap<string, Summary>): Chart[] {
  const keyParts = [
    ['regular key', TEE_BENCH.regularKey],
    ['TEE key (SDK)', TEE_BENCH.teeKey],
    ['SDK round trip', TEE_BENCH.sdkRoundTrip],
    ['simulator key work', TEE_BENCH.simKeyWork],
    ['quote generation', TEE_BENCH.quote],
  ] as const;
  const warm = WARM_CASES.flatMap(([, name, quote, mode]) => {
    const s = benchmarks.get(name);
    return s ? [{ label: `${quote}, ${mode}`, s }] : [];
  });
  return [
    {
      id: 'key-derivation',
      title: 'Key derivation and quote generation (median)',
      mark: 'bar',
      x: { title: 'operation', values: keyParts.map(([label]) => label) },
      y: { title: 'ms', unit: 'ms' },
      series: [{ name: 'Median ms', values: keyParts.map(([, name]) => benchmarks.get(name)?.median_ms ?? null) }],
    },
    {
      id: 'verification',
      title: 'Warm attestation verification',
      mark: 'bar',
      x: { title: 'quote and mode', values: warm.map((w) => w.label) },
      y: { title: 'ms', unit: 'ms' },
      series: [
        { name: 'Median ms', values: warm.map((w) => w.s.median_ms) },
        { name: 'p99 ms', values: warm.map((w) => w.s.p99_ms) },
      ],
    },
  ];
}
