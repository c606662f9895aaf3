import { describe, expect, test } from 'vitest';
import {
  type LoadConfig,
  type LoadRun,
  type LoadStats,
  type ReportStats,
  checkTargets,
  loadOptions,
  mixedShape,
  otherCpuPercent,
  reportsPerRun,
  summarizeLoad,
} from './load.ts';

function stats(throughput: number, mean: number, p95: number, p99: number, extra: Partial<LoadStats> = {}): LoadStats {
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

function reports(throughput: number, mean: number, p95: number, p99: number): ReportStats {
  return {
    ...stats(throughput, mean, p95, p99),
    receipts_per_report: 10,
    verified_receipts: throughput * 20,
    verified_receipts_per_s: throughput * 10,
    tracker_spent_delta: throughput * 20,
  };
}

// Over 2 s: generator 60%, tracker 95%, all processes 170% of a core, so others 15%.
const cpu = { cpu: { wall_s: 2, generator_s: 1.2, tracker_s: 1.9, machine_s: 3.4 } };

const RUNS: LoadRun[] = [
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

const CONFIG: LoadConfig = {
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

describe('summarizeLoad', () => {
  test('default: the seed comparison table, key observations, peer comparison, mixed run and targets', () => {
    const { text, json } = summarizeLoad(new Map(), { config: CONFIG, runs: RUNS });
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
  });

  test('behavior: targets that fail say FAIL, unmeasured ones n/a, and p99 falls back to the largest client count', () => {
    const slow: LoadRun[] = [
      { kind: 'announce', tracker: 'pbts', clients: 50, announce: stats(9_000, 4, 9, 14), ...cpu },
      { kind: 'announce', tracker: 'bittorrent-tracker', clients: 50, announce: stats(6_000, 6, 12, 18), ...cpu },
    ];
    const targets = checkTargets(slow);
    expect(targets.map((t) => [t.name, t.pass])).toEqual([
      ['announce_throughput', false],
      ['announce_vs_bittorrent_tracker', false],
      ['announce_p99', false],
      ['verified_receipts_per_s', null],
      ['announce_p99_during_receipts', null],
    ]);
    expect(targets[2]!.note).toBe('at 50 clients (100 not measured)');
    const { text } = summarizeLoad(new Map(), { runs: slow });
    expect(text).toContain('[FAIL] announce_throughput: 9,000 req/s');
    expect(text).toContain('[n/a ] verified_receipts_per_s: - (target >= 2,000 receipts/s; not measured in this run)');
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
    const { text, json } = summarizeLoad(new Map(), { runs: [RUNS[0]!, failed] });
    expect(text).toContain('FAILED: receipts run, pbts, 10 clients: 3 non-2xx responses {"409":3}');
    expect(text).not.toMatch(/^10\s+Receipts/m);
    expect((json.results as Record<string, object>)['10']).not.toHaveProperty('receipts');
    expect((json.targets as { name: string; pass: boolean | null }[]).find((t) => t.name === 'verified_receipts_per_s')!.pass).toBeNull();
  });

  test('behavior: CPU taken by other processes is shown and warned about', () => {
    expect(otherCpuPercent(RUNS[0]!)).toBeCloseTo(15, 9);
    expect(otherCpuPercent({ ...RUNS[0]!, cpu: { ...cpu.cpu, machine_s: null } })).toBeNull();
    expect(otherCpuPercent({ ...RUNS[0]!, cpu: null })).toBeNull();
    const busy: LoadRun = { ...RUNS[0]!, cpu: { wall_s: 2, generator_s: 0.8, tracker_s: 1.2, machine_s: 4 } };
    const { text } = summarizeLoad(new Map(), { config: CONFIG, runs: [busy] });
    // 40,000 announces: tracker 30 us, generator 20 us each.
    expect(text).toMatch(/^announce\s+10\s+40%\s+60%\s+100%\s+30\s+20$/m);
    expect(text).toContain('WARNING: other processes on this machine used up to 100% of a core');
    expect(summarizeLoad(new Map(), { runs: [RUNS[0]!] }).text).not.toContain('WARNING');
  });

  test('error: malformed extras give an empty report, not a crash', () => {
    const { text, json } = summarizeLoad(new Map(), { runs: 'nope', config: 7 });
    expect(text).toContain('COMPARISON SUMMARY');
    expect(json).toMatchObject({ config: null, results: {}, runs: [] });
    expect(summarizeLoad(new Map(), { runs: [{ kind: 'announce' }, null] }).json.runs).toEqual([]);
  });
});

describe('loadOptions', () => {
  test('default: the seed defaults and the bounded totals', () => {
    const options = loadOptions({});
    expect(options).toMatchObject({
      trackerUrl: undefined,
      clients: [10, 50, 100],
      requests: 100,
      announces: 50_000,
      maxReports: 2_000,
      receiptsPerReport: 10,
      maxSeconds: 30,
      mode: 'both',
      users: 100,
    });
    expect(loadOptions({ PBTS_QUICK: '1' })).toMatchObject({ clients: [5, 10], requests: 5, announces: 2_000, maxReports: 50 });
    expect(reportsPerRun(options, 10)).toBe(1_000);
    expect(reportsPerRun(options, 50)).toBe(2_000);
    expect(reportsPerRun({ requests: 1, maxReports: 5 }, 20)).toBe(20);
    expect(mixedShape(options)).toEqual({ announceClients: 100, reportClients: 10, reports: 1_000 });
  });

  test('behavior: variables set the options; clients are sorted and deduplicated', () => {
    const options = loadOptions({
      PBTS_CLIENTS: '100 10,10',
      PBTS_REQUESTS: '200',
      PBTS_LOAD_MODE: 'receipts',
      PBTS_LOAD_RECEIPTS_PER_REPORT: '200',
      PBTS_TRACKER_URL: 'http://localhost:8000/',
    });
    expect(options).toMatchObject({ clients: [10, 100], requests: 200, mode: 'receipts', trackerUrl: 'http://127.0.0.1:8000' });
    expect(options.users).toBe(201);
  });

  test('error: bad modes, sizes and non-loopback trackers are refused', () => {
    expect(() => loadOptions({ PBTS_LOAD_MODE: 'announces' })).toThrow(/announce, receipts or both/);
    expect(() => loadOptions({ PBTS_LOAD_RECEIPTS_PER_REPORT: '2000' })).toThrow(/at most 1024/);
    expect(() => loadOptions({ PBTS_CLIENTS: '5000' })).toThrow(/at most 1000/);
    expect(() => loadOptions({ PBTS_REQUESTS: '0' })).toThrow(/positive integer/);
    expect(() => loadOptions({ PBTS_TRACKER_URL: 'http://10.0.0.5:8000' })).toThrow(/loopback/);
  });
});
