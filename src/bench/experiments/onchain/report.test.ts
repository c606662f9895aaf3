import { describe, expect, test } from 'vitest';
import { reportText } from '../../report/text.ts';
import { summarize } from '../../stats.ts';
import type { TargetCheck } from '../../targets.ts';
import type { CostProjection } from './cost.ts';
import type { OnchainConfig, OnchainGas } from './records.ts';
import { summarizeOnchain } from './report.ts';

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
    ['onchain > store write', summarize([0.25, 0.5, 0.75])],
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
    const { json, report } = summarizeOnchain(benchmarks(), { config, gas, phases });
    const text = reportText(report);
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

    const projections = json.annual_cost_projections as CostProjection[];
    expect(projections).toHaveLength(12);
    const hourly = projections.find((p) => p.frequency === 'hourly' && p.users === 1_000)!;
    expect(hourly.updates_per_year).toBe(8_760_000);
    expect(hourly.total_gas).toBe(8_760_000 * 11_000);
    expect(hourly.estimated_eth).toBeCloseTo(8_760_000 * 11_000 * 30e-9);
    expect(hourly.estimated_usd).toBeCloseTo(8_760_000 * 11_000 * 30e-9 * 3000);
    expect(hourly.unbatched_total_gas).toBe(8_760_000 * 40_000);

    const targets = json.targets as TargetCheck[];
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

    expect(json.store_write).toMatchObject({ mean_ms: 0.5, median_ms: 0.5, samples: 3 });
    expect(text).toContain(
      "   Avg gas: 40,000\n   Baseline: the same credit as one SQLite commit in the tracker's store: Mean 0.5000 ms, Median 0.5000 ms\n\n3. Batch",
    );
    expect(report.targets).toEqual(json.targets);
  });

  test('behavior: the tables hold numbers with units', () => {
    const { report } = summarizeOnchain(benchmarks(), { config, gas });
    const tables = new Map(
      report.sections.flatMap((s) => s.blocks).flatMap((b) => (b.kind === 'table' ? [[b.id, b] as const] : [])),
    );
    expect([...tables.keys()]).toEqual(['batches', 'gas', 'annual-cost']);
    const batches = tables.get('batches')!;
    expect(batches.columns.map((c) => c.unit ?? null)).toEqual([null, 'ms', 'ms', 'updates/s', 'gas']);
    expect(batches.rows[1]).toEqual([100, 15, 0.15, 100_000 / 15, 11_000]);
    expect(tables.get('gas')!.rows[4]).toEqual(['batched update, per entry (100/tx)', 11_000, null]);
    const cost = tables.get('annual-cost')!;
    expect(cost.columns.map((c) => c.unit ?? null)).toEqual([null, 'users', 'updates', 'ETH', 'USD', 'ETH', 'USD']);
    expect(cost.rows[4]![2]).toBe(8_760_000);
    expect(cost.rows[4]![4]).toBeCloseTo(8_760_000 * 11_000 * 30e-9 * 3000);
  });

  test('behavior: a store write without an update still prints its baseline line', () => {
    const { json, report } = summarizeOnchain(new Map([['onchain > store write', summarize([1, 2, 3])]]), {});
    expect(json.store_write).toMatchObject({ mean_ms: 2 });
    expect(reportText(report)).toContain(
      "not recorded\nCAVEAT: a local Anvil with automine mines each transaction as it arrives: latencies are the client, RPC and EVM execution only and exclude block time (a real network adds about 12 s per block on Ethereum L1, 2 s on typical L2s, plus confirmation policy). Gas figures are what any EVM chain charges.\n\n   Baseline: the same credit as one SQLite commit in the tracker's store: Mean 2.0000 ms, Median 2.0000 ms\n\nGAS PER OPERATION",
    );
  });

  test('behavior: targets fail and say so when the figures miss them', () => {
    const slow = new Map([
      ['onchain > reputation update', summarize([9, 9])],
      ['onchain > batch update 100', summarize([50])],
    ]);
    const { json, report } = summarizeOnchain(slow, { config, gas: { ...gas, batch: { '100': [2_000_000] } } });
    const text = reportText(report);
    const targets = json.targets as TargetCheck[];
    expect(targets.map((t) => t.pass)).toEqual([false, false, false]);
    expect(text).toContain('[FAIL] batched_update_throughput: 2,000 updates/s');
    expect(text).toContain('[FAIL] gas_per_batched_update: 20,000 gas');
  });

  test('behavior: missing benchmarks and extras leave nulls, not errors', () => {
    const { json, report } = summarizeOnchain(new Map(), {});
    const text = reportText(report);
    expect(json.user_registration).toBeNull();
    expect(json.store_write).toBeNull();
    expect(text).not.toContain('Baseline');
    expect(json.batch_updates).toEqual({});
    expect(json.annual_cost_projections).toEqual([]);
    expect((json.targets as { pass: null }[]).every((t) => t.pass === null)).toBe(true);
    expect(text).toContain('Chain: not recorded');
  });

  test('behavior: an unreachable tracker and an interval-mined chain are reported', () => {
    const { json, report } = summarizeOnchain(benchmarks(), {
      config: { ...config, chain: { ...config.chain, automine: false, auto_started: false } },
      gas,
      tracker: { tracker_url: 'http://127.0.0.1:8000', measured: false, reachable: false, chain_status: null, reason: 'no chain routes' },
    });
    const text = reportText(report);
    expect(text).toContain('automine OFF');
    expect(text).toContain('latencies include its block interval');
    expect(text).toContain('TRACKER-MEDIATED: not measured (tracker http://127.0.0.1:8000, NOT reachable): no chain routes');
    expect(json.tracker_mediated).toMatchObject({ measured: false, reachable: false });

    const { report: withStatus } = summarizeOnchain(benchmarks(), {
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
    expect(reportText(withStatus)).toContain('TRACKER-MEDIATED: not measured (tracker http://127.0.0.1:8000, reachable): asynchronous outbox');
    expect(reportText(withStatus)).toContain('Its chain status: enabled true, contract 0xabc, last confirmed batch 7, pending entries 0.');
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
