/**
 * The on-chain experiment (seed README section 3, with the reference's gas experiment, reference
 * spec 6.6): its options, the figures `bench/onchain.bench.ts` records (gas used per transaction,
 * the chain it ran on, whether a tracker was measured), and the summary built from them: the
 * seed's three tables, gas per operation, the annual cost projection and the targets.
 * Bench names: `onchain > <operation>` and `onchain > batch update <size>`.
 * @module
 */
import { envInt, isQuick } from '../options.ts';
import { type Summary, summarize } from '../stats.ts';
import { type Column, indent, ms, table } from '../table.ts';
import type { ExperimentReport } from './types.ts';
import { loopbackUrl } from '../loopback.ts';
import { type TargetCheck, targetCheck, targetLine } from '../targets.ts';

/** Updates per batched transaction measured in every run (the seed's sizes). */
export const BATCH_SIZES: readonly number[] = [10, 50, 100];

/** Upload credit of a newly registered user: the tracker's default (1 GiB), never zero (see README). */
export const INITIAL_CREDIT = 1n << 30n;

/** Options of the on-chain experiment (`pbts experiments onchain --flag` sets the same variables). */
export interface OnchainOptions {
  /** Users registered one per transaction (`PBTS_USERS`; default 100, quick 10). */
  users: number;
  /** Single-update transactions (`PBTS_UPDATES`; default 100, quick 10); also sizes the batch runs. */
  updates: number;
  /** A running tracker to measure through (`PBTS_TRACKER_URL`, loopback only); none by default. */
  trackerUrl: string | undefined;
  /** Use the chain at `rpcUrl` and `factory` instead of the fixture's Anvil (`PBTS_NO_AUTO_START=1`). */
  noAutoStart: boolean;
  /** JSON-RPC URL of that chain (`PBTS_RPC_URL`, loopback only). */
  rpcUrl: string | undefined;
  /** ReputationFactory already deployed there (`PBTS_FACTORY`). */
  factory: `0x${string}` | undefined;
  /** Gas price of the cost projection in gwei (`PBTS_GAS_PRICE_GWEI`; default 30, as the reference). */
  gasPriceGwei: number;
  /** ETH price of the cost projection in USD (`PBTS_ETH_USD`; default 3000, as the reference). */
  ethUsd: number;
  /** Transactions of each batch size: enough to total `updates` updates, at least 10 (quick 3). */
  batchRuns: Record<number, number>;
  /** Reputation contracts created through the factory, timed. */
  createRuns: number;
  /** Users migrated to a successor contract, timed. */
  migrateRuns: number;
  /** Untimed transactions before each timed series. */
  warmup: number;
}

/** A positive finite number from the environment, else `fallback`; throws on garbage. */
export function envPositive(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

/** On-chain options from the environment; `PBTS_QUICK` shrinks the defaults to a smoke run. */
export function onchainOptions(env: NodeJS.ProcessEnv = process.env): OnchainOptions {
  const quick = isQuick(env);
  const noAutoStart = env.PBTS_NO_AUTO_START === '1' || env.PBTS_NO_AUTO_START === 'true';
  const rawRpc = env.PBTS_RPC_URL?.trim() || undefined;
  const rawFactory = env.PBTS_FACTORY?.trim() || undefined;
  if (noAutoStart && (rawRpc === undefined || rawFactory === undefined)) {
    throw new Error('PBTS_NO_AUTO_START=1 (--no-auto-start) needs PBTS_RPC_URL (--rpc-url) and PBTS_FACTORY (--factory)');
  }
  if (!noAutoStart && (rawRpc !== undefined || rawFactory !== undefined)) {
    throw new Error('PBTS_RPC_URL and PBTS_FACTORY are used only with PBTS_NO_AUTO_START=1 (--no-auto-start)');
  }
  if (rawFactory !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(rawFactory)) {
    throw new Error(`PBTS_FACTORY must be a 20-byte hex address, got "${rawFactory}"`);
  }
  const rawTracker = env.PBTS_TRACKER_URL?.trim() || undefined;
  const updates = envInt('PBTS_UPDATES', quick ? 10 : 100, env);
  const minimumRuns = quick ? 3 : 10;
  return {
    users: envInt('PBTS_USERS', quick ? 10 : 100, env),
    updates,
    trackerUrl: rawTracker === undefined ? undefined : loopbackUrl(rawTracker, 'PBTS_TRACKER_URL'),
    noAutoStart,
    rpcUrl: rawRpc === undefined ? undefined : loopbackUrl(rawRpc, 'PBTS_RPC_URL'),
    factory: rawFactory as `0x${string}` | undefined,
    gasPriceGwei: envPositive('PBTS_GAS_PRICE_GWEI', 30, env),
    ethUsd: envPositive('PBTS_ETH_USD', 3000, env),
    batchRuns: Object.fromEntries(BATCH_SIZES.map((size) => [size, Math.max(minimumRuns, Math.floor(updates / size))])),
    createRuns: quick ? 2 : 10,
    migrateRuns: quick ? 3 : 20,
    warmup: quick ? 1 : 3,
  };
}

/** The chain and settings of a run (recorded by the bench file as the `config` extra). */
export interface OnchainConfig {
  users: number;
  updates: number;
  batch_sizes: number[];
  gas_price_gwei: number;
  eth_usd: number;
  /** Initial upload credit of every registered user, in bytes (decimal string). */
  initial_credit: string;
  chain: {
    rpc_url: string;
    /** True when the fixture started this Anvil; false for `--no-auto-start`. */
    auto_started: boolean;
    chain_id: number;
    client_version: string | null;
    /** Anvil's automine setting; null when the node does not say. */
    automine: boolean | null;
  };
  factory: string;
  reputation: string;
  account: string;
}

/** Gas used by every transaction of the run (the `gas` extra), by operation. */
export interface OnchainGas {
  /** createReputation without a referrer, one per transaction. */
  create_reputation: number[];
  /** createReputation of the successor contract, which refers to the first. */
  create_successor?: number;
  /** applyBatch with one registration. */
  registration: number[];
  /** applyBatch with one update. */
  update: number[];
  /** applyBatch with `size` updates, keyed by size. */
  batch: Record<string, number[]>;
  /** migrateUser on the successor. */
  migrate: number[];
}

/** Phases of a timed transaction, as the `Transactor` times them (see `TransactionPhases`). */
export const PHASES = ['prepare', 'sign', 'send', 'receipt'] as const;

/** Phase times (ms) of each timed series' transactions (the `phases` extra), by benchmark name. */
export type OnchainPhases = Record<string, Record<(typeof PHASES)[number], number[]>>;

/** Whether figures through a running tracker's HTTP API were measured (the `tracker` extra). */
export interface TrackerMediated {
  tracker_url: string | null;
  measured: boolean;
  /** Whether the tracker answered `GET /health`; null when no tracker was given. */
  reachable: boolean | null;
  /** The tracker's `GET /chain/status` answer, when it has chain routes. */
  chain_status: unknown;
  reason: string;
}

/** Reference projection frequencies: updates per user per year. */
export const FREQUENCIES: readonly { frequency: string; perYear: number }[] = [
  { frequency: 'per-transfer (10/day)', perYear: 3650 },
  { frequency: 'hourly', perYear: 8760 },
  { frequency: 'daily', perYear: 365 },
  { frequency: 'weekly', perYear: 52 },
];

/** Reference projection user counts. */
export const PROJECTION_USERS: readonly number[] = [100, 1_000, 10_000];

/** One row of the annual cost projection (reference keys, plus the unbatched figures). */
export interface CostProjection {
  frequency: string;
  users: number;
  updates_per_year: number;
  gas_per_update: number;
  total_gas: number;
  estimated_eth: number;
  estimated_usd: number;
  unbatched_gas_per_update: number | null;
  unbatched_total_gas: number | null;
  unbatched_estimated_eth: number | null;
  unbatched_estimated_usd: number | null;
}

/** The annual cost of committing every update at `gasPerUpdate` (batched) and `unbatched` gas. */
export function projectAnnualCost(
  gasPerUpdate: number,
  unbatched: number | null,
  gasPriceGwei: number,
  ethUsd: number,
): CostProjection[] {
  const ethPerGas = gasPriceGwei * 1e-9;
  const rows: CostProjection[] = [];
  for (const { frequency, perYear } of FREQUENCIES) {
    for (const users of PROJECTION_USERS) {
      const updates = perYear * users;
      const totalGas = updates * gasPerUpdate;
      const unbatchedGas = unbatched === null ? null : updates * unbatched;
      rows.push({
        frequency,
        users,
        updates_per_year: updates,
        gas_per_update: gasPerUpdate,
        total_gas: totalGas,
        estimated_eth: totalGas * ethPerGas,
        estimated_usd: totalGas * ethPerGas * ethUsd,
        unbatched_gas_per_update: unbatched,
        unbatched_total_gas: unbatchedGas,
        unbatched_estimated_eth: unbatchedGas === null ? null : unbatchedGas * ethPerGas,
        unbatched_estimated_usd: unbatchedGas === null ? null : unbatchedGas * ethPerGas * ethUsd,
      });
    }
  }
  return rows;
}

/** A pass/fail line; `pass` is null when the run did not measure it. */
/** Median time (ms) of each phase of a transaction (see {@link PHASES}). */
interface PhaseMedians {
  prepare_ms: number;
  sign_ms: number;
  send_ms: number;
  receipt_ms: number;
}

/** Latency and gas of one kind of transaction (reference-shaped, with p95/p99 and gas spread). */
interface OperationResult extends Summary {
  avg_gas: number | null;
  min_gas: number | null;
  max_gas: number | null;
  phases_median: PhaseMedians | null;
}

interface BatchResult {
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

interface GasOperation {
  operation: string;
  /** Mean gas used over `transactions` transactions (warm-up ones included: gas does not warm up). */
  gas_used: number | null;
  /** Mean latency of the timed transactions, send to mined receipt. */
  latency_ms: number | null;
  transactions: number;
}

const mean = (values: readonly number[]) => values.reduce((sum, x) => sum + x, 0) / values.length;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Finite numbers of a recorded list (extras are read back from a file). */
function numbers(value: unknown): number[] {
  return Array.isArray(value) ? value.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)) : [];
}

function readGas(value: unknown): OnchainGas {
  const gas = isObject(value) ? value : {};
  const batch = isObject(gas.batch) ? gas.batch : {};
  return {
    create_reputation: numbers(gas.create_reputation),
    ...(typeof gas.create_successor === 'number' && { create_successor: gas.create_successor }),
    registration: numbers(gas.registration),
    update: numbers(gas.update),
    batch: Object.fromEntries(Object.entries(batch).map(([size, list]) => [size, numbers(list)])),
    migrate: numbers(gas.migrate),
  };
}

/** Median of each phase per benchmark name, for the series that recorded any. */
function phaseMedians(value: unknown): Map<string, PhaseMedians> {
  const out = new Map<string, PhaseMedians>();
  if (!isObject(value)) return out;
  for (const [name, series] of Object.entries(value)) {
    if (!isObject(series)) continue;
    const lists = PHASES.map((phase) => numbers(series[phase]));
    if (lists.some((list) => list.length === 0)) continue;
    const [prepare, sign, send, receipt] = lists.map((list) => summarize(list).median_ms) as [number, number, number, number];
    out.set(name, { prepare_ms: prepare, sign_ms: sign, send_ms: send, receipt_ms: receipt });
  }
  return out;
}

function gasStats(values: readonly number[]) {
  if (values.length === 0) return { avg_gas: null, min_gas: null, max_gas: null };
  return { avg_gas: mean(values), min_gas: Math.min(...values), max_gas: Math.max(...values) };
}

const BENCH_NAME = /^onchain > (?:batch update (\d+)|(.+))$/;

const int = (value: number) => Math.round(value).toLocaleString('en-US');
const fixed = (value: number, digits: number) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });


/** Targets (DESIGN.md): single update <= 6 ms with receipt, >= 5,000 updates/s batched, <= 15k gas per batched entry. */
export function checkTargets(
  update: Summary | undefined,
  batches: readonly BatchResult[],
): TargetCheck[] {
  const best = batches.reduce<BatchResult | undefined>(
    (top, b) => (top === undefined || b.median_throughput_updates_per_sec > top.median_throughput_updates_per_sec ? b : top),
    undefined,
  );
  const largest = batches.at(-1);
  return [
    targetCheck(
      'single_update_latency',
      '<= 6 ms',
      update?.median_ms,
      'ms',
      (v) => v <= 6,
      'median, one update per tx, send to mined receipt',
    ),
    targetCheck(
      'batched_update_throughput',
      '>= 5,000 updates/s',
      best?.median_throughput_updates_per_sec,
      'updates/s',
      (v) => v >= 5_000,
      `batch of ${best?.batch_size}, from the median tx time`,
    ),
    targetCheck(
      'gas_per_batched_update',
      '<= 15,000 gas',
      largest?.gas_per_entry,
      'gas',
      (v) => v <= 15_000,
      `batch of ${largest?.batch_size}, tx gas / entries (base cost included)`,
    ),
  ];
}

/** The on-chain experiment's report from its benchmarks and recorded gas, chain and tracker figures. */
export function summarizeOnchain(benchmarks: ReadonlyMap<string, Summary>, extras: Record<string, unknown>): ExperimentReport {
  const gas = readGas(extras.gas);
  const config = isObject(extras.config) ? (extras.config as unknown as OnchainConfig) : undefined;
  const tracker = isObject(extras.tracker) ? (extras.tracker as unknown as TrackerMediated) : undefined;
  const gasPriceGwei = typeof config?.gas_price_gwei === 'number' ? config.gas_price_gwei : 30;
  const ethUsd = typeof config?.eth_usd === 'number' ? config.eth_usd : 3000;

  const phases = phaseMedians(extras.phases);
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

  const batches: BatchResult[] = [...batchSummaries.keys()]
    .sort((a, b) => a - b)
    .map((size) => {
      const s = batchSummaries.get(size)!;
      const perTx = gas.batch[String(size)] ?? [];
      const gasPerTx = perTx.length > 0 ? mean(perTx) : null;
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
        phases_median: phases.get(`batch update ${size}`) ?? null,
      };
    });

  // Projection: the largest batch's gas per entry (what a tracker committing in batches pays per
  // update), and a single-update transaction's gas for comparison.
  const projectionBatch = [...batches].reverse().find((b) => b.gas_per_entry !== null);
  const unbatchedGas = update?.avg_gas ?? null;
  const projections =
    projectionBatch?.gas_per_entry != null
      ? projectAnnualCost(projectionBatch.gas_per_entry, unbatchedGas, gasPriceGwei, ethUsd)
      : [];
  const firstBatch = batches.find((b) => b.gas_per_tx !== null);
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
  const gasJson = {
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
  };

  const targets = checkTargets(update, batches);
  const automine = config?.chain.automine;
  const chainLine = config
    ? `Chain: ${config.chain.client_version ?? 'unknown node'} (chain id ${config.chain.chain_id}) at ${config.chain.rpc_url}, ` +
      `${config.chain.auto_started ? 'started by the fixture' : 'existing node (--no-auto-start)'}, ` +
      `automine ${automine === null ? 'unknown' : automine ? 'on' : 'OFF'}`
    : 'Chain: not recorded';
  const caveat =
    automine === false
      ? 'CAVEAT: automine is off on this node, so latencies include its block interval.'
      : 'CAVEAT: a local Anvil with automine mines each transaction as it arrives: latencies are the client, RPC and ' +
        'EVM execution only and exclude block time (a real network adds about 12 s per block on Ethereum L1, 2 s on ' +
        'typical L2s, plus confirmation policy). Gas figures are what any EVM chain charges.';

  const lines: string[] = ['ON-CHAIN RESULTS', '='.repeat(60), chainLine, caveat];
  if (config) {
    lines.push(
      `Users are registered with a non-zero initial upload credit (${config.initial_credit} bytes, the tracker's ` +
        'default), as the tracker does: the first update of an all-zero record would cost about 28k gas instead of 11k.',
    );
  }
  lines.push('');
  const opSection = (index: number, title: string, result: OperationResult | undefined) => {
    if (!result) return;
    lines.push(
      `${index}. ${title}:`,
      `   Mean: ${ms(result.mean_ms, 2)} ms`,
      `   Median: ${ms(result.median_ms, 2)} ms`,
      `   p95 / p99: ${ms(result.p95_ms, 2)} / ${ms(result.p99_ms, 2)} ms (${result.samples} transactions)`,
      `   Avg gas: ${result.avg_gas === null ? '-' : int(result.avg_gas)}`,
      '',
    );
  };
  opSection(1, 'User Registration (one registration per tx)', registration);
  opSection(2, 'Reputation Updates (one update per tx)', update);
  if (batches.length > 0) {
    const columns: Column[] = [
      { header: 'Batch Size', width: 12 },
      { header: 'Total (ms)', width: 12, align: 'right' },
      { header: 'Avg/Update (ms)', width: 16, align: 'right' },
      { header: 'Throughput (updates/s)', width: 23, align: 'right' },
      { header: 'Gas/entry', width: 10, align: 'right' },
    ];
    lines.push(
      '3. Batch Updates (mean per transaction):',
      indent(
        table(
          columns,
          batches.map((b) => [
            String(b.batch_size),
            ms(b.total_ms, 2),
            ms(b.avg_per_update_ms, 4),
            fixed(b.throughput_updates_per_sec, 0),
            b.gas_per_entry === null ? '-' : int(b.gas_per_entry),
          ]),
        ),
      ),
      '',
    );
  }

  const phaseRows: [string, Summary, PhaseMedians][] = [];
  for (const [label, result] of [
    ['user registration', registration],
    ['reputation update', update],
    ...batches.map((b) => [`batch update ${b.batch_size}`, batchSummaries.get(b.batch_size)] as const),
    ['migrate user', migrate],
  ] as const) {
    const p = phases.get(label);
    if (result && p) phaseRows.push([label, result, p]);
  }
  if (phaseRows.length > 0) {
    lines.push(
      'WHERE THE TIME GOES (median ms per transaction)',
      indent(
        table(
          [
            { header: 'Operation', width: 20 },
            { header: 'Prepare', width: 8, align: 'right' },
            { header: 'Sign', width: 6, align: 'right' },
            { header: 'Send', width: 6, align: 'right' },
            { header: 'Receipt', width: 8, align: 'right' },
            { header: 'Total', width: 7, align: 'right' },
          ],
          phaseRows.map(([label, total, p]) => [
            label,
            ms(p.prepare_ms, 2),
            ms(p.sign_ms, 2),
            ms(p.send_ms, 2),
            ms(p.receipt_ms, 2),
            ms(total.median_ms, 2),
          ]),
        ),
      ),
      '   Prepare: ABI encoding and one eth_fillTransaction (gas estimate, which executes the transaction and grows ' +
        'with the batch, nonce and fees); Sign: RLP, keccak and secp256k1 in-process; Send: ' +
        'eth_sendRawTransactionSync (EIP-7966), during which automine executes and mines it and which returns the ' +
        'receipt; Receipt: polling eth_getTransactionReceipt, only on a node without that method (else 0). Same ' +
        "requests as the tracker's chain sync (one Transactor for both).",
      '',
    );
  }

  lines.push('GAS PER OPERATION');
  const gasRows: [string, GasOperation | { operation: string; gas_used: number | null; latency_ms?: number | null }][] = [
    ['createReputation (factory)', gasJson.create_reputation],
    ['add user (1 registration)', gasJson.add_user],
    ['update user (1 update)', gasJson.update_user],
    ['migrate user', gasJson.migrate_user],
    [`batched update, per entry (${projectionBatch?.batch_size ?? '-'}/tx)`, gasJson.batch_update_per_entry],
  ];
  lines.push(
    indent(
      table(
        [
          { header: 'Operation', width: 36 },
          { header: 'Gas', width: 10, align: 'right' },
          { header: 'Latency (ms)', width: 13, align: 'right' },
        ],
        gasRows.map(([label, op]) => [
          label,
          op.gas_used === null ? '-' : int(op.gas_used),
          op.latency_ms === null || op.latency_ms === undefined ? '' : ms(op.latency_ms, 2),
        ]),
      ),
    ),
  );
  if (marginal !== null) {
    lines.push(
      `   Marginal gas per batched entry (between batches of ${firstBatch!.batch_size} and ` +
        `${projectionBatch!.batch_size}): ${int(marginal)}`,
    );
  }
  lines.push('');

  if (projections.length > 0) {
    lines.push(
      `ANNUAL COST PROJECTION (gas price ${gasPriceGwei} gwei, ETH $${fixed(ethUsd, 2)}; batched: ` +
        `${int(projectionBatch!.gas_per_entry!)} gas per update entry in batches of ${projectionBatch!.batch_size}; ` +
        `unbatched: ${unbatchedGas === null ? 'not measured' : `${int(unbatchedGas)} gas per single-update tx`})`,
      indent(
        table(
          [
            { header: 'Frequency', width: 25, align: 'right' },
            { header: 'Users', width: 8, align: 'right' },
            { header: 'Updates/yr', width: 14, align: 'right' },
            { header: 'ETH', width: 14, align: 'right' },
            { header: 'USD', width: 16, align: 'right' },
            { header: 'ETH unbatched', width: 14, align: 'right' },
            { header: 'USD unbatched', width: 16, align: 'right' },
          ],
          projections.map((p) => [
            p.frequency,
            int(p.users),
            int(p.updates_per_year),
            fixed(p.estimated_eth, 4),
            `$${fixed(p.estimated_usd, 2)}`,
            p.unbatched_estimated_eth === null ? '-' : fixed(p.unbatched_estimated_eth, 4),
            p.unbatched_estimated_usd === null ? '-' : `$${fixed(p.unbatched_estimated_usd, 2)}`,
          ]),
        ),
      ),
      '',
    );
  }

  lines.push('TARGETS');
  for (const t of targets) {
    lines.push(targetLine(t, (v) => `${t.unit === 'ms' ? ms(v, 2) : int(v)} ${t.unit}`));
  }
  lines.push('');
  if (tracker) {
    const where = tracker.tracker_url
      ? ` (tracker ${tracker.tracker_url}, ${tracker.reachable ? 'reachable' : 'NOT reachable'})`
      : '';
    lines.push(
      tracker.measured
        ? `TRACKER-MEDIATED: measured through ${tracker.tracker_url}.`
        : `TRACKER-MEDIATED: not measured${where}: ${tracker.reason}`,
    );
    if (isObject(tracker.chain_status)) {
      const status = tracker.chain_status;
      lines.push(
        `   Its chain status: enabled ${String(status.enabled)}, contract ${String(status.contract ?? 'none')}, ` +
          `last confirmed batch ${String(status.last_confirmed_sequence)}, pending entries ${String(status.pending_entries)}.`,
      );
    }
  }

  return {
    text: lines.join('\n'),
    json: {
      config: config ?? null,
      caveat,
      user_registration: registration ?? null,
      reputation_update: update ?? null,
      batch_updates: Object.fromEntries(batches.map((b) => [String(b.batch_size), b])),
      gas: gasJson,
      annual_cost_projections: projections,
      targets,
      tracker_mediated: tracker ?? null,
    },
  };
}
