/**
 * The TEE experiment's summary: the reference-schema result keys (reference-spec 6.2) plus the
 * rest, and its report: the seed's three sections with p95/p99, the cold and event-loop figures,
 * the targets, and what cannot be measured here, said as NOT MEASURED.
 * @module
 */
import { type Block, type Column, type ExperimentReport, type FigureLine, type NumberFormat, type Section, formatNumber, text } from '../../report/model.ts';
import { type Summary, summarize } from '../../stats.ts';
import { teeCharts, teeHeadline } from './headline.ts';
import { TEE_BENCH, type TeeExtras, WARM_CASES } from './records.ts';
import { checkTargets } from './targets.ts';

const MS4: NumberFormat = { digits: 4 };
const MS3: NumberFormat = { digits: 3 };
const MS2: NumberFormat = { digits: 2 };
const COUNT: NumberFormat = { digits: 0 };
const column = (header: string, width: number, format: NumberFormat, unit = 'ms'): Column => ({ header, unit, width, align: 'right', format });

function stats(summary: Summary) {
  const { mean_ms, median_ms, stdev_ms, min_ms, max_ms, p95_ms, p99_ms, samples } = summary;
  return { mean_ms, median_ms, stdev_ms, min_ms, max_ms, p95_ms, p99_ms, samples };
}

function coldSummary(samples: number[]) {
  const { mean_ms, median_ms, min_ms, max_ms } = summarize(samples);
  return { mean_ms, median_ms, min_ms, max_ms, runs: samples.length };
}

/** Mean, median, p95/p99 of a series, `indent` first. */
function seriesBlocks(s: Summary, indent: string): Block[] {
  return [
    {
      kind: 'figures',
      indent,
      items: [
        { label: 'Mean', value: s.mean_ms, unit: 'ms', format: MS4 },
        { label: 'Median', value: s.median_ms, unit: 'ms', format: MS4 },
      ],
    },
    text(`${indent}p95 / p99: ${formatNumber(s.p95_ms, MS4)} / ${formatNumber(s.p99_ms, MS4)} ms (${s.samples} samples)`),
  ];
}

/** The TEE experiment's summary. */
export function summarizeTee(benchmarks: ReadonlyMap<string, Summary>, rawExtras: Record<string, unknown>): ExperimentReport {
  const extras = rawExtras as TeeExtras;
  const get = (name: string) => benchmarks.get(name);
  const regular = get(TEE_BENCH.regularKey);
  const tee = get(TEE_BENCH.teeKey);
  const quote = get(TEE_BENCH.quote);
  const roundTrip = get(TEE_BENCH.sdkRoundTrip);
  const simWork = get(TEE_BENCH.simKeyWork);
  const primary = get(TEE_BENCH.simWorker);
  const json: Record<string, unknown> = { tee_available: tee !== undefined, tee_mode: 'simulator' };

  const keyBlocks: Block[] = [];
  const keyGeneration: Record<string, unknown> = { regular: regular ? stats(regular) : null, tee: null };
  if (regular) keyBlocks.push(text('   Regular (Non-TEE, @noble/curves secp256k1 key generated locally):'), ...seriesBlocks(regular, '     '));
  const overheadMs = tee && regular ? tee.mean_ms - regular.mean_ms : undefined;
  const overheadPercent = tee && regular ? (tee.mean_ms / regular.mean_ms - 1) * 100 : undefined;
  if (tee) {
    if (regular) keyBlocks.push(text(''));
    keyBlocks.push(text("   TEE-Derived (dstack GetKey through @phala/dstack-sdk over the simulator's unix socket):"), ...seriesBlocks(tee, '     '));
    keyGeneration.tee = stats(tee);
    if (overheadMs !== undefined && overheadPercent !== undefined) {
      keyBlocks.push({
        kind: 'figures',
        indent: '     ',
        items: [{ label: 'Overhead', value: overheadMs, unit: 'ms', format: { digits: 3, signed: true }, after: `(${overheadPercent.toFixed(2)}%)` }],
      });
      keyGeneration.tee = { ...stats(tee), overhead_vs_regular_ms: overheadMs, overhead_percent: overheadPercent };
    }
    if (roundTrip || simWork) {
      const parts: FigureLine[] = [];
      if (roundTrip) parts.push({ label: 'SDK client + socket round trip (Version RPC)', value: roundTrip.median_ms, unit: 'ms', format: MS4 });
      if (simWork) {
        const label = 'simulator-side derivation and chain signature (HKDF + libsecp256k1, no transport)';
        parts.push({ label, value: simWork.median_ms, unit: 'ms', format: MS4 });
      }
      keyBlocks.push(text('     Of which (medians):'), { kind: 'figures', indent: '       ', items: parts });
      keyGeneration.breakdown = { sdk_round_trip: roundTrip ? stats(roundTrip) : null, simulator_key_work: simWork ? stats(simWork) : null };
    }
  }
  json.key_generation = keyGeneration;
  const sections: Section[] = [
    { title: '1. Key Generation Comparison:', heading: 'line', blocks: keyBlocks.length > 0 ? [text(''), ...keyBlocks] : [] },
    {
      title: '2. Attestation Generation (SIMULATOR quote generation, NOT TDX hardware):',
      heading: 'line',
      blocks: quote
        ? [
            ...seriesBlocks(quote, '   '),
            text(
              '   NOTE: the embedded simulator builds and signs a TDX v4 quote in JavaScript; real TDX quote',
              '         generation (TDX module, QGS, Quoting Enclave) is not measured here.',
            ),
          ]
        : [text('   (not run)')],
    },
  ];
  json.attestation_generation = quote ? { ...stats(quote), total_ms: quote.total_ms, source: 'simulator' } : null;

  const verificationBlocks: Block[] = [];
  const verification: Record<string, unknown> = {};
  const rows = WARM_CASES.flatMap(([key, name, quoteLabel, mode]) => {
    const s = get(name);
    if (!s) return [];
    verification[key] = stats(s);
    return [[quoteLabel, mode, s.mean_ms, s.median_ms, s.p95_ms, s.p99_ms, s.samples]];
  });
  if (rows.length > 0) {
    verificationBlocks.push({
      kind: 'table',
      id: 'verification',
      indent: '   ',
      columns: [
        { header: 'Quote', width: 28 },
        { header: 'Mode', width: 17 },
        column('Mean (ms)', 10, MS3),
        column('Median', 9, MS3),
        column('p95', 9, MS3),
        column('p99', 9, MS3),
        column('n', 4, COUNT, 'samples'),
      ],
      rows,
    });
  }
  const cold = Object.fromEntries(
    Object.entries(extras.cold ?? {})
      .filter(([, samples]) => samples.length > 0)
      .map(([label, samples]) => [label, coldSummary(samples)]),
  );
  if (Object.keys(cold).length > 0) {
    verification.cold = cold;
    verificationBlocks.push(text('', '   Cold:'), {
      kind: 'table',
      id: 'cold',
      indent: '     ',
      columns: [
        { header: 'What', width: 56 },
        column('Mean (ms)', 10, MS3),
        column('Median', 9, MS3),
        column('Min', 9, MS3),
        column('Max', 9, MS3),
        column('Runs', 4, COUNT, 'runs'),
      ],
      rows: Object.entries(cold).map(([label, c]) => [label, c.mean_ms, c.median_ms, c.min_ms, c.max_ms, c.runs]),
    });
  }
  if (extras.sample_skipped) verificationBlocks.push(text(`   Intel sample quote SKIPPED: ${extras.sample_skipped}`));
  const outcomes = Object.values(extras.outcomes ?? {});
  const attempts = outcomes.reduce((sum, o) => sum + o.attempts, 0);
  const successes = outcomes.reduce((sum, o) => sum + o.successes, 0);
  json.attestation_verification = primary
    ? { ...stats(primary), success_rate: attempts === 0 ? null : successes / attempts, num_attempts: attempts, num_successful: successes }
    : null;
  json.verification = verification;

  const loop = extras.event_loop;
  if (loop) {
    verificationBlocks.push(text('', '   Event loop while verifications run back to back (monitorEventLoopDelay):'), {
      kind: 'table',
      id: 'event-loop',
      indent: '     ',
      columns: [
        { header: 'Where', width: 12 },
        column('Max delay (ms)', 15, MS2),
        column('p99 (ms)', 9, MS2),
        column('Mean (ms)', 10, MS2),
        column('Verifications', 14, COUNT, 'verifications'),
      ],
      rows: ([['in-process', loop.in_process], ['worker', loop.worker]] as const).map(([where, d]) => [where, d.max_ms, d.p99_ms, d.mean_ms, d.verifications]),
    });
    json.event_loop = loop;
  }
  sections.push({ title: '3. Attestation Verification (dcap-qvl 0.3.9, offline, collateral cached):', heading: 'line', blocks: verificationBlocks });

  const targets = checkTargets({ overheadMs, roundTrip, worker: primary, inProcess: get(TEE_BENCH.simInProcess), loop });
  sections.push({ title: 'TARGETS', heading: 'line', blocks: [{ kind: 'targets', checks: targets.checks }] });
  json.targets = targets.json;

  const notMeasured = extras.not_measured ?? [];
  if (notMeasured.length > 0) {
    sections.push({ title: 'NOT MEASURED', heading: 'line', blocks: [text(...notMeasured.map(({ what, why }) => `   ${what}: NOT MEASURED (${why})`))] });
  }
  json.not_measured = notMeasured;
  if (extras.config) json.config = extras.config;
  return {
    json,
    report: {
      sections,
      headline: teeHeadline(benchmarks, extras, overheadMs, overheadPercent),
      targets: targets.checks,
      charts: teeCharts(benchmarks),
      separator: '\n\n',
    },
  };
}
