import { describe, expect, test } from 'vitest';
import type { Headline, Report } from '../report/model.ts';
import { comparisonText } from './comparison.ts';
import { PROTOTYPE_FIGURES } from './prototype.ts';
import type { RunEntry } from './run.ts';

const report = (figures: Record<string, number>): Report => ({
  sections: [],
  charts: [],
  targets: [],
  headline: Object.entries(figures).map(([key, value]): Headline => ({ key, label: key, value, unit: 'ms' })),
});

const entries: RunEntry[] = [
  {
    name: 'receipts',
    title: 'RECEIPT OPERATIONS',
    status: 'ok',
    report: report({ receipt_creation_mean_ms: 0.4, receipt_verification_mean_ms: 1.2, piece_hash_mean_ms: 0.5, aggregate_speedup_100: 4 }),
  },
  { name: 'tee', title: 'TEE OPERATIONS', status: 'ok', report: report({ tee_key_mean_ms: 1.25, regular_key_mean_ms: 0.25, tee_key_overhead_ms: 1 }) },
  { name: 'onchain', title: 'ON-CHAIN OPERATIONS', status: 'skipped', reason: 'skipped (--skip-onchain)' },
];

describe('COMPARISON.txt', () => {
  test('default: each operation against its measured baseline: time, baseline, difference and ratio', () => {
    const text = comparisonText(entries);
    expect(text).toContain('OPERATION OVERHEAD (against the plain operation it extends, both measured in this run)');
    expect(text).toMatch(/^Receipt verification\s+1\.2000 piece SHA-1 check, 256 KiB\s+0\.5000\s+\+0\.7000\s+2\.4x$/m);
    expect(text).toMatch(/^TEE key derivation\s+1\.2500 local key generation\s+0\.2500\s+\+1\.0000\s+5\.0x$/m);
    // Skipped experiments leave their rows "not run", never a made-up figure.
    expect(text).toMatch(/^On-chain update\s+not run SQLite store commit\s+not run\s+-\s+-$/m);
    expect(text).toContain('   - Reputation update: not measured');
  });

  test("behavior: the prototype's figures beside ours, with which is better and by how much", () => {
    const text = comparisonText(entries);
    // 4.2134 / 0.4 for a time; 4 / 19.34 for a speedup (ours worse).
    expect(text).toMatch(/^Receipt creation \(mean\)\s+4\.2134 ms\s+0\.4000 ms\s+10\.5x/m);
    expect(text).toMatch(/^Aggregation speedup, 100\s+19\.34x\s+4\.00x\s+0\.2x/m);
    expect(text).toMatch(/^Announces at 100 clients\s+1,235 req\/s\s+not measured\s+-/m);
    expect(text.match(/^.*(?:ms|x|req\/s|updates\/s)\s+(?:\S.*)?$/gm)!.length).toBeGreaterThanOrEqual(PROTOTYPE_FIGURES.length);
  });
});
