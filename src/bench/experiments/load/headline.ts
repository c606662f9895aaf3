/**
 * The load experiment's headline figures (at the largest client count measured, which each
 * label names) and its charts: announce throughput and p99 of both trackers, and verified
 * receipts, by client count.
 * @module
 */
import type { Chart, Headline, NumberFormat } from '../../report/model.ts';
import { type LoadRun, type LoadStats, findRun, largestClients, mixedRun } from './records.ts';

const RATE: NumberFormat = { digits: 0, grouped: true };
/** Milliseconds and ratios. */
const FIGURE: NumberFormat = { digits: 2, grouped: true };

/** `label (N clients)`, or the bare label when nothing was measured. */
const at = (label: string, clients: number | undefined) => (clients === undefined ? label : `${label} (${clients} clients)`);

/** The headline figures; a figure this run did not measure is null. */
export function loadHeadline(runs: readonly LoadRun[]): Headline[] {
  const top = largestClients(runs, 'announce', 'pbts');
  const ours = top === undefined ? undefined : findRun(runs, 'announce', 'pbts', top)?.announce;
  const peer = top === undefined ? undefined : findRun(runs, 'announce', 'bittorrent-tracker', top)?.announce;
  const receiptTop = largestClients(runs, 'receipts', 'pbts');
  const reports = receiptTop === undefined ? undefined : findRun(runs, 'receipts', 'pbts', receiptTop)?.reports;
  const mixed = mixedRun(runs);
  const mixedLabel = mixed ? ` (${mixed.clients} clients + ${mixed.report_clients} report clients)` : '';
  return [
    { key: 'announce_throughput_rps', label: at('Announce throughput', top), value: ours?.throughput_rps ?? null, unit: 'req/s', format: RATE },
    { key: 'announce_mean_ms', label: at('Announce mean latency', top), value: ours?.mean_ms ?? null, unit: 'ms', format: FIGURE },
    { key: 'announce_p99_ms', label: at('Announce p99 latency', top), value: ours?.p99_ms ?? null, unit: 'ms', format: FIGURE },
    {
      key: 'peer_announce_throughput_rps',
      label: at('bittorrent-tracker announce throughput', top),
      value: peer?.throughput_rps ?? null,
      unit: 'req/s',
      format: RATE,
    },
    {
      key: 'announce_vs_peer_x',
      label: at('Announce throughput vs bittorrent-tracker', top),
      value: ours && peer ? ours.throughput_rps / peer.throughput_rps : null,
      unit: 'x',
      format: FIGURE,
    },
    { key: 'report_throughput_rps', label: at('Report throughput', receiptTop), value: reports?.throughput_rps ?? null, unit: 'req/s', format: RATE },
    { key: 'report_mean_ms', label: at('Report mean latency', receiptTop), value: reports?.mean_ms ?? null, unit: 'ms', format: FIGURE },
    {
      key: 'verified_receipts_per_s',
      label: at('Verified receipts', receiptTop),
      value: reports?.verified_receipts_per_s ?? null,
      unit: 'receipts/s',
      format: RATE,
    },
    {
      key: 'mixed_announce_p99_ms',
      label: `Announce p99 during receipt verification${mixedLabel}`,
      value: mixed?.announce?.p99_ms ?? null,
      unit: 'ms',
      format: FIGURE,
    },
  ];
}

/** A chart by client count, without series that measured nothing; undefined when none measured anything. */
function byClients(
  chart: Omit<Chart, 'x' | 'series'>,
  clients: readonly number[],
  series: { name: string; value: (clients: number) => number | undefined }[],
): Chart | undefined {
  const measured = series.map((s) => ({ name: s.name, values: clients.map((count) => s.value(count) ?? null) }));
  const kept = measured.filter((s) => s.values.some((value) => value !== null));
  // Only the client counts some series measured.
  const columns = clients.map((_, i) => i).filter((i) => kept.some((s) => s.values[i] !== null));
  if (columns.length === 0) return undefined;
  return {
    ...chart,
    x: { title: 'Clients', values: columns.map((i) => clients[i]!) },
    series: kept.map((s) => ({ name: s.name, values: columns.map((i) => s.values[i]!) })),
  };
}

/** The charts of the load report, for the client counts of its runs. */
export function loadCharts(runs: readonly LoadRun[], clients: readonly number[]): Chart[] {
  const announce = (tracker: LoadRun['tracker'], figure: (stats: LoadStats) => number) => (count: number) => {
    const stats = findRun(runs, 'announce', tracker, count)?.announce;
    return stats && figure(stats);
  };
  const charts = [
    byClients({ id: 'announce-throughput', title: 'Announce throughput', mark: 'bar', y: { title: 'Announces/s', unit: 'req/s' } }, clients, [
      { name: 'PBTS', value: announce('pbts', (s) => s.throughput_rps) },
      { name: 'bittorrent-tracker', value: announce('bittorrent-tracker', (s) => s.throughput_rps) },
    ]),
    byClients({ id: 'announce-p99', title: 'Announce p99 latency', mark: 'line', y: { title: 'p99 latency', unit: 'ms' } }, clients, [
      { name: 'PBTS', value: announce('pbts', (s) => s.p99_ms) },
      { name: 'bittorrent-tracker', value: announce('bittorrent-tracker', (s) => s.p99_ms) },
    ]),
    byClients(
      { id: 'receipts-throughput', title: 'Verified receipts', mark: 'bar', y: { title: 'Verified receipts/s', unit: 'receipts/s' } },
      clients,
      [{ name: 'Verified receipts/s', value: (count) => findRun(runs, 'receipts', 'pbts', count)?.reports?.verified_receipts_per_s }],
    ),
  ];
  return charts.filter((chart): chart is Chart => chart !== undefined);
}
