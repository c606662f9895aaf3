/**
 * What `bench/load.bench.ts` records: one record per measured run (the `runs` extra) and the
 * set-up (the `config` extra), and how the report reads them back from a result file.
 * @module
 */
import type { LoadMode } from './options.ts';

/** Latency and outcome counts of one load over its measured window. */
export interface LoadStats {
  /** Responses received in the window. */
  requests: number;
  /** From the first request sent to the last response received (or the window's end), seconds. */
  duration_s: number;
  throughput_rps: number;
  /** Per request, from writing it to its response's last byte, over every response in the window. */
  mean_ms: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  min_ms: number;
  max_ms: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  /** Responses with a status outside 200-299. */
  non2xx: number;
  /** 200 responses whose body is a bencoded `failure reason` (announce runs only). */
  failures: number;
  status_codes: Record<string, number>;
  /** True when the run hit the time cap before finishing its work. */
  capped: boolean;
}

/** Report figures on top of {@link LoadStats}: what the tracker verified and spent. */
export interface ReportStats extends LoadStats {
  receipts_per_report: number;
  /** Receipts in reports the tracker accepted (200): each verified, then spent. */
  verified_receipts: number;
  verified_receipts_per_s: number;
  /** Growth of the tracker's `spent_receipt_ids` over the run (its own count, a cross-check). */
  tracker_spent_delta: number | null;
}

/** CPU seconds used during a run, read from the OS around it. */
export interface RunCpu {
  /** Wall time of the run as the bench saw it. */
  wall_s: number;
  /** The generator process. */
  generator_s: number;
  /** The tracker process, all threads (verification workers included); null when unknown (a given tracker). */
  tracker_s: number | null;
  /** Every process on every core; null when unknown. What the generator and tracker did not use went to others. */
  machine_s: number | null;
}

/** The tracker a run measured. */
export type TrackerName = 'pbts' | 'bittorrent-tracker';

/** One measured run. */
export interface LoadRun {
  /** `mixed`: announces and reports at the same time. */
  kind: 'announce' | 'receipts' | 'mixed';
  tracker: TrackerName;
  /** Clients of the run (announce clients for `mixed`). */
  clients: number;
  /** Report clients of a `mixed` run. */
  report_clients?: number;
  announce?: LoadStats;
  reports?: ReportStats;
  /** CPU time around the run; null when the run failed before it was measured. */
  cpu: RunCpu | null;
  /** Why the run failed, when it did. */
  error?: string;
}

/** The set-up the bench recorded (`config` extra): what was started, the workload, the generator. */
export interface LoadConfig {
  mode: LoadMode;
  quick: boolean;
  clients: number[];
  announces_per_run: number;
  requests_per_client: number;
  max_reports: number;
  receipts_per_report: number;
  max_seconds: number;
  /** Reports per receipts run, by client count. */
  reports_per_run: Record<string, number>;
  mixed: { announce_clients: number; report_clients: number; reports: number } | null;
  tracker: { url: string; started_by_bench: boolean; mode: string; verify_workers: number | null };
  peer_tracker: { name: string; version: string; url: string } | null;
  workload: {
    torrents: number;
    peers: number;
    users: number;
    numwant: number;
    piece_size: number;
    warmup_announces: number;
  };
  generator: { tool: string; process: string; pipelining: number; timeout_s: number };
  cores: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The runs extra, keeping only well-formed records (it is read back from a file). */
export function readRuns(value: unknown): LoadRun[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (run): run is LoadRun =>
      isObject(run) &&
      typeof run.kind === 'string' &&
      typeof run.tracker === 'string' &&
      typeof run.clients === 'number' &&
      (run.announce === undefined || isObject(run.announce)) &&
      (run.reports === undefined || isObject(run.reports)),
  );
}

/** The config extra, or undefined when it is missing or not an object. */
export function readConfig(value: unknown): LoadConfig | undefined {
  return isObject(value) ? (value as unknown as LoadConfig) : undefined;
}

/** The successful run of `kind` on `tracker` with `clients` clients. */
export function findRun(runs: readonly LoadRun[], kind: LoadRun['kind'], tracker: TrackerName, clients: number): LoadRun | undefined {
  return runs.find((run) => run.kind === kind && run.tracker === tracker && run.clients === clients && run.error === undefined);
}

/** The largest client count of a successful run of `kind` on `tracker`, or undefined. */
export function largestClients(runs: readonly LoadRun[], kind: LoadRun['kind'], tracker: TrackerName): number | undefined {
  const counts = runs.filter((run) => run.kind === kind && run.tracker === tracker && !run.error).map((run) => run.clients);
  return counts.length > 0 ? Math.max(...counts) : undefined;
}

/** The successful mixed run, if any. */
export function mixedRun(runs: readonly LoadRun[]): LoadRun | undefined {
  return runs.find((run) => run.kind === 'mixed' && !run.error);
}

/** Requests that did not succeed: connection errors, non-2xx and bencoded failures. */
export function errorCount(stats: LoadStats): number {
  return stats.errors + stats.non2xx + stats.failures;
}

/** Client counts of all runs, ascending, each once. */
export function clientCounts(runs: readonly LoadRun[]): number[] {
  return [...new Set(runs.map((run) => run.clients))].sort((a, b) => a - b);
}
