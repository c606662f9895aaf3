/**
 * Options of the on-chain experiment: their specs (flags, variables, defaults, help; the README's
 * option table is generated from them) and the options of a run read through them.
 * @module
 */
import { loopbackUrl } from '../../loopback.ts';
import { batchRuns, flagOption, intOption, isQuick, textOption } from '../../options.ts';
import type { OptionSpec } from '../types.ts';

/** Updates per batched transaction measured in every run (the seed's sizes). */
export const BATCH_SIZES: readonly number[] = [10, 50, 100];

/** Upload credit of a newly registered user: the tracker's default (1 GiB), never zero (see README). */
export const INITIAL_CREDIT = 1n << 30n;

const USERS: OptionSpec = {
  flag: 'users',
  env: 'PBTS_USERS',
  kind: 'value',
  default: '100',
  quick: '10',
  help: 'registrations timed, one per transaction',
};
const UPDATES: OptionSpec = {
  flag: 'updates',
  env: 'PBTS_UPDATES',
  kind: 'value',
  default: '100',
  quick: '10',
  help: 'single updates timed (and store writes); batches run max(10, updates / size) times',
};
const GAS_PRICE_GWEI: OptionSpec = {
  flag: 'gas-price-gwei',
  env: 'PBTS_GAS_PRICE_GWEI',
  kind: 'value',
  arg: 'X',
  default: '30',
  help: 'gas price of the projection, in gwei',
};
const ETH_USD: OptionSpec = {
  flag: 'eth-usd',
  env: 'PBTS_ETH_USD',
  kind: 'value',
  arg: 'X',
  default: '3000',
  help: 'ETH price of the projection, in USD',
};
const TRACKER_URL: OptionSpec = {
  flag: 'tracker-url',
  env: 'PBTS_TRACKER_URL',
  kind: 'value',
  arg: 'URL',
  default: 'none',
  help: "records a running tracker's `/chain/status` (loopback only; see below)",
};
const NO_AUTO_START: OptionSpec = {
  flag: 'no-auto-start',
  env: 'PBTS_NO_AUTO_START',
  kind: 'boolean',
  default: 'off',
  help: "use an existing loopback Anvil (`--rpc-url`, `--factory`) instead of the fixture's",
};
const RPC_URL: OptionSpec = {
  flag: 'rpc-url',
  env: 'PBTS_RPC_URL',
  kind: 'value',
  arg: 'URL',
  default: 'none',
  help: 'JSON-RPC URL of that Anvil (loopback only; with `--no-auto-start`)',
};
const FACTORY: OptionSpec = {
  flag: 'factory',
  env: 'PBTS_FACTORY',
  kind: 'value',
  arg: 'ADDR',
  default: 'none',
  help: 'ReputationFactory deployed on that Anvil (with `--no-auto-start`)',
};

/** The experiment's options, in the README's order. */
export const ONCHAIN_OPTIONS: OptionSpec[] = [
  USERS,
  UPDATES,
  GAS_PRICE_GWEI,
  ETH_USD,
  TRACKER_URL,
  NO_AUTO_START,
  RPC_URL,
  FACTORY,
];

/** Options of the on-chain experiment (`pbts experiments onchain --flag` sets the same variables). */
export interface OnchainOptions {
  /** Users registered one per transaction. */
  users: number;
  /** Single-update transactions (and store writes); also sizes the batch runs. */
  updates: number;
  /** A running tracker whose chain status is recorded (loopback only); none by default. */
  trackerUrl: string | undefined;
  /** Use the chain at `rpcUrl` and `factory` instead of the fixture's Anvil. */
  noAutoStart: boolean;
  /** JSON-RPC URL of that chain (loopback only). */
  rpcUrl: string | undefined;
  /** ReputationFactory already deployed there. */
  factory: `0x${string}` | undefined;
  /** Gas price of the cost projection in gwei (30, as the reference). */
  gasPriceGwei: number;
  /** ETH price of the cost projection in USD (3000, as the reference). */
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

/** A positive finite number option (the projection's prices are not integers); throws on garbage. */
function positiveOption(spec: OptionSpec, env: NodeJS.ProcessEnv): number {
  const raw = textOption(spec, env)!;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${spec.env} must be a positive number, got "${raw}"`);
  return value;
}

/** On-chain options from the environment; `PBTS_QUICK` shrinks the defaults to a smoke run. */
export function onchainOptions(env: NodeJS.ProcessEnv = process.env): OnchainOptions {
  const quick = isQuick(env);
  const noAutoStart = flagOption(NO_AUTO_START, env);
  const rawRpc = textOption(RPC_URL, env);
  const rawFactory = textOption(FACTORY, env);
  if (noAutoStart && (rawRpc === undefined || rawFactory === undefined)) {
    throw new Error('PBTS_NO_AUTO_START=1 (--no-auto-start) needs PBTS_RPC_URL (--rpc-url) and PBTS_FACTORY (--factory)');
  }
  if (!noAutoStart && (rawRpc !== undefined || rawFactory !== undefined)) {
    throw new Error('PBTS_RPC_URL and PBTS_FACTORY are used only with PBTS_NO_AUTO_START=1 (--no-auto-start)');
  }
  if (rawFactory !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(rawFactory)) {
    throw new Error(`PBTS_FACTORY must be a 20-byte hex address, got "${rawFactory}"`);
  }
  const rawTracker = textOption(TRACKER_URL, env);
  const updates = intOption(UPDATES, env);
  const minimumRuns = quick ? 3 : 10;
  return {
    users: intOption(USERS, env),
    updates,
    trackerUrl: rawTracker === undefined ? undefined : loopbackUrl(rawTracker, TRACKER_URL.env),
    noAutoStart,
    rpcUrl: rawRpc === undefined ? undefined : loopbackUrl(rawRpc, RPC_URL.env),
    factory: rawFactory as `0x${string}` | undefined,
    gasPriceGwei: positiveOption(GAS_PRICE_GWEI, env),
    ethUsd: positiveOption(ETH_USD, env),
    batchRuns: Object.fromEntries(BATCH_SIZES.map((size) => [size, batchRuns(updates, size, minimumRuns)])),
    createRuns: quick ? 2 : 10,
    migrateRuns: quick ? 3 : 20,
    warmup: quick ? 1 : 3,
  };
}
