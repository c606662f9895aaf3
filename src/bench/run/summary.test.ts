import { describe, expect, test } from 'vitest';
import { ENTRIES, MACHINE } from './fixture.ts';
import { headlineLines, summaryText, timestamp } from './summary.ts';

describe('SUMMARY.txt', () => {
  test("default: the seed's header, timestamp, total time, numbered sections with headline figures", () => {
    const text = summaryText({ started: '2026-12-04T02:00:00.123Z', total_time_s: 61.234, quick: false, machine: MACHINE, experiments: ENTRIES });
    const lines = text.split('\n');
    expect(lines.slice(0, 3)).toEqual(['='.repeat(80), `${' '.repeat(25)}PBTS EXPERIMENT SUMMARY`, '='.repeat(80)]);
    expect(text).toContain('Timestamp: 2026-12-04 02:00:00 UTC\nTotal time: 61.23 seconds\n');
    expect(text).toContain('Machine: AMD EPYC, 2 cores, 24 GiB, linux-x64, Node v20.20.2, commit abc1234, profile linux-x64-2core');
    expect(text).toContain(`${'-'.repeat(80)}\n1. RECEIPT OPERATIONS\n${'-'.repeat(80)}\n\nKeypair Generation:       0.3421 ms (mean)\n`);
    expect(text).toContain('Aggregate Verification Speedup:\n   10 receipts: 2.54x faster\n  100 receipts: 4.17x faster\n');
    expect(text).toContain('Targets:\n  [PASS] receipt_creation: 0.4200 ms (target <= 0.5 ms; blst median)');
    expect(text).toContain('2. TEE OPERATIONS\n' + '-'.repeat(80) + '\n\nSKIPPED: skipped (--skip-tee)');
    expect(text).toContain('3. ON-CHAIN OPERATIONS\n' + '-'.repeat(80) + '\n\nFAILED: exit code 1; failed benchmarks: onchain > user registration');
    expect(text).toContain('Run: full; FAILED: onchain');
    expect(text.endsWith('\n')).toBe(true);
  });

  test('behavior: a figure not measured says so; a quick run says its figures are indicative', () => {
    expect(headlineLines([{ key: 'k', label: 'Thing', value: null, unit: 'ms' }])).toEqual(['Thing:                    not measured']);
    expect(headlineLines([{ key: 'k', label: 'Announce mean latency (100 clients)', value: 6, unit: 'ms' }])).toEqual(['Announce mean latency (100 clients): 6.00 ms']);
    const text = summaryText({ started: '2026-12-04T02:00:00Z', total_time_s: 1, quick: true, machine: MACHINE, experiments: [] });
    expect(text).toContain('Run: quick (smoke run: figures are indicative only); no experiment failed');
    expect(timestamp('2026-12-04T02:00:00Z')).toBe('2026-12-04 02:00:00 UTC');
  });
});
