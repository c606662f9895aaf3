/**
 * The load experiment (seed README section 4): its options, the figures `bench/load.bench.ts`
 * records (one record per measured run, plus the set-up), and the summary built from them: the
 * seed's COMPARISON SUMMARY and Key Observations, the peer tracker comparison, announces under
 * receipt load, and the targets.
 * @module
 */
import { envInt, envIntList, envList, isQuick } from '../options.ts';
import type { Summary } from '../stats.ts';
import { table } from '../table.ts';
import type { ExperimentReport } from './types.ts';
import { loopbackUrl } from '../loopback.ts';
import { type TargetCheck, targetCheck, targetLine } from '../targets.ts';

/** What the load experiment runs: announces, receipt reports, or both (and both at once). */
export type LoadMode = 'announce' | 'receipts' | 'both';

/** Options of the load experiment (`pbts experiments load --flag` sets the same variables). */
export interface LoadOptions {
  /** A tracker already running on loopback (`PBTS_TRACKER_URL`); none: the bench starts one. */
  trackerUrl: string | undefined;
  /** Concurrent clients, one keep-alive connection each (`PBTS_CLIENTS`; default 10 50 100). */
  clients: number[];
  /** Reports each client sends in a receipts run (`PBTS_REQUESTS`; default 100, as the seed). */
  requests: number;
  /** Announces per announce run, shared by its clients (`PBTS_LOAD_ANNOUNCES`; default 50,000). */
  announces: number;
  /** Most reports in one receipts run (`PBTS_LOAD_MAX_REPORTS`; default 2,000): each is pre-signed. */
  maxReports: number;
  /** Receipts per report, each from a distinct receiver (`PBTS_LOAD_RECEIPTS_PER_REPORT`; default 10). */
  receiptsPerReport: number;
  /** Time cap of every run in seconds (`PBTS_LOAD_MAX_SECONDS`; default 30). */
  maxSeconds: number;
  /** `PBTS_LOAD_MODE` (not `PBTS_MODE`, which the tracker reads); default both. */
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
  const mode = env.PBTS_LOAD_MODE?.trim() || 'both';
  if (mode !== 'announce' && mode !== 'receipts' && mode !== 'both') {
    throw new Error(`PBTS_LOAD_MODE must be announce, receipts or both, got "${mode}"`);
  }
  const receiptsPerReport = envInt('PBTS_LOAD_RECEIPTS_PER_REPORT', 10, env);
  if (receiptsPerReport > MAX_RECEIPTS_PER_REPORT) {
    throw new Error(`PBTS_LOAD_RECEIPTS_PER_REPORT must be at most ${MAX_RECEIPTS_PER_REPORT}`);
  }
  const clients = [...new Set(envIntList('PBTS_CLIENTS', quick ? [5, 10] : [10, 50, 100], env))].sort((a, b) => a - b);
  if (clients.length === 0) throw new Error('PBTS_CLIENTS must name at least one client count');
  if (clients.at(-1)! > 1000) throw new Error('PBTS_CLIENTS: at most 1000 concurrent clients');
  const rawUrl = env.PBTS_TRACKER_URL?.trim();
  return {
    trackerUrl: rawUrl ? loopbackUrl(rawUrl, 'PBTS_TRACKER_URL') : undefined,
    clients,
    requests: envInt('PBTS_REQUESTS', quick ? 5 : 100, env),
    announces: envInt('PBTS_LOAD_ANNOUNCES', quick ? 2_000 : 50_000, env),
    maxReports: envInt('PBTS_LOAD_MAX_REPORTS', quick ? 50 : 2_000, env),
    receiptsPerReport,
    maxSeconds: envInt('PBTS_LOAD_MAX_SECONDS', quick ? 10 : 30, env),
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

/** A pass/fail line; `pass` is null when the run did not measure it. */
const num = (value: number, digits = 2) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function errorCount(stats: LoadStats): number {
  return stats.errors + stats.non2xx + stats.failures;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The runs extra, keeping only well-formed records (it is read back from a file). */
function readRuns(value: unknown): LoadRun[] {
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

function find(runs: readonly LoadRun[], kind: LoadRun['kind'], tracker: TrackerName, clients: number) {
  return runs.find((run) => run.kind === kind && run.tracker === tracker && run.clients === clients && run.error === undefined);
}

/** Targets (DESIGN.md): announce >= 30,000 req/s and >= 2x the peer, p99 <= 10 ms at 100 clients, >= 2,000 receipts/s. */
export function checkTargets(runs: readonly LoadRun[]): TargetCheck[] {
  const announceClients = runs.filter((r) => r.kind === 'announce' && r.tracker === 'pbts' && !r.error).map((r) => r.clients);
  const top = announceClients.length > 0 ? Math.max(...announceClients) : undefined;
  const ours = top === undefined ? undefined : find(runs, 'announce', 'pbts', top)?.announce;
  const peer = top === undefined ? undefined : find(runs, 'announce', 'bittorrent-tracker', top)?.announce;
  const at100 = find(runs, 'announce', 'pbts', 100)?.announce;
  const p99Run = at100 ?? ours;
  const p99Clients = at100 ? 100 : top;
  const receiptClients = runs.filter((r) => r.kind === 'receipts' && r.tracker === 'pbts' && !r.error).map((r) => r.clients);
  const receiptTop = receiptClients.length > 0 ? Math.max(...receiptClients) : undefined;
  const receipts = receiptTop === undefined ? undefined : find(runs, 'receipts', 'pbts', receiptTop)?.reports;
  const mixed = runs.find((r) => r.kind === 'mixed' && !r.error);
  return [
    targetCheck('announce_throughput', '>= 30,000 req/s', ours?.throughput_rps, 'req/s', (v) => v >= 30_000, `at ${top} clients`),
    targetCheck(
      'announce_vs_bittorrent_tracker',
      '>= 2x',
      ours && peer ? ours.throughput_rps / peer.throughput_rps : undefined,
      'x',
      (v) => v >= 2,
      `at ${top} clients, same announce load`,
    ),
    targetCheck(
      'announce_p99',
      '<= 10 ms at 100 clients',
      p99Run?.p99_ms,
      'ms',
      (v) => v <= 10,
      p99Clients === 100 ? 'at 100 clients' : `at ${p99Clients} clients (100 not measured)`,
    ),
    targetCheck(
      'verified_receipts_per_s',
      '>= 2,000 receipts/s',
      receipts?.verified_receipts_per_s,
      'receipts/s',
      (v) => v >= 2_000,
      `at ${receiptTop} clients, ${receipts?.receipts_per_report ?? '?'} receipts per report`,
    ),
    targetCheck(
      'announce_p99_during_receipts',
      '<= 10 ms while receipts are verified',
      mixed?.announce?.p99_ms,
      'ms',
      (v) => v <= 10,
      mixed ? `${mixed.clients} announce clients with ${mixed.report_clients} report clients` : '',
    ),
  ];
}

function comparisonSummary(runs: readonly LoadRun[], clients: readonly number[]): string {
  const rows: string[][] = [];
  for (const count of clients) {
    const announce = find(runs, 'announce', 'pbts', count)?.announce;
    const receipts = find(runs, 'receipts', 'pbts', count)?.reports;
    if (rows.length > 0 && (announce || receipts)) rows.push([]);
    for (const [mode, stats] of [['Announce', announce], ['Receipts', receipts]] as const) {
      if (!stats) continue;
      rows.push([
        String(count),
        mode,
        num(stats.throughput_rps),
        num(stats.mean_ms),
        num(stats.p95_ms),
        num(stats.p99_ms),
        String(errorCount(stats)),
      ]);
    }
  }
  return table(
    [
      { header: 'Clients', width: 10 },
      { header: 'Mode', width: 12 },
      { header: 'Throughput (req/s)', width: 20 },
      { header: 'Mean Latency (ms)', width: 20 },
      { header: 'P95 Latency (ms)', width: 20 },
      { header: 'P99 Latency (ms)', width: 20 },
      { header: 'Errors', width: 6 },
    ],
    rows,
  );
}

/** Per client count with both modes: receipt latency overhead (mean) and throughput reduction. */
function observations(runs: readonly LoadRun[], clients: readonly number[]) {
  return clients.flatMap((count) => {
    const announce = find(runs, 'announce', 'pbts', count)?.announce;
    const receipts = find(runs, 'receipts', 'pbts', count)?.reports;
    if (!announce || !receipts) return [];
    const trackerCpu = find(runs, 'receipts', 'pbts', count)!.cpu?.tracker_s;
    return [
      {
        clients: count,
        receipt_latency_overhead_percent: (receipts.mean_ms / announce.mean_ms - 1) * 100,
        throughput_reduction_x: announce.throughput_rps / receipts.throughput_rps,
        verified_receipts_per_s: receipts.verified_receipts_per_s,
        tracker_cpu_us_per_receipt:
          trackerCpu === null || trackerCpu === undefined || receipts.verified_receipts === 0
            ? null
            : (trackerCpu / receipts.verified_receipts) * 1e6,
      },
    ];
  });
}

function peerComparison(runs: readonly LoadRun[], clients: readonly number[]) {
  return clients.flatMap((count) => {
    const ours = find(runs, 'announce', 'pbts', count)?.announce;
    const peer = find(runs, 'announce', 'bittorrent-tracker', count)?.announce;
    if (!ours || !peer) return [];
    const oursCpu = cpuPerRequestUs(find(runs, 'announce', 'pbts', count)!)?.tracker ?? null;
    const peerCpu = cpuPerRequestUs(find(runs, 'announce', 'bittorrent-tracker', count)!)?.tracker ?? null;
    return [
      {
        clients: count,
        pbts_rps: ours.throughput_rps,
        peer_rps: peer.throughput_rps,
        ratio: ours.throughput_rps / peer.throughput_rps,
        pbts_p99_ms: ours.p99_ms,
        peer_p99_ms: peer.p99_ms,
        pbts_cpu_us_per_request: oursCpu,
        peer_cpu_us_per_request: peerCpu,
        /** Announces per CPU second, ours over theirs: the comparison least disturbed by other processes. */
        cpu_efficiency_ratio: oursCpu && peerCpu ? peerCpu / oursCpu : null,
      },
    ];
  });
}

/** Share of one core a process took over the run, in percent. */
function share(run: LoadRun, seconds: number | null | undefined): number | null {
  return run.cpu && seconds !== null && seconds !== undefined ? (seconds / run.cpu.wall_s) * 100 : null;
}

/** CPU other processes took during a run (machine minus generator and tracker), percent of one core; null if unknown. */
export function otherCpuPercent(run: LoadRun): number | null {
  const cpu = run.cpu;
  if (!cpu || cpu.machine_s === null || cpu.tracker_s === null) return null;
  return Math.max(0, ((cpu.machine_s - cpu.generator_s - cpu.tracker_s) / cpu.wall_s) * 100);
}

/** Microseconds of CPU per request (announce or report) of the tracker and of the generator. */
export function cpuPerRequestUs(run: LoadRun): { tracker: number | null; generator: number } | null {
  const requests = run.kind === 'mixed' ? undefined : (run.announce ?? run.reports)?.requests;
  if (!run.cpu || !requests) return null;
  return {
    tracker: run.cpu.tracker_s === null ? null : (run.cpu.tracker_s / requests) * 1e6,
    generator: (run.cpu.generator_s / requests) * 1e6,
  };
}

const percent = (value: number | null) => (value === null ? '-' : `${value.toFixed(0)}%`);

function runLabel(run: LoadRun): string {
  const name = run.kind === 'mixed' ? `mixed (+${run.report_clients} report clients)` : run.kind;
  return run.tracker === 'pbts' ? name : `${name}, ${run.tracker}`;
}

const micros = (value: number | null | undefined) => (value === null || value === undefined ? '-' : value.toFixed(0));

/** Who used the cores during each run (generator, tracker under load, everything else) and CPU per request. */
function cpuSection(runs: readonly LoadRun[], cores: number | undefined): string[] {
  const measured = runs.filter((run) => run.error === undefined && run.cpu);
  if (measured.length === 0) return [];
  const lines = [
    `PROCESS CPU DURING EACH RUN (percent of one core${cores ? `, the machine has ${cores * 100}%` : ''}; CPU per request in microseconds)`,
    '',
    table(
      [
        { header: 'Run', width: 38 },
        { header: 'Clients', width: 8, align: 'right' },
        { header: 'Generator', width: 10, align: 'right' },
        { header: 'Tracker', width: 9, align: 'right' },
        { header: 'Others', width: 8, align: 'right' },
        { header: 'Tracker us/req', width: 15, align: 'right' },
        { header: 'Generator us/req', width: 17, align: 'right' },
      ],
      measured.map((run) => {
        const perRequest = cpuPerRequestUs(run);
        return [
          runLabel(run),
          String(run.clients),
          percent(share(run, run.cpu?.generator_s)),
          percent(share(run, run.cpu?.tracker_s)),
          percent(otherCpuPercent(run)),
          micros(perRequest?.tracker),
          micros(perRequest?.generator),
        ];
      }),
    ),
  ];
  const busiest = Math.max(0, ...measured.map((run) => otherCpuPercent(run) ?? 0));
  if (busiest >= 25) {
    lines.push(
      `WARNING: other processes on this machine used up to ${busiest.toFixed(0)}% of a core during the runs;`,
      'the figures are lower (and noisier) than on an otherwise idle machine.',
    );
  }
  const top = measured.filter((run) => run.kind === 'announce' && run.tracker === 'pbts').at(-1);
  const perRequest = top && cpuPerRequestUs(top);
  if (top && cores && perRequest?.tracker) {
    const both = (cores * 1e6) / (perRequest.tracker + perRequest.generator);
    lines.push(
      `At ${top.clients} clients an announce cost the tracker ${perRequest.tracker.toFixed(0)} us of CPU and the generator ` +
        `${perRequest.generator.toFixed(0)} us: with both on these ${cores} cores, about ${num(both, 0)} announces/s at most; ` +
        `the tracker process alone would need a core for about ${num(1e6 / perRequest.tracker, 0)} announces/s ` +
        '(estimates from measured CPU time, not measured throughput).',
    );
  }
  lines.push('');
  return lines;
}

/** The load experiment's report, from the `config` and `runs` extras the bench recorded. */
export function summarizeLoad(_benchmarks: ReadonlyMap<string, Summary>, extras: Record<string, unknown>): ExperimentReport {
  const config = isObject(extras.config) ? (extras.config as unknown as LoadConfig) : undefined;
  const runs = readRuns(extras.runs);
  const clients = [...new Set(runs.map((run) => run.clients))].sort((a, b) => a - b);
  const lines: string[] = ['LOAD TEST: tracker capacity with concurrent clients', ''];

  if (config) {
    const count = (value: number) => value.toLocaleString('en-US');
    const tracker = config.tracker;
    lines.push(
      `Tracker: ${tracker.url} (${tracker.started_by_bench ? `started by the bench in its own process, ${tracker.mode} mode` : 'given, already running'}` +
        `${tracker.verify_workers ? `, ${tracker.verify_workers} verification workers` : ''})`,
    );
    if (config.mode !== 'receipts') {
      lines.push(
        `Announce runs: ${count(config.announces_per_run)} announces each, over ${count(config.workload.torrents)} torrents ` +
          `and ${count(config.workload.peers)} peers (own peer id and port) with the passkeys of ${config.workload.users} ` +
          `registered users, numwant ${config.workload.numwant}, after a warm-up of ${count(config.workload.warmup_announces)} ` +
          `started announces per tracker (the seed's ${config.requests_per_client} requests per client would last well under ` +
          'a second at these rates).',
      );
    }
    if (config.mode !== 'announce') {
      lines.push(
        `Receipts runs: ${Object.entries(config.reports_per_run)
          .map(([clients, reports]) => `${clients} clients x ${Math.floor(reports / Number(clients))} reports`)
          .join(', ')} (seed: ${config.requests_per_client} per client, at most ${count(config.max_reports)} per run); ` +
          `${config.receipts_per_report} fresh receipts per report from distinct receivers, pre-signed, each report sent once.`,
      );
    }
    if (config.mixed) {
      lines.push(
        `Mixed run: ${config.mixed.announce_clients} announce clients while ${config.mixed.report_clients} report clients send ` +
          `${count(config.mixed.reports)} reports; announces count only while reports are in flight.`,
      );
    }
    lines.push(`Every run is capped at ${config.max_seconds} s.`, '');
  }

  const failed = runs.filter((run) => run.error !== undefined);
  for (const run of failed) lines.push(`FAILED: ${run.kind} run, ${run.tracker}, ${run.clients} clients: ${run.error}`);
  if (failed.length > 0) lines.push('');

  lines.push('COMPARISON SUMMARY', '', comparisonSummary(runs, clients), '');
  lines.push(
    'Latency: per request, from writing it to the last byte of its response, over every response (exact',
    'percentiles from all samples). Throughput:',
    'responses / (first request to last response). Errors: connection errors + non-2xx + bencoded failures.',
    '',
  );

  const observed = observations(runs, clients);
  if (observed.length > 0) {
    lines.push('Key Observations:');
    for (const o of observed) {
      const sign = o.receipt_latency_overhead_percent >= 0 ? '+' : '';
      lines.push(
        `${o.clients} clients:`,
        `  - Receipt latency overhead: ${sign}${o.receipt_latency_overhead_percent.toFixed(1)}%`,
        `  - Throughput reduction: ${o.throughput_reduction_x.toFixed(2)}x`,
        `  - Verified receipts: ${num(o.verified_receipts_per_s, 0)}/s`,
        ...(o.tracker_cpu_us_per_receipt === null
          ? []
          : [`  - Tracker CPU per verified receipt: ${o.tracker_cpu_us_per_receipt.toFixed(0)} us (verification workers included)`]),
      );
    }
    lines.push('');
  }
  const receiptRuns = runs.filter((run) => run.kind === 'receipts' && run.reports && !run.error);
  if (receiptRuns.length > 0 && observed.length === 0) {
    lines.push('Verified receipts:');
    for (const run of receiptRuns) lines.push(`  ${run.clients} clients: ${num(run.reports!.verified_receipts_per_s, 0)}/s`);
    lines.push('');
  }

  const peers = peerComparison(runs, clients);
  if (peers.length > 0) {
    const name = config?.peer_tracker ? `${config.peer_tracker.name} ${config.peer_tracker.version}` : 'bittorrent-tracker';
    lines.push(
      `PEER TRACKER (${name}, HTTP only, its own process, the same announces without passkeys)`,
      '',
      table(
        [
          { header: 'Clients', width: 10 },
          { header: 'PBTS (req/s)', width: 14, align: 'right' },
          { header: 'Peer (req/s)', width: 14, align: 'right' },
          { header: 'Ratio (ours/theirs)', width: 20, align: 'right' },
          { header: 'PBTS p99 (ms)', width: 14, align: 'right' },
          { header: 'Peer p99 (ms)', width: 14, align: 'right' },
          { header: 'CPU/req PBTS (us)', width: 18, align: 'right' },
          { header: 'Peer (us)', width: 10, align: 'right' },
        ],
        peers.map((p) => [
          String(p.clients),
          num(p.pbts_rps),
          num(p.peer_rps),
          `${p.ratio.toFixed(2)}x`,
          num(p.pbts_p99_ms),
          num(p.peer_p99_ms),
          micros(p.pbts_cpu_us_per_request),
          micros(p.peer_cpu_us_per_request),
        ]),
      ),
      'PBTS runs in private mode (passkey lookup and ratio gate on every announce); the peer is open. CPU per',
      'request is the tracker process\'s CPU time over the announces it served: it compares the two trackers',
      'even when other processes take cores.',
      '',
    );
  }

  const mixed = runs.find((run) => run.kind === 'mixed' && !run.error);
  let mixedJson: Record<string, unknown> | null = null;
  if (mixed?.announce && mixed.reports) {
    const alone = find(runs, 'announce', 'pbts', mixed.clients)?.announce;
    const a = mixed.announce;
    const r = mixed.reports;
    lines.push(
      'ANNOUNCES DURING RECEIPT VERIFICATION (both loads at once)',
      `  ${mixed.clients} announce clients + ${mixed.report_clients} report clients for ${a.duration_s.toFixed(2)} s`,
      `  Announces: ${num(a.throughput_rps)} req/s, mean ${num(a.mean_ms)} ms, p50 ${num(a.p50_ms)} ms, ` +
        `p95 ${num(a.p95_ms)} ms, p99 ${num(a.p99_ms)} ms, max ${num(a.max_ms)} ms, errors ${errorCount(a)}`,
      alone
        ? `  Same clients without receipts: ${num(alone.throughput_rps)} req/s, p99 ${num(alone.p99_ms)} ms`
        : '  (no announce-only run at this client count to compare with)',
      `  Reports: ${num(r.throughput_rps)} req/s, ${num(r.verified_receipts_per_s, 0)} verified receipts/s, ` +
        `p99 ${num(r.p99_ms)} ms, errors ${errorCount(r)}`,
      '',
    );
    mixedJson = {
      announce_clients: mixed.clients,
      report_clients: mixed.report_clients,
      announce: a,
      reports: r,
      announce_alone: alone ?? null,
    };
  }

  const targets = checkTargets(runs);
  lines.push('TARGETS');
  for (const t of targets) {
    lines.push(targetLine(t, (v) => `${num(v, t.unit === 'x' || t.unit === 'ms' ? 2 : 0)}${t.unit === 'x' ? 'x' : ` ${t.unit}`}`));
  }
  lines.push('');

  lines.push(...cpuSection(runs, config?.cores));

  if (config) {
    lines.push(
      `Load generator: ${config.generator.process}, ${config.generator.tool}, one keep-alive connection per client, ` +
        `pipelining ${config.generator.pipelining}, no rate limit, request timeout ${config.generator.timeout_s} s, ` +
        `fixed work per run capped at ${config.max_seconds} s. It shares this machine's ${config.cores} cores with the ` +
        'tracker under test (CPU above), so the figures are what one machine serves to itself, not the tracker alone.',
    );
  }

  const results: Record<string, Record<string, LoadStats>> = {};
  for (const count of clients) {
    const announce = find(runs, 'announce', 'pbts', count)?.announce;
    const receipts = find(runs, 'receipts', 'pbts', count)?.reports;
    if (announce || receipts) results[String(count)] = { ...(announce && { announce }), ...(receipts && { receipts }) };
  }
  return {
    text: lines.join('\n'),
    json: {
      config: config ?? null,
      results,
      comparison: observed,
      peer_comparison: peers,
      mixed: mixedJson,
      targets,
      runs,
    },
  };
}
