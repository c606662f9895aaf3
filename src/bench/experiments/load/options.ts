/**
 * Options of the load experiment: their specs (flag, variable, default, `--quick` default, help:
 * the README's table is generated from them) and the options a run reads from the environment,
 * with the run sizes derived from them.
 * @module
 */
import { loopbackUrl } from '../../loopback.ts';
import { intListOption, intOption, isQuick, textOption } from '../../options.ts';
import type { OptionSpec } from '../types.ts';

/** What the load experiment runs: announces, receipt reports, or both (and both at once). */
export type LoadMode = 'announce' | 'receipts' | 'both';

const TRACKER_URL: OptionSpec = {
  flag: 'tracker-url',
  env: 'PBTS_TRACKER_URL',
  kind: 'value',
  arg: 'URL',
  // `none`: the bench starts its own tracker.
  default: 'none',
  help: 'load a running tracker instead (loopback only)',
};
const CLIENTS: OptionSpec = {
  flag: 'clients',
  env: 'PBTS_CLIENTS',
  kind: 'list',
  default: '10 50 100',
  quick: '5 10',
  help: 'concurrent clients, one keep-alive connection each',
};
const REQUESTS: OptionSpec = {
  flag: 'requests',
  env: 'PBTS_REQUESTS',
  kind: 'value',
  default: '100',
  quick: '5',
  help: 'reports per client in receipts runs (capped by `--max-reports`)',
};
// PBTS_LOAD_MODE, not PBTS_MODE: the tracker reads PBTS_MODE.
const MODE: OptionSpec = {
  flag: 'mode',
  env: 'PBTS_LOAD_MODE',
  kind: 'value',
  arg: 'M',
  default: 'both',
  help: '`announce`, `receipts` or `both`',
};
const ANNOUNCES: OptionSpec = {
  flag: 'announces',
  env: 'PBTS_LOAD_ANNOUNCES',
  kind: 'value',
  default: '50000',
  quick: '2000',
  help: 'announces per announce run (100 per client would last under a second)',
};
const MAX_REPORTS: OptionSpec = {
  flag: 'max-reports',
  env: 'PBTS_LOAD_MAX_REPORTS',
  kind: 'value',
  default: '2000',
  quick: '50',
  help: 'most reports per receipts run',
};
const RECEIPTS_PER_REPORT: OptionSpec = {
  flag: 'receipts-per-report',
  env: 'PBTS_LOAD_RECEIPTS_PER_REPORT',
  kind: 'value',
  default: '10',
  help: 'receipts per report',
};
const MAX_SECONDS: OptionSpec = {
  flag: 'max-seconds',
  env: 'PBTS_LOAD_MAX_SECONDS',
  kind: 'value',
  arg: 'S',
  default: '30',
  quick: '10',
  help: 'time cap of every run',
};

/** The load experiment's option specs, in the README's order. */
export const LOAD_OPTIONS: OptionSpec[] = [
  TRACKER_URL,
  CLIENTS,
  REQUESTS,
  MODE,
  ANNOUNCES,
  MAX_REPORTS,
  RECEIPTS_PER_REPORT,
  MAX_SECONDS,
];

/** Options of the load experiment (`pbts experiments load --flag` sets the same variables). */
export interface LoadOptions {
  /** A tracker already running on loopback; undefined: the bench starts one. */
  trackerUrl: string | undefined;
  /** Concurrent client counts, sorted, one keep-alive connection per client. */
  clients: number[];
  /** Reports each client sends in a receipts run. */
  requests: number;
  /** Announces per announce run, shared by its clients. */
  announces: number;
  /** Most reports in one receipts run: each is pre-signed. */
  maxReports: number;
  /** Receipts per report, each from a distinct receiver. */
  receiptsPerReport: number;
  /** Time cap of every run in seconds. */
  maxSeconds: number;
  mode: LoadMode;
  /** Torrents the announces spread over. */
  torrents: number;
  /** Peers (peer id and port) per torrent; every peer keeps its torrent and its user. */
  peersPerTorrent: number;
  /** Registered users whose passkeys the announces carry and whose keys sign the receipts. */
  users: number;
}

/** The tracker refuses reports of more receipts. */
const MAX_RECEIPTS_PER_REPORT = 1024;

/** Load options from the environment; `PBTS_QUICK` shrinks the defaults to a smoke run. */
export function loadOptions(env: NodeJS.ProcessEnv = process.env): LoadOptions {
  const quick = isQuick(env);
  const mode = textOption(MODE, env);
  if (mode !== 'announce' && mode !== 'receipts' && mode !== 'both') {
    throw new Error(`PBTS_LOAD_MODE must be announce, receipts or both, got "${mode}"`);
  }
  const receiptsPerReport = intOption(RECEIPTS_PER_REPORT, env);
  if (receiptsPerReport > MAX_RECEIPTS_PER_REPORT) {
    throw new Error(`PBTS_LOAD_RECEIPTS_PER_REPORT must be at most ${MAX_RECEIPTS_PER_REPORT}`);
  }
  const clients = [...new Set(intListOption(CLIENTS, env))].sort((a, b) => a - b);
  if (clients.length === 0) throw new Error('PBTS_CLIENTS must name at least one client count');
  if (clients.at(-1)! > 1000) throw new Error('PBTS_CLIENTS: at most 1000 concurrent clients');
  const trackerUrl = textOption(TRACKER_URL, env);
  return {
    trackerUrl: trackerUrl === undefined ? undefined : loopbackUrl(trackerUrl, 'PBTS_TRACKER_URL'),
    clients,
    requests: intOption(REQUESTS, env),
    announces: intOption(ANNOUNCES, env),
    maxReports: intOption(MAX_REPORTS, env),
    receiptsPerReport,
    maxSeconds: intOption(MAX_SECONDS, env),
    mode,
    torrents: quick ? 100 : 1_000,
    peersPerTorrent: quick ? 5 : 20,
    // Each report needs receiptsPerReport receivers besides its sender.
    users: Math.max(quick ? 12 : 100, receiptsPerReport + 1),
  };
}

/** Reports of the receipts run with `clients` clients: `requests` each, capped, one per client at least. */
export function reportsPerRun(options: Pick<LoadOptions, 'requests' | 'maxReports'>, clients: number): number {
  return Math.max(clients, Math.min(clients * options.requests, options.maxReports));
}

/** Announces of one announce run: at least one per client. */
export function announcesPerRun(options: Pick<LoadOptions, 'announces'>, clients: number): number {
  return Math.max(clients, options.announces);
}

/** Client counts of the mixed run: the most announce clients with the fewest report clients. */
export function mixedShape(options: Pick<LoadOptions, 'clients' | 'maxReports'>): {
  announceClients: number;
  reportClients: number;
  reports: number;
} {
  const reportClients = options.clients[0]!;
  return {
    announceClients: options.clients.at(-1)!,
    reportClients,
    reports: Math.max(reportClients, Math.floor(options.maxReports / 2)),
  };
}
