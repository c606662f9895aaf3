/**
 * The on-chain results of a run, reference-shaped (reference spec 6.6): latency and gas of each
 * operation, the batches, gas per operation and the cost projection, from the benchmarks'
 * summaries (`onchain > <operation>`, `onchain > batch update <size>`) and the recorded extras.
 * The report and the result file's keys are both built from these.
 * @module
 */
import type { Summary } from '../../stats.ts';
import { type CostProjection, projectAnnualCost } from './cost.ts';
import {
  type OnchainConfig,
  type PhaseMedians,
  type TrackerMediated,
  readConfig,
  readGas,
  readPhaseMedians,
  readTracker,
} from './records.ts';

/** Latency and gas of one kind of transaction (reference-shaped, with p95/p99 and gas spread). */
export interface OperationResult extends Summary {
  avg_gas: number | null;
  min_gas: number | null;
  max_gas: number | null;
  phases_median: PhaseMedians | null;
}

/** Latency, throughput and gas of batched updates of one size. */
export interface BatchResult {
  batch_size: number;
  /** Mean time of one batched transaction, send to mined receipt. */
  total_ms: number;
  median_total_ms: number;
  p95_total_ms: number;
  p99_total_ms: number;
  avg_per_update_ms: number;
  throughput_updates_per_sec: number;
  /** Throughput from the median transaction time (what the target checks). */
  median_throughput_updates_per_sec: number;
  gas_per_tx: number | null;
  gas_per_entry: number | null;
  num_runs: number;
  phases_median: PhaseMedians | null;
}

/** Gas and latency of one contract call (the result file's `gas` entries). */
export interface GasOperation {
  operation: string;
  /** Mean gas used over `transactions` transactions (warm-up ones included: gas does not warm up). */
  gas_used: number | null;
  /** Mean latency of the timed transactions, send to mined receipt. */
  latency_ms: number | null;
  transactions: number;
}

/** The result file's `gas` key. */
export interface GasResults {
  create_reputation: GasOperation;
  add_user: GasOperation;
  update_user: GasOperation;
  migrate_user: GasOperation;
  batch_update_per_entry: {
    operation: string;
    gas_used: number | null;
    batch_size: number | null;
    marginal_gas_per_entry: number | null;
  };
  create_reputation_with_referrer?: { operation: string; gas_used: number };
}

/** Everything a run measured; absent where its benchmark or extra is. */
export interface OnchainResults {
  config?: OnchainConfig;
  tracker?: TrackerMediated;
  gasPriceGwei: number;
  ethUsd: number;
  registration?: OperationResult;
  update?: OperationResult;
  create?: OperationResult;
  migrate?: OperationResult;
  /** One credit committed to the tracker's SQLite store: the plain write an on-chain update replaces. */
  storeWrite?: Summary;
  /** By ascending size. */
  batches: BatchResult[];
  gas: GasResults;
  /** The largest batch with gas recorded: its gas per entry is what the projection charges. */
  projectionBatch?: BatchResult;
  /** The smallest batch with gas recorded, the other end of the marginal gas figure. */
  firstBatch?: BatchResult;
  /** Gas per entry between the first and the projection batch, base cost excluded. */
  marginal: number | null;
  /** Mean gas of a single-update transaction. */
  unbatchedGas: number | null;
  projections: CostProjection[];
}

const BENCH_NAME = /^onchain > (?:batch update (\d+)|(.+))$/;

const mean = (values: readonly number[]) => values.reduce((sum, x) => sum + x, 0) / values.length;

function gasStats(values: readonly number[]) {
  if (values.length === 0) return { avg_gas: null, min_gas: null, max_gas: null };
  return { avg_gas: mean(values), min_gas: Math.min(...values), max_gas: Math.max(...values) };
}

function batchResult(size: number, s: Summary, gasPerTxs: readonly number[], phases: PhaseMedians | null): BatchResult {
  const gasPerTx = gasPerTxs.length > 0 ? mean(gasPerTxs) : null;
  return {
    batch_size: size,
    total_ms: s.mean_ms,
    median_total_ms: s.median_ms,
    p95_total_ms: s.p95_ms,
    p99_total_ms: s.p99_ms,
    avg_per_update_ms: s.mean_ms / size,
    throughput_updates_per_sec: (size * 1000) / s.mean_ms,
    median_throughput_updates_per_sec: (size * 1000) / s.median_ms,
    gas_per_tx: gasPerTx,
    gas_per_entry: gasPerTx === null ? null : gasPerTx / size,
    num_runs: s.samples,
    phases_median: phases,
  };
}

/** The results of a run from its benchmarks' summaries (by full bench name) and its extras. */
export function onchainResults(benchmarks: ReadonlyMap<string, Summary>, extras: Record<string, unknown>): OnchainResults {
  const gas = readGas(extras.gas);
  const config = readConfig(extras.config);
  const phases = readPhaseMedians(extras.phases);
  const ops = new Map<string, Summary>();
  const batchSummaries = new Map<number, Summary>();
  for (const [name, summary] of benchmarks) {
    const match = BENCH_NAME.exec(name);
    if (!match) continue;
    if (match[1] !== undefined) batchSummaries.set(Number(match[1]), summary);
    else if (match[2] !== undefined) ops.set(match[2], summary);
  }

  const operation = (bench: string, gasUsed: readonly number[]): OperationResult | undefined => {
    const summary = ops.get(bench);
    return summary && { ...summary, ...gasStats(gasUsed), phases_median: phases.get(bench) ?? null };
  };
  const registration = operation('user registration', gas.registration);
  const update = operation('reputation update', gas.update);
  const create = operation('create reputation', gas.create_reputation);
  const migrate = operation('migrate user', gas.migrate);
  const batches = [...batchSummaries.entries()]
    .sort(([a], [b]) => a - b)
    .map(([size, s]) => batchResult(size, s, gas.batch[String(size)] ?? [], phases.get(`batch update ${size}`) ?? null));

  // Projection: the largest batch's gas per entry (what a tracker committing in batches pays per
  // update), and a single-update transaction's gas for comparison.
  const projectionBatch = [...batches].reverse().find((b) => b.gas_per_entry !== null);
  const firstBatch = batches.find((b) => b.gas_per_tx !== null);
  const unbatchedGas = update?.avg_gas ?? null;
  const gasPriceGwei = typeof config?.gas_price_gwei === 'number' ? config.gas_price_gwei : 30;
  const ethUsd = typeof config?.eth_usd === 'number' ? config.eth_usd : 3000;
  const projections =
    projectionBatch?.gas_per_entry != null ? projectAnnualCost(projectionBatch.gas_per_entry, unbatchedGas, gasPriceGwei, ethUsd) : [];
  const marginal =
    firstBatch && projectionBatch && projectionBatch.batch_size > firstBatch.batch_size
      ? (projectionBatch.gas_per_tx! - firstBatch.gas_per_tx!) / (projectionBatch.batch_size - firstBatch.batch_size)
      : null;

  const gasOp = (name: string, result: OperationResult | undefined, gasUsed: readonly number[]): GasOperation => ({
    operation: name,
    gas_used: gasUsed.length > 0 ? mean(gasUsed) : null,
    latency_ms: result?.mean_ms ?? null,
    transactions: gasUsed.length,
  });
  return {
    config,
    tracker: readTracker(extras.tracker),
    gasPriceGwei,
    ethUsd,
    registration,
    update,
    create,
    migrate,
    storeWrite: ops.get('store write'),
    batches,
    gas: {
      create_reputation: gasOp('ReputationFactory.createReputation', create, gas.create_reputation),
      add_user: gasOp('Reputation.applyBatch (1 registration)', registration, gas.registration),
      update_user: gasOp('Reputation.applyBatch (1 update)', update, gas.update),
      migrate_user: gasOp('Reputation.migrateUser', migrate, gas.migrate),
      batch_update_per_entry: {
        operation: `Reputation.applyBatch (${projectionBatch?.batch_size ?? '-'} updates) / entries`,
        gas_used: projectionBatch?.gas_per_entry ?? null,
        batch_size: projectionBatch?.batch_size ?? null,
        marginal_gas_per_entry: marginal,
      },
      ...(gas.create_successor !== undefined && {
        create_reputation_with_referrer: {
          operation: 'ReputationFactory.createReputation (referrer set)',
          gas_used: gas.create_successor,
        },
      }),
    },
    projectionBatch,
    firstBatch,
    marginal,
    unbatchedGas,
    projections,
  };
}
