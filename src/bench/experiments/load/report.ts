/**
 * The load experiment's printed sections as data: the set-up, the seed's COMPARISON SUMMARY and
 * Key Observations, the peer tracker, announces during receipt verification, the targets, the
 * process CPU and the load generator.
 * @module
 */
import { type Block, type Cell, type Column, type NumberFormat, type Section, formatNumber, text } from '../../report/model.ts';
import type { TargetCheck } from '../../targets.ts';
import type { MixedComparison, Observation, PeerComparison } from './comparison.ts';
import { cpuSection } from './cpu.ts';
import { type LoadConfig, type LoadRun, errorCount, findRun } from './records.ts';

/** The seed's figures: two decimals, thousands grouped. */
const FIGURE: NumberFormat = { digits: 2, grouped: true };
const count = (value: number) => formatNumber(value, { digits: 0, grouped: true });
const figure = (value: number) => formatNumber(value, FIGURE);

const clientsColumn = (width: number): Column => ({ header: 'Clients', width, format: { digits: 0 } });
const figureColumn = (header: string, unit: string, width: number, align?: 'right'): Column => ({
  header,
  unit,
  width,
  ...(align && { align }),
  format: FIGURE,
});

function setup(config: LoadConfig): string[] {
  const tracker = config.tracker;
  const lines = [
    `Tracker: ${tracker.url} (${tracker.started_by_bench ? `started by the bench in its own process, ${tracker.mode} mode` : 'given, already running'}` +
      `${tracker.verify_workers ? `, ${tracker.verify_workers} verification workers` : ''})`,
  ];
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
  return lines;
}

function comparisonSummary(runs: readonly LoadRun[], clients: readonly number[]): Section {
  const rows: Cell[][] = [];
  for (const clientCount of clients) {
    const announce = findRun(runs, 'announce', 'pbts', clientCount)?.announce;
    const receipts = findRun(runs, 'receipts', 'pbts', clientCount)?.reports;
    // A blank line between client counts.
    if (rows.length > 0 && (announce || receipts)) rows.push([]);
    for (const [mode, stats] of [['Announce', announce], ['Receipts', receipts]] as const) {
      if (stats) rows.push([clientCount, mode, stats.throughput_rps, stats.mean_ms, stats.p95_ms, stats.p99_ms, errorCount(stats)]);
    }
  }
  return {
    title: 'COMPARISON SUMMARY',
    heading: 'line',
    blocks: [
      text(''),
      {
        kind: 'table',
        id: 'comparison-summary',
        columns: [
          clientsColumn(10),
          { header: 'Mode', width: 12 },
          figureColumn('Throughput (req/s)', 'req/s', 20),
          figureColumn('Mean Latency (ms)', 'ms', 20),
          figureColumn('P95 Latency (ms)', 'ms', 20),
          figureColumn('P99 Latency (ms)', 'ms', 20),
          { header: 'Errors', width: 6, format: { digits: 0 } },
        ],
        rows,
      },
      text(
        '',
        'Latency: per request, from writing it to the last byte of its response, over every response (exact',
        'percentiles from all samples). Throughput:',
        'responses / (first request to last response). Errors: connection errors + non-2xx + bencoded failures.',
        '',
      ),
    ],
  };
}

function keyObservations(observed: readonly Observation[]): Section {
  const blocks: Block[] = [text('Key Observations:')];
  for (const o of observed) {
    blocks.push(text(`${o.clients} clients:`), {
      kind: 'figures',
      indent: '  - ',
      items: [
        { label: 'Receipt latency overhead', value: o.receipt_latency_overhead_percent, unit: '', format: { digits: 1, signed: true, suffix: '%' } },
        { label: 'Throughput reduction', value: o.throughput_reduction_x, unit: '', format: { digits: 2, suffix: 'x' } },
        { label: 'Verified receipts', value: o.verified_receipts_per_s, unit: '', format: { digits: 0, grouped: true, suffix: '/s' } },
        ...(o.tracker_cpu_us_per_receipt === null
          ? []
          : [{ label: 'Tracker CPU per verified receipt', value: o.tracker_cpu_us_per_receipt, unit: 'us', format: { digits: 0 }, after: '(verification workers included)' }]),
      ],
    });
  }
  blocks.push(text(''));
  return { title: 'Key Observations', heading: 'none', blocks };
}

/** Verified receipts per receipts run, printed when no client count had both modes. */
function verifiedReceipts(receiptRuns: readonly LoadRun[]): Section {
  return {
    title: 'Verified receipts',
    heading: 'none',
    blocks: [
      text('Verified receipts:'),
      {
        kind: 'figures',
        indent: '  ',
        items: receiptRuns.map((run) => ({
          label: `${run.clients} clients`,
          value: run.reports!.verified_receipts_per_s,
          unit: '',
          format: { digits: 0, grouped: true, suffix: '/s' },
        })),
      },
      text(''),
    ],
  };
}

function peerTracker(peers: readonly PeerComparison[], config: LoadConfig | undefined): Section {
  const name = config?.peer_tracker ? `${config.peer_tracker.name} ${config.peer_tracker.version}` : 'bittorrent-tracker';
  const micros = (header: string, width: number): Column => ({ header, unit: 'us', width, align: 'right', format: { digits: 0 }, missing: '-' });
  return {
    title: `PEER TRACKER (${name}, HTTP only, its own process, the same announces without passkeys)`,
    heading: 'line',
    blocks: [
      text(''),
      {
        kind: 'table',
        id: 'peer-tracker',
        columns: [
          clientsColumn(10),
          figureColumn('PBTS (req/s)', 'req/s', 14, 'right'),
          figureColumn('Peer (req/s)', 'req/s', 14, 'right'),
          { header: 'Ratio (ours/theirs)', unit: 'x', width: 20, align: 'right', format: { digits: 2, suffix: 'x' } },
          figureColumn('PBTS p99 (ms)', 'ms', 14, 'right'),
          figureColumn('Peer p99 (ms)', 'ms', 14, 'right'),
          micros('CPU/req PBTS (us)', 18),
          micros('Peer (us)', 10),
        ],
        rows: peers.map((p) => [p.clients, p.pbts_rps, p.peer_rps, p.ratio, p.pbts_p99_ms, p.peer_p99_ms, p.pbts_cpu_us_per_request, p.peer_cpu_us_per_request]),
      },
      text(
        'PBTS runs in private mode (passkey lookup and ratio gate on every announce); the peer is open. CPU per',
        "request is the tracker process's CPU time over the announces it served: it compares the two trackers",
        'even when other processes take cores.',
        '',
      ),
    ],
  };
}

function duringVerification(mixed: MixedComparison): Section {
  const a = mixed.announce;
  const r = mixed.reports;
  const alone = mixed.announce_alone;
  return {
    title: 'ANNOUNCES DURING RECEIPT VERIFICATION (both loads at once)',
    heading: 'line',
    blocks: [
      text(
        `  ${mixed.announce_clients} announce clients + ${mixed.report_clients} report clients for ${a.duration_s.toFixed(2)} s`,
        `  Announces: ${figure(a.throughput_rps)} req/s, mean ${figure(a.mean_ms)} ms, p50 ${figure(a.p50_ms)} ms, ` +
          `p95 ${figure(a.p95_ms)} ms, p99 ${figure(a.p99_ms)} ms, max ${figure(a.max_ms)} ms, errors ${errorCount(a)}`,
        alone
          ? `  Same clients without receipts: ${figure(alone.throughput_rps)} req/s, p99 ${figure(alone.p99_ms)} ms`
          : '  (no announce-only run at this client count to compare with)',
        `  Reports: ${figure(r.throughput_rps)} req/s, ${count(r.verified_receipts_per_s)} verified receipts/s, ` +
          `p99 ${figure(r.p99_ms)} ms, errors ${errorCount(r)}`,
        '',
      ),
    ],
  };
}

function loadGenerator(config: LoadConfig): Section {
  return {
    title: 'Load generator',
    heading: 'none',
    blocks: [
      text(
        `Load generator: ${config.generator.process}, ${config.generator.tool}, one keep-alive connection per client, ` +
          `pipelining ${config.generator.pipelining}, no rate limit, request timeout ${config.generator.timeout_s} s, ` +
          `fixed work per run capped at ${config.max_seconds} s. It shares this machine's ${config.cores} cores with the ` +
          'tracker under test (CPU above), so the figures are what one machine serves to itself, not the tracker alone.',
      ),
    ],
  };
}

/** What the sections are built from. */
export interface LoadFigures {
  config: LoadConfig | undefined;
  runs: readonly LoadRun[];
  /** Client counts of all runs, ascending. */
  clients: readonly number[];
  observed: readonly Observation[];
  peers: readonly PeerComparison[];
  mixed: MixedComparison | null;
  targets: readonly TargetCheck[];
}

/** The sections of the load report, in printed order (each ends with its blank line). */
export function loadSections(figures: LoadFigures): Section[] {
  const { config, runs, clients, observed, peers, mixed } = figures;
  const sections: Section[] = [
    {
      title: 'LOAD TEST: tracker capacity with concurrent clients',
      heading: 'line',
      blocks: [text('', ...(config ? setup(config) : []))],
    },
  ];
  const failed = runs.filter((run) => run.error !== undefined);
  if (failed.length > 0) {
    sections.push({
      title: 'Failed runs',
      heading: 'none',
      blocks: [text(...failed.map((run) => `FAILED: ${run.kind} run, ${run.tracker}, ${run.clients} clients: ${run.error}`), '')],
    });
  }
  sections.push(comparisonSummary(runs, clients));
  if (observed.length > 0) sections.push(keyObservations(observed));
  const receiptRuns = runs.filter((run) => run.kind === 'receipts' && run.reports && !run.error);
  if (receiptRuns.length > 0 && observed.length === 0) sections.push(verifiedReceipts(receiptRuns));
  if (peers.length > 0) sections.push(peerTracker(peers, config));
  if (mixed) sections.push(duringVerification(mixed));
  sections.push({ title: 'TARGETS', heading: 'line', blocks: [{ kind: 'targets', checks: [...figures.targets] }, text('')] });
  const cpu = cpuSection(runs, config?.cores);
  if (cpu) sections.push(cpu);
  if (config) sections.push(loadGenerator(config));
  return sections;
}
