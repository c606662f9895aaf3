import { describe, expect, test } from 'vitest';
import { RUNS, cpu, stats } from './fixture.ts';
import type { LoadRun } from './records.ts';
import { checkTargets } from './targets.ts';

describe('checkTargets', () => {
  test('default: every target measured at the largest client count passes', () => {
    expect(checkTargets(RUNS).map((t) => [t.name, t.value, t.pass, t.note])).toEqual([
      ['announce_throughput', 32_000, true, 'at 100 clients'],
      ['announce_vs_bittorrent_tracker', 3.2, true, 'at 100 clients, same announce load'],
      ['announce_p99', 8, true, 'at 100 clients'],
      ['verified_receipts_per_s', 3_000, true, 'at 100 clients, 10 receipts per report'],
      ['announce_p99_during_receipts', 9.5, true, '100 announce clients with 10 report clients'],
    ]);
  });

  test('behavior: targets that fail say so, unmeasured ones are null, and p99 falls back to the largest client count', () => {
    const slow: LoadRun[] = [
      { kind: 'announce', tracker: 'pbts', clients: 50, announce: stats(9_000, 4, 9, 14), ...cpu },
      { kind: 'announce', tracker: 'bittorrent-tracker', clients: 50, announce: stats(6_000, 6, 12, 18), ...cpu },
    ];
    const targets = checkTargets(slow);
    expect(targets.map((t) => [t.name, t.pass])).toEqual([
      ['announce_throughput', false],
      ['announce_vs_bittorrent_tracker', false],
      ['announce_p99', false],
      ['verified_receipts_per_s', null],
      ['announce_p99_during_receipts', null],
    ]);
    expect(targets[2]!.note).toBe('at 50 clients (100 not measured)');
  });

  test('behavior: a failed run counts as not measured', () => {
    const failed = RUNS.map((run) => (run.kind === 'mixed' ? { ...run, error: 'tracker exited' } : run));
    expect(checkTargets(failed).at(-1)).toMatchObject({ name: 'announce_p99_during_receipts', value: null, pass: null });
  });
});
