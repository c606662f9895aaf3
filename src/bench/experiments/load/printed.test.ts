/**
 * The printed output of the load experiment on fixed inputs, byte for byte: the files under
 * `__printed__/` were recorded from the summarizer before its sections became data, so a
 * renderer change that moves one character fails here.
 */
import { describe, expect, test } from 'vitest';
import { reportText } from '../../report/text.ts';
import { reports as loadReports, stats as loadStats } from './fixture.ts';
import { summarizeLoad, type LoadConfig, type LoadRun } from './index.ts';

const cpu = { cpu: { wall_s: 2, generator_s: 1.2, tracker_s: 1.9, machine_s: 4.2 } };
const loadRuns: LoadRun[] = [
  { kind: 'announce', tracker: 'pbts', clients: 10, announce: loadStats(38_654, 0.26, 0.5, 0.69), ...cpu },
  { kind: 'announce', tracker: 'bittorrent-tracker', clients: 10, announce: loadStats(10_547, 0.9, 1.6, 2.1), ...cpu },
  { kind: 'announce', tracker: 'pbts', clients: 100, announce: loadStats(43_247, 2.3, 3.9, 4.64), ...cpu },
  { kind: 'announce', tracker: 'bittorrent-tracker', clients: 100, announce: loadStats(11_329, 8.8, 12, 15), ...cpu },
  { kind: 'receipts', tracker: 'pbts', clients: 10, reports: loadReports(286, 35, 50, 61), ...cpu },
  { kind: 'receipts', tracker: 'pbts', clients: 100, reports: loadReports(290, 340, 410, 480), ...cpu },
  { kind: 'receipts', tracker: 'pbts', clients: 50, reports: loadReports(250, 200, 260, 300), ...cpu, error: '3 non-2xx responses {"409":3}' },
  {
    kind: 'mixed',
    tracker: 'pbts',
    clients: 100,
    report_clients: 10,
    announce: loadStats(27_613, 3.6, 6.1, 7.95),
    reports: loadReports(60, 160, 200, 240),
    ...cpu,
  },
];

const loadConfig: LoadConfig = {
  mode: 'both',
  quick: false,
  clients: [10, 50, 100],
  announces_per_run: 50_000,
  requests_per_client: 100,
  max_reports: 2_000,
  receipts_per_report: 10,
  max_seconds: 30,
  reports_per_run: { 10: 1_000, 50: 2_000, 100: 2_000 },
  mixed: { announce_clients: 100, report_clients: 10, reports: 1_000 },
  tracker: { url: 'http://127.0.0.1:4000', started_by_bench: true, mode: 'private', verify_workers: 2 },
  peer_tracker: { name: 'bittorrent-tracker', version: '11.2.3', url: 'http://127.0.0.1:4001' },
  workload: { torrents: 1_000, peers: 20_000, users: 100, numwant: 50, piece_size: 262_144, warmup_announces: 20_000 },
  generator: { tool: 'own HTTP/1.1 keep-alive client (bench/load/http-load.ts)', process: 'one Node process (bench/load/generator.ts)', pipelining: 1, timeout_s: 10 },
  cores: 2,
};

describe('printed output', () => {
  test('default: load with the peer, a failed run, the mixed run and CPU', async () => {
    await expect(reportText(summarizeLoad(new Map(), { config: loadConfig, runs: loadRuns }).report)).toMatchFileSnapshot('__printed__/load.txt');
  });
  test('behavior: load with malformed extras', async () => {
    await expect(reportText(summarizeLoad(new Map(), { runs: 'nope', config: 7 }).report)).toMatchFileSnapshot('__printed__/load-empty.txt');
  });
});
