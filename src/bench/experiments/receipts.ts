/**
 * Turns the receipts bench results into the seed's printed sections and the reference JSON
 * schema (reference-spec 6.1), per backend, with p95/p99 and sample counts added. Bench names:
 * `receipts [<backend>] > <operation>` and `receipts [<backend>] > batch <b> > <operation>`.
 * @module
 */
import type { Summary } from '../stats.ts';
import { indent, ms, table } from '../table.ts';
import type { ExperimentReport } from './types.ts';

const SINGLE_OPS = [
  ['keypair_generation', 'keypair generation', 'Keypair Generation'],
  ['receipt_creation', 'receipt creation', 'Receipt Creation (Signing)'],
  ['receipt_verification', 'receipt verification', 'Receipt Verification'],
] as const;

type OpKey = (typeof SINGLE_OPS)[number][0];

/** Reference-schema figures of one backend. */
interface BackendResult {
  keypair_generation?: Summary;
  receipt_creation?: Summary;
  receipt_verification?: Summary;
  aggregate_creation: Record<string, Summary & { num_runs: number }>;
  aggregate_verification: Record<string, AggregateVerification>;
}

interface AggregateVerification {
  aggregate_mean_ms: number;
  aggregate_median_ms: number;
  aggregate_stdev_ms: number;
  aggregate_p95_ms: number;
  aggregate_p99_ms: number;
  individual_mean_ms: number;
  individual_median_ms: number;
  individual_stdev_ms: number;
  /** Individual mean over aggregate mean, as the reference defines it. */
  speedup: number;
  num_runs: number;
}

const BENCH_NAME = /^receipts \[(\w+)\] > (?:batch (\d+) > )?(.+)$/;

function byBackend(benchmarks: ReadonlyMap<string, Summary>): Map<string, BackendResult> {
  const backends = new Map<string, BackendResult>();
  const batchOps = new Map<string, Map<number, Map<string, Summary>>>();
  for (const [name, summary] of benchmarks) {
    const match = BENCH_NAME.exec(name);
    if (!match) continue;
    const [, backend, batch, op] = match as unknown as [string, string, string | undefined, string];
    if (!backends.has(backend)) {
      backends.set(backend, { aggregate_creation: {}, aggregate_verification: {} });
      batchOps.set(backend, new Map());
    }
    const result = backends.get(backend)!;
    if (batch === undefined) {
      const known = SINGLE_OPS.find(([, benchName]) => benchName === op);
      if (known) result[known[0] as OpKey] = summary;
      continue;
    }
    const sizes = batchOps.get(backend)!;
    const size = Number(batch);
    if (!sizes.has(size)) sizes.set(size, new Map());
    sizes.get(size)!.set(op, summary);
  }
  for (const [backend, sizes] of batchOps) {
    const result = backends.get(backend)!;
    for (const size of [...sizes.keys()].sort((a, b) => a - b)) {
      const ops = sizes.get(size)!;
      const creation = ops.get('aggregate creation');
      if (creation) result.aggregate_creation[String(size)] = { ...creation, num_runs: creation.samples };
      const aggregate = ops.get('aggregate verification');
      const individual = ops.get('individual verification');
      if (aggregate && individual) {
        result.aggregate_verification[String(size)] = {
          aggregate_mean_ms: aggregate.mean_ms,
          aggregate_median_ms: aggregate.median_ms,
          aggregate_stdev_ms: aggregate.stdev_ms,
          aggregate_p95_ms: aggregate.p95_ms,
          aggregate_p99_ms: aggregate.p99_ms,
          individual_mean_ms: individual.mean_ms,
          individual_median_ms: individual.median_ms,
          individual_stdev_ms: individual.stdev_ms,
          speedup: individual.mean_ms / aggregate.mean_ms,
          num_runs: aggregate.samples,
        };
      }
    }
  }
  return backends;
}

function printBackend(name: string, result: BackendResult): string {
  const lines = [`RESULTS SUMMARY [${name}]`, '='.repeat(60)];
  SINGLE_OPS.forEach(([key, , title], i) => {
    const s = result[key];
    if (!s) return;
    lines.push(
      `${i + 1}. ${title}:`,
      `   Mean: ${ms(s.mean_ms)} ms`,
      `   Median: ${ms(s.median_ms)} ms`,
      `   Std Dev: ${ms(s.stdev_ms)} ms`,
      `   Range: ${ms(s.min_ms)} - ${ms(s.max_ms)} ms`,
      `   p95 / p99: ${ms(s.p95_ms)} / ${ms(s.p99_ms)} ms (${s.samples} samples)`,
      '',
    );
  });
  const creation = Object.entries(result.aggregate_creation);
  if (creation.length > 0) {
    lines.push('4. Aggregate Signature Creation:');
    lines.push(
      indent(
        table(
          [
            { header: 'Batch Size', width: 12 },
            { header: 'Mean (ms)', width: 15 },
            { header: 'Median (ms)', width: 15 },
          ],
          creation.map(([size, s]) => [size, ms(s.mean_ms), ms(s.median_ms)]),
        ),
      ),
      '',
    );
  }
  const verification = Object.entries(result.aggregate_verification);
  if (verification.length > 0) {
    lines.push('5. Aggregate Signature Verification:');
    lines.push(
      indent(
        table(
          [
            { header: 'Batch Size', width: 12 },
            { header: 'Aggregate (ms)', width: 15 },
            { header: 'Individual (ms)', width: 16 },
            { header: 'Speedup', width: 10 },
          ],
          verification.map(([size, v]) => [
            size,
            ms(v.aggregate_mean_ms),
            ms(v.individual_mean_ms),
            `${v.speedup.toFixed(2)}x`,
          ]),
        ),
      ),
      '',
    );
  }
  lines.push('INTERPRETATION');
  if (result.receipt_creation) {
    lines.push(`   Creating a receipt costs ${ms(result.receipt_creation.median_ms)} ms (median).`);
  }
  if (result.receipt_verification) {
    lines.push(`   Verifying a receipt costs ${ms(result.receipt_verification.median_ms)} ms (median).`);
  }
  const largest = verification.at(-1);
  if (largest) {
    const [size, v] = largest;
    lines.push(
      `   For ${size} receipts: aggregate ${ms(v.aggregate_mean_ms / Number(size))} ms per receipt ` +
        `vs individual ${ms(v.individual_mean_ms / Number(size))} ms per receipt (${v.speedup.toFixed(2)}x).`,
    );
  }
  return lines.join('\n');
}

/** Median ratio of every operation between two backends (how many times slower `slow` is). */
function ratios(fast: BackendResult, slow: BackendResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key] of SINGLE_OPS) {
    const [a, b] = [fast[key], slow[key]];
    if (a && b) out[key] = b.median_ms / a.median_ms;
  }
  for (const [size, v] of Object.entries(fast.aggregate_verification)) {
    const w = slow.aggregate_verification[size];
    if (w) out[`aggregate_verification_${size}`] = w.aggregate_median_ms / v.aggregate_median_ms;
  }
  return out;
}

/** The receipts experiment's report; the top-level schema is the default backend's (blst). */
export function summarizeReceipts(benchmarks: ReadonlyMap<string, Summary>): ExperimentReport {
  const backends = byBackend(benchmarks);
  const primaryName = backends.has('blst') ? 'blst' : [...backends.keys()][0];
  const primary = primaryName === undefined ? undefined : backends.get(primaryName);
  const sections = [...backends].map(([name, result]) => printBackend(name, result));
  const json: Record<string, unknown> = { backend: primaryName ?? null, ...primary, backends: Object.fromEntries(backends) };
  const noble = backends.get('noble');
  const blst = backends.get('blst');
  if (noble && blst) {
    const comparison = ratios(blst, noble);
    json.noble_vs_blst = comparison;
    sections.push(
      'BACKEND COMPARISON (median noble / median blst)',
      indent(
        table(
          [
            { header: 'Operation', width: 30 },
            { header: 'noble/blst', width: 12, align: 'right' },
          ],
          Object.entries(comparison).map(([op, ratio]) => [op, `${ratio.toFixed(1)}x`]),
        ),
      ),
    );
  }
  return { json, text: sections.join('\n\n') };
}

