import { describe, expect, test } from 'vitest';
import { type ReceiptCost, modelInsights, modelScenario, modelScenarios, saturationLoss } from './model.ts';

// Round figures: sign 0.5 ms, verify 1.5 ms, SHA-256 1 ms per MB.
const cost: ReceiptCost = { sign_ms: 0.5, verify_ms: 1.5, hash_ms: new Map([[256, 0.25], [1024, 1]]) };

describe('modelScenario', () => {
  test('default: 100 MB at 100 MB/s in 1 MB pieces, by hand', () => {
    const s = modelScenario(cost, 100, 1024, 100)!;
    // 100 pieces; 0.5 + 1.5 + 2 x 1 = 4 ms each, 0.4 s over a 1 s download.
    expect(s.scenario).toEqual({ download_speed_mbps: 100, piece_size_kb: 1024, num_pieces: 100, batch_size: 1, num_receipts: 100, total_size_mb: 100 });
    expect(s.receipt_time).toEqual({ per_piece_ms: 4, sign_ms: 0.5, verify_ms: 1.5, hash_ms: 2 });
    expect(s.overhead.total_download_time_sec).toBeCloseTo(1, 12);
    expect(s.overhead.total_receipt_gen_time_sec).toBeCloseTo(0.4, 12);
    expect(s.overhead.total_overhead_percent).toBeCloseTo(40, 10);
    // Sequential: 100 MB in 1.4 s.
    expect(s.throughput.actual_mbps).toBeCloseTo(71.428571, 5);
    expect(s.throughput.reduction_percent).toBeCloseTo(28.571429, 5);
    expect(s.total_download).toEqual({ baseline_time_sec: 1, actual_time_sec: 1.4, overhead_sec: expect.closeTo(0.4, 12) });
    // Overlapped: a piece takes 10 ms, the busiest peer (uploader: 1 + 1.5) 2.5 ms: no loss.
    expect(s.overlapped).toEqual({ busiest_peer_ms: 2.5, actual_mbps: 100, reduction_percent: 0, actual_time_sec: 1 });
  });

  test('behavior: beyond the busiest peer\'s pace the overlapped model loses too', () => {
    // 1,000 MB/s: a 1 MB piece takes 1 ms, the uploader 2.5 ms, so 2.5x as long; sequential 0.1 + 0.4 s.
    const s = modelScenario(cost, 1000, 1024, 100)!;
    expect(s.overhead.total_overhead_percent).toBeCloseTo(400, 10);
    expect(s.throughput.reduction_percent).toBeCloseTo(80, 10);
    expect(s.overlapped.actual_time_sec).toBeCloseTo(0.25, 12);
    expect(s.overlapped.reduction_percent).toBeCloseTo(60, 10);
  });

  test('behavior: 256 KB pieces at 10 MB/s; a file that is not a whole number of pieces rounds up', () => {
    const s = modelScenario(cost, 10, 256, 100)!;
    // 400 pieces of 0.5 + 1.5 + 2 x 0.25 = 2.5 ms: 1 s over 10 s.
    expect(s.scenario.num_pieces).toBe(400);
    expect(s.overhead.total_overhead_percent).toBeCloseTo(10, 10);
    expect(s.throughput.actual_mbps).toBeCloseTo(100 / 11, 10);
    expect(s.throughput.reduction_percent).toBeCloseTo(100 / 11, 10);
    expect(modelScenario(cost, 10, 1024, 2.5)!.scenario.num_pieces).toBe(3);
  });

  test('behavior: a piece size without a measured hash has no scenario', () => {
    expect(modelScenario(cost, 10, 512, 100)).toBeUndefined();
    expect(modelScenarios(cost, [1, 10], [256, 512, 1024], 100).map((s) => [s.scenario.download_speed_mbps, s.scenario.piece_size_kb])).toEqual([
      [1, 256],
      [1, 1024],
      [10, 256],
      [10, 1024],
    ]);
  });
});

describe('modelInsights', () => {
  test('default: best and worst by overhead, and the averages', () => {
    const insights = modelInsights(modelScenarios(cost, [10, 1000], [256, 1024], 100))!;
    // Overheads: 10 MB/s 256 KB 10%, 1 MB 4%; 1,000 MB/s 256 KB 1,000%, 1 MB 400%.
    expect([insights.best.scenario.download_speed_mbps, insights.best.scenario.piece_size_kb]).toEqual([10, 1024]);
    expect([insights.worst.scenario.download_speed_mbps, insights.worst.scenario.piece_size_kb]).toEqual([1000, 256]);
    expect(insights.average_overhead_percent).toBeCloseTo((10 + 4 + 1000 + 400) / 4, 8);
    // Overlapped at 1,000 MB/s: 256 KB pieces take 0.25 ms, the uploader 1.75 ms (7x); 1 MB pieces 2.5x.
    expect(insights.worst_overlapped.scenario.piece_size_kb).toBe(256);
    expect(insights.average_overlapped_reduction_percent).toBeCloseTo((0 + 0 + (1 - 1 / 7) * 100 + 60) / 4, 8);
    expect(modelInsights([])).toBeUndefined();
  });
});

describe('saturationLoss', () => {
  test('default: nothing while the core has room, the excess beyond it', () => {
    expect(saturationLoss(0.6, 0.3)).toBe(0);
    expect(saturationLoss(0.5, 0.5)).toBe(0);
    expect(saturationLoss(0.8, 0.45)).toBeCloseTo(20, 10);
    expect(saturationLoss(1, 1)).toBeCloseTo(50, 10);
  });
});
