/**
 * The figures the load report derives from its runs, kept in the result file: PBTS's runs by
 * client count, announces vs receipt reports (the seed's Key Observations), PBTS vs the peer
 * tracker, and the mixed run next to announces alone.
 * @module
 */
import { cpuPerRequestUs } from './cpu.ts';
import { type LoadRun, type LoadStats, type ReportStats, findRun, mixedRun } from './records.ts';

/** Announces vs receipt reports at one client count (the seed's Key Observations). */
export interface Observation {
  clients: number;
  /** Mean report latency over mean announce latency, minus one, in percent. */
  receipt_latency_overhead_percent: number;
  /** Announce throughput over report throughput. */
  throughput_reduction_x: number;
  verified_receipts_per_s: number;
  /** Tracker CPU per verified receipt, verification workers included; null when unknown. */
  tracker_cpu_us_per_receipt: number | null;
}

/** PBTS vs the peer tracker at one client count, on the same announces. */
export interface PeerComparison {
  clients: number;
  pbts_rps: number;
  peer_rps: number;
  ratio: number;
  pbts_p99_ms: number;
  peer_p99_ms: number;
  pbts_cpu_us_per_request: number | null;
  peer_cpu_us_per_request: number | null;
  /** Announces per CPU second, ours over theirs: the comparison least disturbed by other processes. */
  cpu_efficiency_ratio: number | null;
}

/** The mixed run's figures, with the announce-only run at the same client count. */
export interface MixedComparison {
  announce_clients: number;
  report_clients: number | undefined;
  announce: LoadStats;
  reports: ReportStats;
  announce_alone: LoadStats | null;
}

/** PBTS's announce and receipts stats by client count (the `results` key). */
export function resultsByClients(runs: readonly LoadRun[], clients: readonly number[]): Record<string, Record<string, LoadStats>> {
  const results: Record<string, Record<string, LoadStats>> = {};
  for (const count of clients) {
    const announce = findRun(runs, 'announce', 'pbts', count)?.announce;
    const receipts = findRun(runs, 'receipts', 'pbts', count)?.reports;
    if (announce || receipts) results[String(count)] = { ...(announce && { announce }), ...(receipts && { receipts }) };
  }
  return results;
}

/** Per client count with both modes: receipt latency overhead (mean) and throughput reduction. */
export function observations(runs: readonly LoadRun[], clients: readonly number[]): Observation[] {
  return clients.flatMap((count) => {
    const announce = findRun(runs, 'announce', 'pbts', count)?.announce;
    const run = findRun(runs, 'receipts', 'pbts', count);
    const receipts = run?.reports;
    if (!announce || !receipts) return [];
    const trackerCpu = run.cpu?.tracker_s;
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

/** Per client count where both trackers took announces: throughput, p99 and CPU per request. */
export function peerComparison(runs: readonly LoadRun[], clients: readonly number[]): PeerComparison[] {
  return clients.flatMap((count) => {
    const oursRun = findRun(runs, 'announce', 'pbts', count);
    const peerRun = findRun(runs, 'announce', 'bittorrent-tracker', count);
    const ours = oursRun?.announce;
    const peer = peerRun?.announce;
    if (!ours || !peer) return [];
    const oursCpu = cpuPerRequestUs(oursRun)?.tracker ?? null;
    const peerCpu = cpuPerRequestUs(peerRun)?.tracker ?? null;
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
        cpu_efficiency_ratio: oursCpu && peerCpu ? peerCpu / oursCpu : null,
      },
    ];
  });
}

/** The mixed run against announces alone, or null when no mixed run succeeded with both loads. */
export function mixedComparison(runs: readonly LoadRun[]): MixedComparison | null {
  const mixed = mixedRun(runs);
  if (!mixed?.announce || !mixed.reports) return null;
  return {
    announce_clients: mixed.clients,
    report_clients: mixed.report_clients,
    announce: mixed.announce,
    reports: mixed.reports,
    announce_alone: findRun(runs, 'announce', 'pbts', mixed.clients)?.announce ?? null,
  };
}
