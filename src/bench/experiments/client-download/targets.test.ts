import { describe, expect, test } from 'vitest';
import { TRANSFERS, run } from './fixture.ts';
import { checkTargets } from './targets.ts';
import { cellResults } from './transfers.ts';

describe('checkTargets', () => {
  test('default: the worst 1 MiB cell under 1% and every receipt credited pass', () => {
    const targets = checkTargets(cellResults(TRANSFERS));
    expect(targets.map((t) => [t.name, t.pass])).toEqual([
      ['transfer_throughput_loss', true],
      ['receipts_credited', true],
    ]);
    // Pairs at 100 MB/s: 0.66 s against 0.665 s, 0.67 against 0.672, 0.65 against 0.655.
    expect(targets[0]!.value).toBeCloseTo((1 - 0.66 / 0.665) * 100, 10);
    expect(targets[0]!.note).toBe('worst cell 100 MB/s, 1 MiB (median of 3 pairs); cells 10 MB/s, 100 MB/s');
    expect(targets[1]).toMatchObject({ value: 100, note: '896 of 896 receipts over 8 receipts-on runs; the uploader credited the file size at the tracker every run' });
  });

  test('behavior: a lossy cell and a missed credit fail', () => {
    const lossy = [
      run(50, 1024, true, 1, 1.4, [0.3, 0.3, 0]),
      run(50, 1024, false, 1, 1.3, [0.3, 0.3, 0]),
      run(10, 1024, true, 1, 6.5, [0.3, 0.3, 0], { tracker_credit: { uploader_uploaded_delta: 0, downloader_downloaded_delta: null } }),
      run(10, 1024, false, 1, 6.5, [0.3, 0.3, 0]),
    ];
    const targets = checkTargets(cellResults(lossy));
    expect(targets[0]).toMatchObject({ pass: false, note: expect.stringContaining('worst cell 50 MB/s, 1 MiB') });
    expect(targets[0]!.value).toBeCloseTo((1 - 1.3 / 1.4) * 100, 8);
    // Every receipt reached the seeder's credit, but the tracker's figure disagrees.
    expect(targets[1]).toMatchObject({ value: 100, pass: false, note: expect.stringContaining('NOT fully credited') });
    const short = [run(10, 1024, true, 1, 6.5, [0.3, 0.3, 0], { receipt_counts: { signed: 64, sent: 64, received: 64, rejected: 0, reported: 64, credited: 60, credited_bytes: 60 << 20 } })];
    expect(checkTargets(cellResults(short))[1]).toMatchObject({ value: 93.75, pass: false });
  });

  test('behavior: n/a without transfers, outside 10-100 MB/s, other piece sizes, or without completed pairs', () => {
    expect(checkTargets([]).map((t) => [t.value, t.pass, t.note])).toEqual([
      [null, null, 'not measured in this run'],
      [null, null, 'not measured in this run'],
    ]);
    const outside = [
      run(200, 1024, true, 1, 0.4, [0.3, 0.3, 0]),
      run(200, 1024, false, 1, 0.3, [0.3, 0.3, 0]),
      run(50, 256, true, 1, 1.4, [0.3, 0.3, 0]),
      run(50, 256, false, 1, 1.3, [0.3, 0.3, 0]),
      run(10, 1024, true, 1, null, [0, 0, 0], { error: 'seeder exited' }),
      run(10, 1024, false, 1, 6.5, [0.3, 0.3, 0]),
    ];
    expect(checkTargets(cellResults(outside))[0]).toMatchObject({ value: null, pass: null });
  });
});
