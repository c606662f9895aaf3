import { describe, expect, test } from 'vitest';
import type { PbtsPeerStats } from '../peer/pbts/index.ts';
import { bytes, PLAIN_EVERY_SECONDS, ProgressDisplay, progressLine } from './peer-progress.ts';

const stats = (change: Partial<PbtsPeerStats> = {}): PbtsPeerStats => ({
  uploaded: 0,
  downloaded: 0,
  piecesVerified: 0,
  pieces: 12,
  peers: 1,
  receiptsSigned: 0,
  receiptsSent: 0,
  receiptsReceived: 0,
  receiptsRejected: 0,
  receiptsReported: 0,
  receiptsCredited: 0,
  creditedBytes: 0,
  ...change,
});

describe('progressLine', () => {
  test('default', () => {
    const line = progressLine(stats({ piecesVerified: 6, downloaded: 3 * 1024 * 1024, receiptsSigned: 6, creditedBytes: 1536 }), 1024 * 1024, 0);
    expect(line).toBe('6/12 pieces (50%), down 3.0 MiB at 1.0 MiB/s, up 0 B at 0 B/s, 1 peers | receipts signed 6, received 0, reported 0, credited 0 (1.5 KiB)');
    expect([bytes(0), bytes(1023), bytes(1024), bytes(5 * 1024 ** 3)]).toEqual(['0 B', '1023 B', '1.0 KiB', '5.0 GiB']);
  });
});

describe('ProgressDisplay', () => {
  test('default', () => {
    let out = '';
    const display = new ProgressDisplay((text) => (out += text), true, 0);
    display.update(stats({ downloaded: 4096 }), 1000);
    display.update(stats({ downloaded: 6144 }), 3000);
    expect(out).toMatch(/^\r\x1b\[2K0\/12 pieces \(0%\), down 4\.0 KiB at 4\.0 KiB\/s.*\r\x1b\[2K0\/12 pieces \(0%\), down 6\.0 KiB at 1\.0 KiB\/s/);
    display.message('warning: x');
    expect(out.endsWith('\r\x1b[2Kwarning: x\n')).toBe(true);
  });

  test('behavior: without a terminal, a plain line now and then and no control characters', () => {
    let out = '';
    const display = new ProgressDisplay((text) => (out += text), false, 0);
    for (let second = 0; second <= 2 * PLAIN_EVERY_SECONDS; second++) display.update(stats(), second * 1000);
    display.message('warning: x');
    display.finish(stats({ piecesVerified: 12 }));
    expect(out.split('\n').filter(Boolean).map((line) => line.split(':')[0])).toEqual(['progress', 'progress', 'progress', 'warning', 'final']);
    expect(out).not.toMatch(/\x1b|\r/);
  });
});
