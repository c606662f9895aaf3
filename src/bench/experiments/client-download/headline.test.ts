import { describe, expect, test } from 'vitest';
import { CONFIG, TRANSFERS, benchmarks } from './fixture.ts';
import { summarizeClientDownload } from './index.ts';

describe('client-download headline', () => {
  test('default', () => {
    const { headline } = summarizeClientDownload(benchmarks(), { config: CONFIG, transfers: TRANSFERS }).report;
    const byKey = Object.fromEntries(headline.map((h) => [h.key, h.value]));
    expect(Object.keys(byKey)).toEqual([
      'receipt_cost_ms',
      'model_loss_1mib_100mbs_percent',
      'transfer_loss_1mib_100mbs_percent',
      'transfer_loss_1mib_10mbs_percent',
      'receipt_cpu_s_per_gb',
    ]);
    const sign = benchmarks().get('client-download > model > receipt sign')!.mean_ms;
    const verify = benchmarks().get('client-download > model > receipt verify')!.mean_ms;
    const hash = benchmarks().get('client-download > model > piece hash 1024 KB')!.mean_ms;
    expect(byKey.receipt_cost_ms).toBeCloseTo(sign + verify, 12);
    // 100 MB in 1 MB pieces at 100 MB/s: 1 s, plus 100 x (sign + verify + 2 hashes).
    const receipts = (100 * (sign + verify + 2 * hash)) / 1000;
    expect(byKey.model_loss_1mib_100mbs_percent).toBeCloseTo((receipts / (1 + receipts)) * 100, 10);
    expect(byKey.transfer_loss_1mib_100mbs_percent).toBeCloseTo((1 - 0.66 / 0.665) * 100, 10);
    expect(byKey.transfer_loss_1mib_10mbs_percent).toBeCloseTo((1 - 6.42 / 6.44) * 100, 10);
    // Per pair, (on - off) CPU of all three processes per GB (16 x 64 MB): 10 MB/s 0.15, 0.14, 0.16; 100 MB/s 0.14, 0.14, 0.15.
    expect(byKey.receipt_cpu_s_per_gb).toBeCloseTo((0.15 * 16 + 0.14 * 16) / 2, 10);
  });

  test('behavior: figures not measured are null', () => {
    const { headline } = summarizeClientDownload(new Map(), {}).report;
    expect(headline.map((h) => h.value)).toEqual([null, null, null, null, null]);
    // Only the 100 MB/s cell measured: the 10 MB/s figure stays null.
    const only = TRANSFERS.filter((run) => run.speed_mbps === 100);
    const partial = summarizeClientDownload(benchmarks(), { config: CONFIG, transfers: only }).report.headline;
    expect(partial.find((h) => h.key === 'transfer_loss_1mib_10mbs_percent')!.value).toBeNull();
    expect(partial.find((h) => h.key === 'transfer_loss_1mib_100mbs_percent')!.value).not.toBeNull();
  });
});

describe('client-download charts', () => {
  test('default', () => {
    const { charts } = summarizeClientDownload(benchmarks(), { config: CONFIG, transfers: TRANSFERS }).report;
    expect(charts.map((c) => [c.id, c.mark, c.scale ?? 'linear', c.y.unit])).toEqual([
      ['transfer-loss', 'bar', 'linear', '%'],
      ['transfer-cpu', 'bar', 'linear', 's'],
      ['model-overhead', 'line', 'log', '%'],
    ]);
    const [loss, cpu, model] = charts;
    expect(loss!.x.values).toEqual(['100 MB/s, 256 KiB', '10 MB/s, 1 MiB', '100 MB/s, 1 MiB']);
    expect(loss!.series.map((s) => s.name)).toEqual(['loss % (median)']);
    expect(cpu!.series.map((s) => s.name)).toEqual(['receipts off', 'receipts on']);
    expect(model!.x.values).toEqual([1, 5, 10, 25, 50, 100]);
    expect(model!.series.map((s) => s.name)).toEqual(['256 KB pieces', '512 KB pieces', '1024 KB pieces', '2048 KB pieces']);
    expect(model!.series.every((s) => s.values.every((v) => v !== null && v > 0))).toBe(true);
  });

  test('behavior: no transfers, no transfer charts; nothing, no charts', () => {
    expect(summarizeClientDownload(benchmarks(), { config: CONFIG }).report.charts.map((c) => c.id)).toEqual(['model-overhead']);
    expect(summarizeClientDownload(new Map(), {}).report.charts).toEqual([]);
  });
});
