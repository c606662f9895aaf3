import { describe, expect, test } from 'vitest';
import { summarize } from '../../stats.ts';
import { summarizeOnchain } from './report.ts';

const gas = {
  registration: [120_000, 130_000],
  update: [40_000, 41_000],
  batch: { '10': [130_000], '100': [1_100_000] },
};

function benchmarks() {
  return new Map([
    ['onchain > user registration', summarize([6, 8])],
    ['onchain > reputation update', summarize([4, 6])],
    ['onchain > store write', summarize([0.2, 0.3, 0.4])],
    ['onchain > batch update 10', summarize([5, 5])],
    ['onchain > batch update 100', summarize([10, 30])],
  ]);
}

describe('onchain headline', () => {
  test('default', () => {
    const { headline } = summarizeOnchain(benchmarks(), { gas }).report;
    expect(headline.map((h) => [h.key, h.value, h.unit, h.group ?? null])).toEqual([
      ['registration_mean_ms', 7, 'ms', null],
      ['update_mean_ms', 5, 'ms', null],
      ['store_write_mean_ms', 0.3, 'ms', null],
      ['batch_throughput_10', 2_000, 'updates/s', 'Batch Update Throughput'],
      ['batch_throughput_100', 5_000, 'updates/s', 'Batch Update Throughput'],
      ['gas_per_batched_update', 11_000, 'gas', null],
      ['registration_gas', 125_000, 'gas', null],
      ['update_gas', 40_500, 'gas', null],
    ]);
    const byKey = new Map(headline.map((h) => [h.key, h]));
    expect(byKey.get('registration_mean_ms')).toMatchObject({ label: 'User Registration', after: '(mean)', format: { digits: 2 } });
    expect(byKey.get('update_mean_ms')).toMatchObject({ label: 'Reputation Update', after: '(mean)' });
    expect(byKey.get('batch_throughput_100')).toMatchObject({ label: '100 per tx', format: { digits: 0, grouped: true } });
    expect(byKey.get('gas_per_batched_update')!.after).toBe('(batch of 100)');
  });

  test('behavior: figures not measured are null, batch figures absent', () => {
    const { headline } = summarizeOnchain(new Map(), {}).report;
    expect(headline.map((h) => [h.key, h.value])).toEqual([
      ['registration_mean_ms', null],
      ['update_mean_ms', null],
      ['store_write_mean_ms', null],
      ['gas_per_batched_update', null],
      ['registration_gas', null],
      ['update_gas', null],
    ]);
  });
});

describe('onchain charts', () => {
  test('default', () => {
    const { charts } = summarizeOnchain(benchmarks(), { gas }).report;
    expect(charts.map((c) => [c.id, c.mark, c.scale ?? 'linear', c.y.unit])).toEqual([
      ['batch-throughput', 'bar', 'linear', 'updates/s'],
      ['batch-gas', 'bar', 'linear', 'gas'],
      ['latency', 'bar', 'log', 'ms'],
    ]);
    const [throughput, perEntry, latency] = charts;
    expect(throughput!.x.values).toEqual([10, 100]);
    expect(throughput!.series).toEqual([{ name: 'Updates/s', values: [2_000, 5_000] }]);
    expect(perEntry!.series).toEqual([{ name: 'Gas per entry', values: [13_000, 11_000] }]);
    expect(latency!.x.values).toEqual(['registration', 'update', 'store write', 'batch 10', 'batch 100']);
    expect(latency!.series).toEqual([{ name: 'Median ms', values: [7, 5, 0.3, 5, 20] }]);
  });

  test('behavior: unmeasured operations are null; no batches, no batch charts; nothing, no charts', () => {
    const { charts } = summarizeOnchain(new Map([['onchain > reputation update', summarize([4])]]), {}).report;
    expect(charts.map((c) => c.id)).toEqual(['latency']);
    expect(charts[0]!.series[0]!.values).toEqual([null, 4, null]);
    expect(summarizeOnchain(new Map(), {}).report.charts).toEqual([]);
  });
});
