/**
 * The on-chain experiment's headline figures (SUMMARY.txt, COMPARISON.txt: the on-chain update
 * against a store write of the same run) and its charts.
 * @module
 */
import type { Chart, Headline, NumberFormat } from '../../report/model.ts';
import type { OnchainResults } from './results.ts';

const INT: NumberFormat = { digits: 0, grouped: true };

/** Registration, update and store write means, batch throughput per size, and gas. */
export function onchainHeadline({ registration, update, storeWrite, batches, projectionBatch }: OnchainResults): Headline[] {
  const mean = (key: string, label: string, value: number | undefined, digits: number): Headline => ({
    key,
    label,
    value: value ?? null,
    unit: 'ms',
    format: { digits },
    after: '(mean)',
  });
  const gas = (key: string, label: string, value: number | null | undefined, after?: string): Headline => ({
    key,
    label,
    value: value ?? null,
    unit: 'gas',
    format: INT,
    ...(after !== undefined && { after }),
  });
  return [
    mean('registration_mean_ms', 'User Registration', registration?.mean_ms, 2),
    mean('update_mean_ms', 'Reputation Update', update?.mean_ms, 2),
    // Sub-millisecond on a fast disk: two decimals would round it to nothing.
    mean('store_write_mean_ms', 'SQLite Store Commit', storeWrite?.mean_ms, 4),
    ...batches.map(
      (b): Headline => ({
        key: `batch_throughput_${b.batch_size}`,
        label: `${b.batch_size} per tx`,
        value: b.throughput_updates_per_sec,
        unit: 'updates/s',
        format: INT,
        group: 'Batch Update Throughput',
      }),
    ),
    gas(
      'gas_per_batched_update',
      'Gas per Batched Update',
      projectionBatch?.gas_per_entry,
      projectionBatch && `(batch of ${projectionBatch.batch_size})`,
    ),
    gas('registration_gas', 'Registration Gas', registration?.avg_gas),
    gas('update_gas', 'Update Gas', update?.avg_gas),
  ];
}

/** Throughput and gas per entry by batch size (when batches ran), and the median latency of each operation. */
export function onchainCharts({ registration, update, storeWrite, batches }: OnchainResults): Chart[] {
  const sizes = batches.map((b) => b.batch_size);
  const charts: Chart[] = [];
  if (batches.length > 0) {
    charts.push(
      {
        id: 'batch-throughput',
        title: 'Batched update throughput',
        mark: 'bar',
        x: { title: 'Batch size', values: sizes },
        y: { title: 'Throughput', unit: 'updates/s' },
        series: [{ name: 'Updates/s', values: batches.map((b) => b.throughput_updates_per_sec) }],
      },
      {
        id: 'batch-gas',
        title: 'Gas per batched update',
        mark: 'bar',
        x: { title: 'Batch size', values: sizes },
        y: { title: 'Gas per entry', unit: 'gas' },
        series: [{ name: 'Gas per entry', values: batches.map((b) => b.gas_per_entry) }],
      },
    );
  }
  const latencies = [registration?.median_ms, update?.median_ms, storeWrite?.median_ms, ...batches.map((b) => b.median_total_ms)];
  if (latencies.some((v) => v !== undefined)) {
    charts.push({
      id: 'latency',
      title: 'Latency per transaction (store write: one SQLite commit)',
      mark: 'bar',
      // Sub-millisecond store commits beside multi-millisecond transactions.
      scale: 'log',
      x: { title: 'Operation', values: ['registration', 'update', 'store write', ...sizes.map((size) => `batch ${size}`)] },
      y: { title: 'Median latency', unit: 'ms' },
      series: [{ name: 'Median ms', values: latencies.map((v) => v ?? null) }],
    });
  }
  return charts;
}
