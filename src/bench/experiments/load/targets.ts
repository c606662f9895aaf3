/**
 * The load experiment's targets (DESIGN.md): announces >= 30,000 req/s and >= 2x the peer
 * tracker, announce p99 <= 10 ms at 100 clients (also while receipts are verified), and
 * >= 2,000 verified receipts/s.
 * @module
 */
import { type TargetCheck, targetCheck } from '../../targets.ts';
import { type LoadRun, findRun, largestClients, mixedRun } from './records.ts';

/** Every target of the load experiment checked against `runs` (failed runs count as not measured). */
export function checkTargets(runs: readonly LoadRun[]): TargetCheck[] {
  const top = largestClients(runs, 'announce', 'pbts');
  const ours = top === undefined ? undefined : findRun(runs, 'announce', 'pbts', top)?.announce;
  const peer = top === undefined ? undefined : findRun(runs, 'announce', 'bittorrent-tracker', top)?.announce;
  const at100 = findRun(runs, 'announce', 'pbts', 100)?.announce;
  const p99Run = at100 ?? ours;
  const p99Clients = at100 ? 100 : top;
  const receiptTop = largestClients(runs, 'receipts', 'pbts');
  const receipts = receiptTop === undefined ? undefined : findRun(runs, 'receipts', 'pbts', receiptTop)?.reports;
  const mixed = mixedRun(runs);
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
