/**
 * What `bench/onchain.bench.ts` records besides its timings (`recordExtra`): the chain and
 * settings of the run, the gas of every transaction, the phase times of the timed ones, and what
 * a running tracker exposes; with their readers, which keep only well-formed values because the
 * extras are read back from a file.
 * @module
 */
import { summarize } from '../../stats.ts';

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

/** Median time (ms) of each phase of a transaction (see {@link PHASES}). */
export interface PhaseMedians {
  prepare_ms: number;
  sign_ms: number;
  send_ms: number;
  receipt_ms: number;
}

/** True for a plain object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Finite numbers of a recorded list. */
function numbers(value: unknown): number[] {
  return Array.isArray(value) ? value.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)) : [];
}

/** The `config` extra, when recorded. */
export function readConfig(value: unknown): OnchainConfig | undefined {
  return isObject(value) ? (value as unknown as OnchainConfig) : undefined;
}

/** The `tracker` extra, when recorded. */
export function readTracker(value: unknown): TrackerMediated | undefined {
  return isObject(value) ? (value as unknown as TrackerMediated) : undefined;
}

/** The `gas` extra; absent or malformed lists read as empty. */
export function readGas(value: unknown): OnchainGas {
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

/** Median of each phase per benchmark name (the `phases` extra), for the series that recorded all four. */
export function readPhaseMedians(value: unknown): Map<string, PhaseMedians> {
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
