import { describe, expect, test } from 'vitest';
import { TRANSFERS, run } from './fixture.ts';
import type { ReceiptCost } from './model.ts';
import { cellResults, fullyCredited, median, othersShare, receiptCpuPerGb } from './transfers.ts';

// Sign 0.5 ms, verify 1.5 ms, SHA-256 of a 1 MB piece 1 ms: the downloader's share 1.5 ms, the uploader's 2.5 ms.
const cost: ReceiptCost = { sign_ms: 0.5, verify_ms: 1.5, hash_ms: new Map([[1024, 1]]) };

describe('cellResults', () => {
  test('default: cells by piece size then speed, pairs by repetition, medians and ranges', () => {
    const cells = cellResults(TRANSFERS);
    expect(cells.map((c) => c.label)).toEqual(['100 MB/s, 256 KiB', '10 MB/s, 1 MiB', '100 MB/s, 1 MiB']);
    const [small, slow] = cells;
    // The failed receipts-on run #2 has no pair: 2 pairs.
    expect(small!.runs).toEqual({ on: 3, off: 3, completed_on: 2, completed_off: 3, failed: 1 });
    expect(small!.pairs).toBe(2);
    expect(small!.open_s).toBe(0.05);
    expect(small!.receipts).toMatchObject({ expected: 512, credited: 512, all_credited: true });
    // 10 MB/s: pairs 6.44/6.42, 6.46/6.45, 6.47/6.44 s.
    const losses = [1 - 6.42 / 6.44, 1 - 6.45 / 6.46, 1 - 6.44 / 6.47].map((x) => x * 100);
    expect(slow!.loss_percent!.median).toBeCloseTo(median(losses), 10);
    expect(slow!.loss_percent!.min).toBeCloseTo(Math.min(...losses), 10);
    expect(slow!.loss_percent!.max).toBeCloseTo(Math.max(...losses), 10);
    expect(slow!.time_off_s).toBe(6.44);
    expect(slow!.throughput_off_mbps).toBeCloseTo(64 / 6.44, 10);
    // CPU per GB: 64 MB is 1/16 GB; seeder off runs 0.3, 0.31, 0.3 s.
    expect(slow!.cpu_per_gb.off.seeder).toBeCloseTo(0.3 * 16, 10);
    expect(slow!.receipt_cpu_s_per_gb).toBeCloseTo(0.15 * 16, 10);
    expect(receiptCpuPerGb(cells)).toBeCloseTo(((0.15 + 0.14) / 2) * 16, 10);
  });

  test('behavior: the prediction takes the busiest peer and the whole machine', () => {
    const off = run(100, 1024, false, 1, 0.7, [0, 0, 0], { cpu: { wall_s: 1, seeder_s: 0.9, downloader_s: 0.5, tracker_s: 0, machine_s: 1.8 } });
    const on = run(100, 1024, true, 1, 0.8, [1, 0.6, 0]);
    // Seeder: 0.9 of a core + 2.5 / 10 ms = 1.15 -> 13.04%; machine: 0.9 per core + 4 / 10 / 2 = 1.1 -> 9.09%.
    expect(cellResults([on, off], cost, 2)[0]!.predicted_loss_percent).toBeCloseTo((1 - 1 / 1.15) * 100, 10);
    const crowded = { ...off, cpu: { ...off.cpu!, seeder_s: 0.5, machine_s: 1.9 } };
    expect(cellResults([on, crowded], cost, 2)[0]!.predicted_loss_percent).toBeCloseTo((1 - 1 / 1.15) * 100, 10);
    const idle = { ...off, cpu: { ...off.cpu!, seeder_s: 0.5, machine_s: 1 } };
    expect(cellResults([on, idle], cost, 2)[0]!.predicted_loss_percent).toBe(0);
    // Without the receipt cost there is no prediction.
    expect(cellResults([on, off])[0]!.predicted_loss_percent).toBeNull();
  });

  test('behavior: credit needs the counters and the tracker to agree; others are what the three did not use', () => {
    const on = run(10, 1024, true, 1, 6.5, [0.3, 0.3, 0]);
    expect(fullyCredited(on)).toBe(true);
    expect(fullyCredited({ ...on, tracker_credit: { uploader_uploaded_delta: 1, downloader_downloaded_delta: null } })).toBe(false);
    expect(fullyCredited({ ...on, receipt_counts: null })).toBe(false);
    expect(othersShare({ ...on, cpu: { wall_s: 2, seeder_s: 0.5, downloader_s: 0.5, tracker_s: 0.2, machine_s: 2.2 } })).toBeCloseTo(0.5, 10);
    expect(othersShare({ ...on, cpu: { wall_s: 2, seeder_s: 0.5, downloader_s: 0.5, tracker_s: 0.2 } })).toBeNull();
  });
});
