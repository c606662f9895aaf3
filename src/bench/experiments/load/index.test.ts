import { describe, expect, test } from 'vitest';
import type { TableBlock } from '../../report/model.ts';
import { reportText } from '../../report/text.ts';
import { CONFIG, RUNS, cpu, reports, stats } from './fixture.ts';
import { type LoadRun, type LoadStats, load, summarizeLoad } from './index.ts';

function table(report: ReturnType<typeof summarizeLoad>['report'], id: string): TableBlock {
  const block = report.sections.flatMap((section) => section.blocks).find((b) => b.kind === 'table' && b.id === id);
  if (block?.kind !== 'table') throw new Error(`no table ${id}`);
  return block;
}

describe('summarizeLoad', () => {
  test('default: the seed comparison table, key observations, peer comparison, mixed run and targets', () => {
    const { report, json } = summarizeLoad(new Map(), { config: CONFIG, runs: RUNS });
    const text = reportText(report);
    expect(text).toContain('COMPARISON SUMMARY');
    expect(text).toMatch(/Clients\s+Mode\s+Throughput \(req\/s\)\s+Mean Latency \(ms\)\s+P95 Latency \(ms\)\s+P99 Latency \(ms\)\s+Errors/);
    expect(text).toMatch(/^10\s+Announce\s+20,000\.00\s+0\.50\s+0\.90\s+1\.50\s+0$/m);
    expect(text).toMatch(/^100\s+Receipts\s+300\.00\s+330\.00\s+400\.00\s+500\.00\s+0$/m);
    // 40 ms / 0.5 ms - 1 = +7900%; 20,000 / 250 = 80x.
    expect(text).toContain('10 clients:\n  - Receipt latency overhead: +7900.0%\n  - Throughput reduction: 80.00x');
    expect(text).toMatch(/^100\s+32,000\.00\s+10,000\.00\s+3\.20x/m);
    expect(text).toContain('Announces: 25,000.00 req/s, mean 4.00 ms, p50 3.60 ms, p95 7.00 ms, p99 9.50 ms');
    expect(text).toContain('Same clients without receipts: 32,000.00 req/s, p99 8.00 ms');
    expect(text).toContain('[PASS] announce_throughput: 32,000 req/s');
    expect(text).toContain('[PASS] announce_vs_bittorrent_tracker: 3.20x');
    expect(text).toContain('[PASS] announce_p99: 8.00 ms');
    expect(text).toContain('[PASS] verified_receipts_per_s: 3,000 receipts/s');
    expect(text).toContain('[PASS] announce_p99_during_receipts: 9.50 ms');
    expect(text).toContain('Load generator: one Node process (bench/load/generator.ts), own HTTP/1.1 keep-alive client (bench/load/http-load.ts)');
    expect(text).toContain("shares this machine's 2 cores");

    const results = json.results as Record<string, Record<string, LoadStats>>;
    expect(results['10']!.announce!.throughput_rps).toBe(20_000);
    expect(results['100']!.receipts!.p95_ms).toBe(400);
    expect(json.comparison).toEqual([
      {
        clients: 10,
        receipt_latency_overhead_percent: 7900,
        throughput_reduction_x: 80,
        verified_receipts_per_s: 2_500,
        tracker_cpu_us_per_receipt: (1.9 / 5_000) * 1e6,
      },
      {
        clients: 100,
        receipt_latency_overhead_percent: 10900,
        throughput_reduction_x: 32_000 / 300,
        verified_receipts_per_s: 3_000,
        tracker_cpu_us_per_receipt: (1.9 / 6_000) * 1e6,
      },
    ]);
    // 1.9 s of tracker CPU over 40,000 announces (ours) and 16,000 (theirs).
    expect(json.peer_comparison).toMatchObject([
      {
        clients: 10,
        ratio: 2.5,
        pbts_cpu_us_per_request: expect.closeTo(47.5, 9),
        peer_cpu_us_per_request: expect.closeTo(118.75, 9),
        cpu_efficiency_ratio: expect.closeTo(2.5, 9),
      },
      { clients: 100, ratio: 3.2 },
    ]);
    expect(text).toContain('Tracker CPU per verified receipt: 380 us');
    // 64,000 announces at 100 clients: tracker 29.7 us, generator 18.75 us each; 2 cores / 48.4 us.
    expect(text).toContain('At 100 clients an announce cost the tracker 30 us of CPU and the generator 19 us');
    expect(text).toContain('about 41,290 announces/s at most');
    expect(json.mixed).toMatchObject({ announce_clients: 100, report_clients: 10, announce_alone: { p99_ms: 8 } });
    expect(json.runs).toHaveLength(RUNS.length);
    expect(json.config).toEqual(CONFIG);
    expect(Object.keys(json)).toEqual(['config', 'results', 'comparison', 'peer_comparison', 'mixed', 'targets', 'runs']);
  });

  test('behavior: the tables hold numbers with their units, and the report carries every target', () => {
    const { report, json } = summarizeLoad(new Map(), { config: CONFIG, runs: RUNS });
    const summary = table(report, 'comparison-summary');
    expect(summary.columns.map((c) => c.unit)).toEqual([undefined, undefined, 'req/s', 'ms', 'ms', 'ms', undefined]);
    // Announce and receipts at 10 clients, a blank separator row, then 100 clients.
    expect(summary.rows).toEqual([
      [10, 'Announce', 20_000, 0.5, 0.9, 1.5, 0],
      [10, 'Receipts', 250, 40, 60, 80, 0],
      [],
      [100, 'Announce', 32_000, 3, 5, 8, 0],
      [100, 'Receipts', 300, 330, 400, 500, 0],
    ]);
    const peer = table(report, 'peer-tracker');
    expect(peer.rows[1]!.slice(0, 6)).toEqual([100, 32_000, 10_000, 3.2, 8, 20]);
    expect(peer.columns[3]).toMatchObject({ unit: 'x', format: { digits: 2, suffix: 'x' } });
    // The mixed run's tracker CPU per request is unknown: its cells are null, printed `-`.
    expect(table(report, 'process-cpu').rows.at(-1)).toEqual(['mixed (+10 report clients)', 100, 60, 95, expect.closeTo(15, 9), null, null]);
    expect(report.targets).toEqual(json.targets);
    expect(report.targets.map((t) => t.pass)).toEqual([true, true, true, true, true]);
  });

  test('behavior: targets that fail say FAIL, unmeasured ones n/a, and no observations without receipts', () => {
    const slow: LoadRun[] = [
      { kind: 'announce', tracker: 'pbts', clients: 50, announce: stats(9_000, 4, 9, 14), ...cpu },
      { kind: 'announce', tracker: 'bittorrent-tracker', clients: 50, announce: stats(6_000, 6, 12, 18), ...cpu },
    ];
    const text = reportText(summarizeLoad(new Map(), { runs: slow }).report);
    expect(text).toContain('[FAIL] announce_throughput: 9,000 req/s');
    expect(text).toContain('[n/a ] verified_receipts_per_s: - (target >= 2,000 receipts/s; not measured in this run)');
    expect(text).not.toContain('Key Observations');
  });

  test('behavior: receipts without announces list verified receipts per run', () => {
    const text = reportText(summarizeLoad(new Map(), { runs: [RUNS[4]!, RUNS[5]!] }).report);
    expect(text).toContain('Verified receipts:\n  10 clients: 2,500/s\n  100 clients: 3,000/s\n');
    expect(text).not.toContain('Key Observations');
  });

  test('behavior: a failed run is named and left out of the tables and targets', () => {
    const failed: LoadRun = {
      kind: 'receipts',
      tracker: 'pbts',
      clients: 10,
      reports: reports(250, 40, 60, 80),
      ...cpu,
      error: '3 non-2xx responses {"409":3}',
    };
    const { report, json } = summarizeLoad(new Map(), { runs: [RUNS[0]!, failed] });
    const text = reportText(report);
    expect(text).toContain('FAILED: receipts run, pbts, 10 clients: 3 non-2xx responses {"409":3}');
    expect(text).not.toMatch(/^10\s+Receipts/m);
    expect((json.results as Record<string, object>)['10']).not.toHaveProperty('receipts');
    expect((json.targets as { name: string; pass: boolean | null }[]).find((t) => t.name === 'verified_receipts_per_s')!.pass).toBeNull();
  });

  test('error: malformed extras give an empty report, not a crash', () => {
    const { report, json } = summarizeLoad(new Map(), { runs: 'nope', config: 7 });
    expect(reportText(report)).toContain('COMPARISON SUMMARY');
    expect(json).toMatchObject({ config: null, results: {}, runs: [] });
    expect(report.charts).toEqual([]);
    expect(summarizeLoad(new Map(), { runs: [{ kind: 'announce' }, null] }).json.runs).toEqual([]);
  });
});

describe('load', () => {
  test('default: the registry entry names the bench file and summarizer', () => {
    expect(load).toMatchObject({ name: 'load', title: 'LOAD TEST', benchFile: 'bench/load.bench.ts', summarize: summarizeLoad });
    expect(load.options.map((o) => o.flag)).toEqual([
      'tracker-url',
      'clients',
      'requests',
      'mode',
      'announces',
      'max-reports',
      'receipts-per-report',
      'max-seconds',
    ]);
  });
});
