/**
 * The printed output of every experiment on fixed inputs, byte for byte: the files under
 * `__printed__/` were recorded from the summarizers before their sections became data, so a
 * renderer change that moves one character fails here.
 */
import { describe, expect, test } from 'vitest';
import { summarize } from '../stats.ts';
import { summarizeLoad, type LoadConfig, type LoadRun, type LoadStats, type ReportStats } from './load.ts';
import { summarizeOnchain, type OnchainConfig, type OnchainGas } from './onchain.ts';
import { summarizeReceipts } from './receipts.ts';
import { TEE_BENCH, summarizeTee, type TeeExtras } from './tee.ts';

const series = (base: number, n = 20) => Array.from({ length: n }, (_, i) => base * (1 + ((i * 7) % 11) / 50));

function receiptsBenchmarks() {
  const entries: Array<[string, number[]]> = [];
  for (const [backend, f] of [['blst', 1], ['noble', 55]] as const) {
    entries.push(
      [`receipts [${backend}] > keypair generation`, series(0.14 * f)],
      [`receipts [${backend}] > receipt creation`, series(0.38 * f)],
      [`receipts [${backend}] > receipt verification`, series(1.22 * f)],
    );
    for (const size of [10, 50, 100, 500]) {
      entries.push(
        [`receipts [${backend}] > batch ${size} > aggregate creation`, series(0.01 * size * f, 10)],
        [`receipts [${backend}] > batch ${size} > aggregate verification`, series(0.31 * size * f, 10)],
        [`receipts [${backend}] > batch ${size} > individual verification`, series(1.2 * size * f, 10)],
      );
    }
  }
  return new Map(entries.map(([name, samples]) => [name, summarize(samples)]));
}

function teeBenchmarks() {
  const entries: Array<[string, number[]]> = [
    [TEE_BENCH.regularKey, series(0.24)],
    [TEE_BENCH.teeKey, series(0.98)],
    [TEE_BENCH.sdkRoundTrip, series(0.34)],
    [TEE_BENCH.simKeyWork, series(0.24)],
    [TEE_BENCH.quote, series(0.63)],
    [TEE_BENCH.simWorker, series(7.5, 10)],
    [TEE_BENCH.simInProcess, series(8.1, 10)],
    [TEE_BENCH.sampleWorker, series(9.1, 10)],
    [TEE_BENCH.sampleInProcess, series(8.0, 10)],
  ];
  return new Map(entries.map(([name, samples]) => [name, summarize(samples)]));
}

const teeExtras: TeeExtras = {
  config: { iterations: 100, verify_iterations: 10, warmup: 5, simulator_seed: 'seed', dcap_qvl: '0.3.9', dstack_sdk: '0.5.8' },
  cold: { 'fresh worker: spawn until ready': [300, 340], 'simulator quote, first call in this process': [220] },
  event_loop: {
    in_process: { max_ms: 25, p99_ms: 12.65, mean_ms: 11, verifications: 20 },
    worker: { max_ms: 4, p99_ms: 4.15, mean_ms: 1.2, verifications: 20 },
  },
  outcomes: { a: { attempts: 10, successes: 10 } },
  not_measured: [
    { what: 'Intel PCS / PCCS collateral round trips', why: 'no network here' },
    { what: 'real TDX quote generation', why: 'no TDX hardware' },
  ],
};

const onchainConfig: OnchainConfig = {
  users: 4,
  updates: 4,
  batch_sizes: [10, 50, 100],
  gas_price_gwei: 30,
  eth_usd: 3000,
  initial_credit: '1073741824',
  chain: { rpc_url: 'http://127.0.0.1:8545', auto_started: true, chain_id: 31337, client_version: 'anvil/v1.7.1', automine: true },
  factory: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  reputation: '0xa16E02E87b7454126E5E10d957A927A7F5B5d2be',
  account: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
};

const onchainGas: OnchainGas = {
  create_reputation: [1_056_674, 1_056_674],
  create_successor: 1_060_000,
  registration: [126_849, 126_849, 126_849],
  update: [40_474, 40_474],
  batch: { '10': [136_730], '50': [564_550], '100': [1_099_300] },
  migrate: [125_545],
};

function onchainBenchmarks() {
  return new Map([
    ['onchain > create reputation', summarize(series(9))],
    ['onchain > user registration', summarize(series(4.04))],
    ['onchain > reputation update', summarize(series(3.47))],
    ['onchain > batch update 10', summarize(series(6.2, 10))],
    ['onchain > batch update 50', summarize(series(10.9, 10))],
    ['onchain > batch update 100', summarize(series(15.6, 10))],
    ['onchain > migrate user', summarize(series(5.1))],
  ]);
}

const onchainPhases = {
  'reputation update': { prepare: [1.29, 1.3], sign: [0.59, 0.6], send: [1.96, 2], receipt: [0, 0] },
  'batch update 100': { prepare: [8, 9], sign: [1, 1], send: [3, 3], receipt: [0, 0] },
};

function loadStats(throughput: number, mean: number, p95: number, p99: number): LoadStats {
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
  };
}

function loadReports(throughput: number, mean: number, p95: number, p99: number): ReportStats {
  return {
    ...loadStats(throughput, mean, p95, p99),
    receipts_per_report: 10,
    verified_receipts: throughput * 20,
    verified_receipts_per_s: throughput * 10,
    tracker_spent_delta: throughput * 20,
  };
}

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
  test('default: receipts, both backends and their comparison', async () => {
    await expect(summarizeReceipts(receiptsBenchmarks()).text).toMatchFileSnapshot('__printed__/receipts.txt');
  });

  test('behavior: receipts, one backend only', async () => {
    const blst = new Map([...receiptsBenchmarks()].filter(([name]) => name.includes('[blst]')));
    await expect(summarizeReceipts(blst).text).toMatchFileSnapshot('__printed__/receipts-blst.txt');
  });

  test('default: tee, every case with the Intel sample', async () => {
    await expect(summarizeTee(teeBenchmarks(), teeExtras as Record<string, unknown>).text).toMatchFileSnapshot('__printed__/tee.txt');
  });

  test('behavior: tee without the sample, slow and blocking', async () => {
    const slow = new Map([...teeBenchmarks()].filter(([name]) => !name.includes('Intel sample')));
    slow.set(TEE_BENCH.teeKey, summarize([3, 3]));
    const extras: TeeExtras = { ...teeExtras, sample_skipped: 'not found', event_loop: { ...teeExtras.event_loop!, worker: { max_ms: 30, p99_ms: 30, mean_ms: 9, verifications: 20 } } };
    await expect(summarizeTee(slow, extras as Record<string, unknown>).text).toMatchFileSnapshot('__printed__/tee-slow.txt');
  });

  test('default: onchain with phases, gas, projection and an unreachable tracker', async () => {
    const tracker = { tracker_url: 'http://127.0.0.1:9', measured: false, reachable: false, chain_status: null, reason: 'no answer' };
    const text = summarizeOnchain(onchainBenchmarks(), { config: onchainConfig, gas: onchainGas, phases: onchainPhases, tracker }).text;
    await expect(text).toMatchFileSnapshot('__printed__/onchain.txt');
  });

  test('behavior: onchain with nothing recorded', async () => {
    await expect(summarizeOnchain(new Map(), {}).text).toMatchFileSnapshot('__printed__/onchain-empty.txt');
  });

  test('default: load with the peer, a failed run, the mixed run and CPU', async () => {
    await expect(summarizeLoad(new Map(), { config: loadConfig, runs: loadRuns }).text).toMatchFileSnapshot('__printed__/load.txt');
  });

  test('behavior: load with malformed extras', async () => {
    await expect(summarizeLoad(new Map(), { runs: 'nope', config: 7 }).text).toMatchFileSnapshot('__printed__/load-empty.txt');
  });
});
