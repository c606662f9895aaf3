/**
 * The receipts bench results in the reference schema (reference-spec 6.1), per backend, from the
 * bench names `receipts [<backend>] > <operation>` and `receipts [<backend>] > batch <b> > <operation>`,
 * plus the plain client's piece hash check (`receipts > piece hash check ...`).
 * @module
 */
import type { Summary } from '../../stats.ts';

/** Full name of the piece hash check: what a plain BitTorrent client pays for every piece. */
export const PIECE_HASH_BENCH = 'receipts > piece hash check (SHA-1, 256 KiB)';

/** The single-receipt operations: result key, bench name, printed title. */
export const SINGLE_OPS = [
  ['keypair_generation', 'keypair generation', 'Keypair Generation'],
  ['receipt_creation', 'receipt creation', 'Receipt Creation (Signing)'],
  ['receipt_verification', 'receipt verification', 'Receipt Verification'],
] as const;

/** Result key of a single-receipt operation. */
export type OpKey = (typeof SINGLE_OPS)[number][0];

/** Aggregate against one-by-one verification of one batch size. */
export interface AggregateVerification {
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

/** Reference-schema figures of one backend; batch results are keyed by size, ascending. */
export interface BackendResult {
  keypair_generation?: Summary;
  receipt_creation?: Summary;
  receipt_verification?: Summary;
  aggregate_creation: Record<string, Summary & { num_runs: number }>;
  aggregate_verification: Record<string, AggregateVerification>;
}

const BENCH_NAME = /^receipts \[(\w+)\] > (?:batch (\d+) > )?(.+)$/;

/** Every backend's results, in the order the benchmarks name them. */
export function byBackend(benchmarks: ReadonlyMap<string, Summary>): Map<string, BackendResult> {
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
      if (known) result[known[0]] = summary;
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

/** Median ratio of every operation between two backends (how many times slower `slow` is). */
export function ratios(fast: BackendResult, slow: BackendResult): Record<string, number> {
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
