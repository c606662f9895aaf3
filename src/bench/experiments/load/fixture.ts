/**
 * Runs and set-up of a load run on fixed figures, for the tests of the load report.
 * @module
 */
import type { LoadConfig, LoadRun, LoadStats, ReportStats } from './records.ts';

/** Announce stats of a 2 s window; `extra` overrides any figure. */
export function stats(throughput: number, mean: number, p95: number, p99: number, extra: Partial<LoadStats> = {}): LoadStats {
  return {
    requests: Math.round(throughput * 2),
    duration_s: 2,
    throughput_rps: throughput,
    mean_ms: mean,
    p50_ms: mean * 0.9,
    p95_ms: p95,
    p99_ms: p99,
    min_ms: 0.1,
    max_ms: p99 * 2,
    errors: 0,
    timeouts: 0,
    non2xx: 0,
    failures: 0,
    status_codes: { 200: Math.round(throughput * 2) },
    capped: false,
    ...extra,
  };
}

/** Report stats of a 2 s window, 10 receipts per report. */
export function reports(throughput: number, mean: number, p95: number, p99: number): ReportStats {
  return {
    ...stats(throughput, mean, p95, p99),
    receipts_per_report: 10,
    verified_receipts: throughput * 20,
    verified_receipts_per_s: throughput * 10,
    tracker_spent_delta: throughput * 20,
  };
}

/** Over 2 s: generator 60%, tracker 95%, all processes 170% of a core, so others 15%. */
export const cpu = { cpu: { wall_s: 2, generator_s: 1.2, tracker_s: 1.9, machine_s: 3.4 } };

/** Announces at 10 and 100 clients on both trackers, receipts at 10 and 100, and the mixed run. */
export const RUNS: LoadRun[] = [
  { kind: 'announce', tracker: 'pbts', clients: 10, announce: stats(20_000, 0.5, 0.9, 1.5), ...cpu },
  { kind: 'announce', tracker: 'bittorrent-tracker', clients: 10, announce: stats(8_000, 1.2, 2, 3), ...cpu },
  { kind: 'announce', tracker: 'pbts', clients: 100, announce: stats(32_000, 3, 5, 8), ...cpu },
  { kind: 'announce', tracker: 'bittorrent-tracker', clients: 100, announce: stats(10_000, 10, 15, 20), ...cpu },
  { kind: 'receipts', tracker: 'pbts', clients: 10, reports: reports(250, 40, 60, 80), ...cpu },
  { kind: 'receipts', tracker: 'pbts', clients: 100, reports: reports(300, 330, 400, 500), ...cpu },
  {
    kind: 'mixed',
    tracker: 'pbts',
    clients: 100,
    report_clients: 10,
    announce: stats(25_000, 4, 7, 9.5),
    reports: reports(200, 50, 70, 90),
    ...cpu,
  },
];

/** The set-up of {@link RUNS}. */
export const CONFIG: LoadConfig = {
  mode: 'both',
  quick: false,
  clients: [10, 100],
  announces_per_run: 50_000,
  requests_per_client: 100,
  max_reports: 2_000,
  receipts_per_report: 10,
  max_seconds: 30,
  reports_per_run: { 10: 1_000, 100: 2_000 },
  mixed: { announce_clients: 100, report_clients: 10, reports: 1_000 },
  tracker: { url: 'http://127.0.0.1:4000', started_by_bench: true, mode: 'private', verify_workers: 2 },
  peer_tracker: { name: 'bittorrent-tracker', version: '11.2.3', url: 'http://127.0.0.1:4001' },
  workload: { torrents: 1_000, peers: 20_000, users: 100, numwant: 50, piece_size: 262_144, warmup_announces: 20_000 },
  generator: { tool: 'own HTTP/1.1 keep-alive client (bench/load/http-load.ts)', process: 'one Node process (bench/load/generator.ts)', pipelining: 1, timeout_s: 10 },
  cores: 2,
};
