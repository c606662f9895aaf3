/**
 * Options of the tracker-overhead experiment: the seed's five (`--tracker-url`, `--iterations`,
 * `--warmup`, `--no-auto-start`, `--output`) as specs (the README's table is generated from
 * them), and the options of a run, with the run sizes derived from them.
 * @module
 */
import { loopbackUrl } from '../../loopback.ts';
import { flagOption, intOption, isQuick, textOption } from '../../options.ts';
import type { OptionSpec } from '../types.ts';

/** Receipts per report in the verification series (the seed's 1, 10, 50, plus 100). */
export const RECEIPT_COUNTS: readonly number[] = [1, 10, 50, 100];
/** Receipts per report of the combined run and of the on-chain report series. */
export const COMBINED_RECEIPTS = 10;
/** Clients of the parallel baseline, one keep-alive connection each. */
export const PARALLEL_CLIENTS = 10;
/** `--chain-batch-ms` of the tracker that commits its outbox promptly (the tracker's default is 1000). */
export const SMALL_BATCH_MS = 10;
/** The tracker's default `--chain-batch-ms`, that of the main tracker. */
export const DEFAULT_BATCH_MS = 1000;
/** Where `--no-auto-start` looks when no `--tracker-url` is given (the seed's default, on loopback). */
export const DEFAULT_TRACKER_URL = 'http://127.0.0.1:8000';

const TRACKER_URL: OptionSpec = {
  flag: 'tracker-url',
  env: 'PBTS_TRACKER_URL',
  kind: 'value',
  arg: 'URL',
  default: 'none',
  help: 'measure this running tracker instead (loopback only; `--no-auto-start` alone: http://127.0.0.1:8000)',
};
const ITERATIONS: OptionSpec = {
  flag: 'iterations',
  env: 'PBTS_ITERATIONS',
  kind: 'value',
  default: '100',
  quick: '5',
  help: 'timed requests per component (on-chain confirmations: at most 20, quick 3)',
};
const WARMUP: OptionSpec = {
  flag: 'warmup',
  env: 'PBTS_WARMUP',
  kind: 'value',
  default: '10',
  quick: '2',
  help: 'untimed requests of the same kind before each component (answers checked too)',
};
const NO_AUTO_START: OptionSpec = {
  flag: 'no-auto-start',
  env: 'PBTS_NO_AUTO_START',
  kind: 'boolean',
  default: 'off',
  help: "start nothing: measure the tracker at `--tracker-url` (what needs the bench's own trackers is reported as not measured)",
};

/** The experiment's options, in the README's order. */
export const TRACKER_OVERHEAD_OPTIONS: OptionSpec[] = [TRACKER_URL, ITERATIONS, WARMUP, NO_AUTO_START];

/** Options of a tracker-overhead run (`pbts experiments tracker-overhead --flag` sets the same variables). */
export interface TrackerOverheadOptions {
  /** The existing tracker to measure (`--no-auto-start`); undefined: the bench starts its own. */
  trackerUrl: string | undefined;
  /** Timed requests per component. */
  iterations: number;
  /** Untimed requests before each component. */
  warmup: number;
  /** Timed on-chain confirmations per series: each waits for a batch (about 1 s at the default batch delay). */
  confirmations: number;
  /** Users registered for the reports: every receipt of a report has its own receiver. */
  users: number;
  /** Cap of every series, seconds: a tracker that stops answering fails the run instead of hanging it. */
  maxSeconds: number;
}

/** Tracker-overhead options from the environment; `PBTS_QUICK` shrinks the defaults to a smoke run. */
export function trackerOverheadOptions(env: NodeJS.ProcessEnv = process.env): TrackerOverheadOptions {
  const quick = isQuick(env);
  const noAutoStart = flagOption(NO_AUTO_START, env);
  const rawUrl = textOption(TRACKER_URL, env);
  const iterations = intOption(ITERATIONS, env);
  return {
    // A tracker URL alone means that tracker too, as in the load experiment.
    trackerUrl: noAutoStart || rawUrl !== undefined ? loopbackUrl(rawUrl ?? DEFAULT_TRACKER_URL, TRACKER_URL.env) : undefined,
    iterations,
    warmup: intOption(WARMUP, env),
    confirmations: Math.min(iterations, quick ? 3 : 20),
    users: Math.max(...RECEIPT_COUNTS) + 1,
    maxSeconds: quick ? 60 : 300,
  };
}
