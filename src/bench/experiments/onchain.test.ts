import { describe, expect, test } from 'vitest';
import { summarize } from '../stats.ts';
import {
  type OnchainConfig,
  type OnchainGas,
  checkTargets,
  envPositive,
  onchainOptions,
  projectAnnualCost,
  summarizeOnchain,
} from './onchain.ts';

const config: OnchainConfig = {
  users: 4,
  updates: 4,
  batch_sizes: [10, 100],
  gas_price_gwei: 30,
  eth_usd: 3000,
  initial_credit: '1073741824',
  chain: { rpc_url: 'http://127.0.0.1:8545', auto_started: true, chain_id: 31337, client_version: 'anvil/v1.7.1', automine: true },
  factory: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  reputation: '0xa16E02E87b7454126E5E10d957A927A7F5B5d2be',
  account: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
};

const gas: OnchainGas = {
  create_reputation: [1_000_000, 1_000_002],
  create_successor: 1_020_000,
  registration: [120_000, 130_000, 125_000, 125_000],
  update: [40_000, 40_000, 40_000, 40_000],
  batch: { '10': [130_000, 130_000], '100': [1_100_000, 1_100_000] },
  migrate: [125_000],
};

function benchmarks(): Map<string, ReturnType<typeof summarize>> {
  return new Map([
    ['onchain > create reputation', summarize([8, 10])],
    ['onchain > user registration', summarize([6, 7, 8, 9])],
    ['onchain > reputation update', summarize([4, 5, 5, 6])],
    ['onchain > batch update 10', summarize([5, 5])],
    ['onchain > batch update 100', summarize([10, 20])],
    ['onchain > migrate user', summarize([12])],
    ['receipts [blst] > receipt creation', summarize([1])],
  ]);
}

describe('summarizeOnchain', () => {
  test('default', () => {
    const phases = {
      'reputation update': { prepare: [1, 2, 3], sign: [0.5, 0.5, 0.5], send: [1, 1, 1], receipt: [0.5, 0.5, 0.7] },
      'batch update 100': { prepare: [8, 9], sign: [1, 1], send: [3, 3], receipt: [2, 2] },
      'user registration': { prepare: [], sign: [], send: [], receipt: [] },
    };
    const { json, text } = summarizeOnchain(benchmarks(), { config, gas, phases });
    const registration = json.user_registration as Record<string, number>;
    expect(registration.mean_ms).toBe(7.5);
    expect(registration.avg_gas).toBe(125_000);
    expect(registration.min_gas).toBe(120_000);
    const update = json.reputation_update as Record<string, number> & { phases_median: unknown };
    expect(update.median_ms).toBe(5);
    expect(update.avg_gas).toBe(40_000);

    const batches = json.batch_updates as Record<string, Record<string, number>>;
    expect(Object.keys(batches)).toEqual(['10', '100']);
    expect(batches['100']).toMatchObject({
      batch_size: 100,
      total_ms: 15,
      avg_per_update_ms: 0.15,
      gas_per_tx: 1_100_000,
      gas_per_entry: 11_000,
      num_runs: 2,
    });
    expect(batches['100']!.throughput_updates_per_sec).toBeCloseTo(100_000 / 15);
    expect(batches['10']!.gas_per_entry).toBe(13_000);
    expect(batches['100']!.phases_median).toEqual({ prepare_ms: 8.5, sign_ms: 1, send_ms: 3, receipt_ms: 2 });
    expect(batches['10']!.phases_median).toBeNull();
    expect(update.phases_median).toEqual({ prepare_ms: 2, sign_ms: 0.5, send_ms: 1, receipt_ms: 0.5 });
    expect((json.user_registration as { phases_median: null }).phases_median).toBeNull();

    expect(json.gas).toMatchObject({
      create_reputation: { gas_used: 1_000_001, latency_ms: 9, transactions: 2 },
      add_user: { gas_used: 125_000, latency_ms: 7.5 },
      update_user: { gas_used: 40_000, latency_ms: 5 },
      migrate_user: { gas_used: 125_000, latency_ms: 12 },
      // (1,100,000 - 130,000) / 90
      batch_update_per_entry: { gas_used: 11_000, batch_size: 100, marginal_gas_per_entry: 970_000 / 90 },
      create_reputation_with_referrer: { gas_used: 1_020_000 },
    });

    const projections = json.annual_cost_projections as ReturnType<typeof projectAnnualCost>;
    expect(projections).toHaveLength(12);
    const hourly = projections.find((p) => p.frequency === 'hourly' && p.users === 1_000)!;
    expect(hourly.updates_per_year).toBe(8_760_000);
    expect(hourly.total_gas).toBe(8_760_000 * 11_000);
    expect(hourly.estimated_eth).toBeCloseTo(8_760_000 * 11_000 * 30e-9);
    expect(hourly.estimated_usd).toBeCloseTo(8_760_000 * 11_000 * 30e-9 * 3000);
    expect(hourly.unbatched_total_gas).toBe(8_760_000 * 40_000);

    const targets = json.targets as ReturnType<typeof checkTargets>;
    expect(targets.map((t) => [t.name, t.pass])).toEqual([
      ['single_update_latency', true],
      ['batched_update_throughput', true],
      ['gas_per_batched_update', true],
    ]);

    expect(text).toContain('1. User Registration');
    expect(text).toContain('2. Reputation Updates');
    expect(text).toMatch(/Batch Size\s+Total \(ms\)\s+Avg\/Update \(ms\)\s+Throughput \(updates\/s\)\s+Gas\/entry/);
    expect(text).toMatch(/^\s+100\s+15\.00\s+0\.1500\s+6,667\s+11,000$/m);
    expect(text).toContain('ANNUAL COST PROJECTION (gas price 30 gwei');
    expect(text).toMatch(/hourly\s+1,000\s+8,760,000\s+2,890\.8000\s+\$8,672,400\.00/);
    expect(text).toContain('exclude block time');
    expect(text).toMatch(/WHERE THE TIME GOES[^\n]*\n.*\n\s+reputation update\s+2\.00\s+0\.50\s+1\.00\s+0\.50\s+5\.00\n\s+batch update 100\s+8\.50\s+1\.00\s+3\.00\s+2\.00\s+15\.00\n/);
    expect(text).toContain('non-zero initial upload credit');
    expect(text).toContain('[PASS] single_update_latency: 5.00 ms');
  });

  test('behavior: targets fail and say so when the figures miss them', () => {
    const slow = new Map([
      ['onchain > reputation update', summarize([9, 9])],
      ['onchain > batch update 100', summarize([50])],
    ]);
    const { json, text } = summarizeOnchain(slow, { config, gas: { ...gas, batch: { '100': [2_000_000] } } });
    const targets = json.targets as ReturnType<typeof checkTargets>;
    expect(targets.map((t) => t.pass)).toEqual([false, false, false]);
    expect(text).toContain('[FAIL] batched_update_throughput: 2,000 updates/s');
    expect(text).toContain('[FAIL] gas_per_batched_update: 20,000 gas');
  });

  test('behavior: missing benchmarks and extras leave nulls, not errors', () => {
    const { json, text } = summarizeOnchain(new Map(), {});
    expect(json.user_registration).toBeNull();
    expect(json.batch_updates).toEqual({});
    expect(json.annual_cost_projections).toEqual([]);
    expect((json.targets as { pass: null }[]).every((t) => t.pass === null)).toBe(true);
    expect(text).toContain('Chain: not recorded');
  });

  test('behavior: an unreachable tracker and an interval-mined chain are reported', () => {
    const { json, text } = summarizeOnchain(benchmarks(), {
      config: { ...config, chain: { ...config.chain, automine: false, auto_started: false } },
      gas,
      tracker: { tracker_url: 'http://127.0.0.1:8000', measured: false, reachable: false, chain_status: null, reason: 'no chain routes' },
    });
    expect(text).toContain('automine OFF');
    expect(text).toContain('latencies include its block interval');
    expect(text).toContain('TRACKER-MEDIATED: not measured (tracker http://127.0.0.1:8000, NOT reachable): no chain routes');
    expect(json.tracker_mediated).toMatchObject({ measured: false, reachable: false });

    const { text: withStatus } = summarizeOnchain(benchmarks(), {
      config,
      gas,
      tracker: {
        tracker_url: 'http://127.0.0.1:8000',
        measured: false,
        reachable: true,
        chain_status: { enabled: true, contract: '0xabc', last_confirmed_sequence: 7, pending_entries: 0 },
        reason: 'asynchronous outbox',
      },
    });
    expect(withStatus).toContain('TRACKER-MEDIATED: not measured (tracker http://127.0.0.1:8000, reachable): asynchronous outbox');
    expect(withStatus).toContain('Its chain status: enabled true, contract 0xabc, last confirmed batch 7, pending entries 0.');
  });

  test('behavior: gas extras read back from a file keep only numbers', () => {
    const { json } = summarizeOnchain(benchmarks(), {
      config,
      gas: { registration: [100, 'x', null], update: 'nope', batch: { '100': [1_000_000, Number.NaN] } },
    });
    expect((json.user_registration as { avg_gas: number }).avg_gas).toBe(100);
    expect((json.reputation_update as { avg_gas: null }).avg_gas).toBeNull();
    expect((json.batch_updates as Record<string, { gas_per_entry: number }>)['100']!.gas_per_entry).toBe(10_000);
    expect((json.annual_cost_projections as { unbatched_total_gas: null }[])[0]!.unbatched_total_gas).toBeNull();
  });
});

describe('projectAnnualCost', () => {
  test('default: reference frequencies and users, 30 gwei and $3000', () => {
    const rows = projectAnnualCost(10_000, null, 30, 3000);
    expect(rows.map((r) => [r.frequency, r.users, r.updates_per_year])).toEqual([
      ['per-transfer (10/day)', 100, 365_000],
      ['per-transfer (10/day)', 1_000, 3_650_000],
      ['per-transfer (10/day)', 10_000, 36_500_000],
      ['hourly', 100, 876_000],
      ['hourly', 1_000, 8_760_000],
      ['hourly', 10_000, 87_600_000],
      ['daily', 100, 36_500],
      ['daily', 1_000, 365_000],
      ['daily', 10_000, 3_650_000],
      ['weekly', 100, 5_200],
      ['weekly', 1_000, 52_000],
      ['weekly', 10_000, 520_000],
    ]);
    // 52 * 100 * 10,000 gas * 30 gwei = 1.56 ETH = $4,680.
    expect(rows[9]!.estimated_eth).toBeCloseTo(1.56);
    expect(rows[9]!.estimated_usd).toBeCloseTo(4680);
  });
});

describe('onchainOptions', () => {
  test('default', () => {
    const options = onchainOptions({});
    expect(options).toMatchObject({ users: 100, updates: 100, noAutoStart: false, gasPriceGwei: 30, ethUsd: 3000, trackerUrl: undefined });
    expect(options.batchRuns).toEqual({ 10: 10, 50: 10, 100: 10 });
  });

  test('behavior: quick, options and runs per batch size', () => {
    expect(onchainOptions({ PBTS_QUICK: '1' })).toMatchObject({ users: 10, updates: 10, batchRuns: { 10: 3, 50: 3, 100: 3 } });
    const options = onchainOptions({
      PBTS_UPDATES: '1000',
      PBTS_GAS_PRICE_GWEI: '0.5',
      PBTS_ETH_USD: '2500',
      PBTS_TRACKER_URL: 'http://localhost:8000/',
      PBTS_NO_AUTO_START: '1',
      PBTS_RPC_URL: 'http://127.0.0.1:8545',
      PBTS_FACTORY: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    });
    expect(options).toMatchObject({
      gasPriceGwei: 0.5,
      ethUsd: 2500,
      trackerUrl: 'http://127.0.0.1:8000',
      noAutoStart: true,
      rpcUrl: 'http://127.0.0.1:8545',
      batchRuns: { 10: 100, 50: 20, 100: 10 },
    });
  });

  test('error: --no-auto-start without a chain, a chain without --no-auto-start, bad values', () => {
    expect(() => onchainOptions({ PBTS_NO_AUTO_START: '1' })).toThrow(/needs PBTS_RPC_URL/);
    expect(() => onchainOptions({ PBTS_RPC_URL: 'http://127.0.0.1:8545' })).toThrow(/only with PBTS_NO_AUTO_START/);
    expect(() =>
      onchainOptions({ PBTS_NO_AUTO_START: '1', PBTS_RPC_URL: 'http://10.0.0.1:8545', PBTS_FACTORY: `0x${'1'.repeat(40)}` }),
    ).toThrow(/loopback/);
    expect(() => onchainOptions({ PBTS_NO_AUTO_START: '1', PBTS_RPC_URL: 'http://127.0.0.1:8545', PBTS_FACTORY: '0x12' })).toThrow(
      /20-byte hex address/,
    );
    expect(() => onchainOptions({ PBTS_TRACKER_URL: 'http://example.com:8000' })).toThrow(/loopback/);
    expect(() => envPositive('PBTS_ETH_USD', 1, { PBTS_ETH_USD: '-3' })).toThrow(/positive number/);
    expect(() => onchainOptions({ PBTS_USERS: '0' })).toThrow(/positive integer/);
  });

});
