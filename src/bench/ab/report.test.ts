import { describe, expect, test } from 'vitest';
import { tableMarkdown, tableText } from '../table.ts';
import { type AbRun, abRows, abStatus, abTable } from './report.ts';
import { type Side, schedule } from './schedule.ts';

/** Runs of `rounds` rounds where each side's median of each benchmark is `value(side, round)`. */
function runsOf(rounds: number, benchmarks: Record<string, (side: Side, round: number) => number>): AbRun[] {
  return schedule(rounds).map(({ round, side }) => ({
    round,
    side,
    experiment: 'receipts',
    seconds: 5,
    medians: Object.fromEntries(Object.entries(benchmarks).map(([name, value]) => [name, value(side, round)])),
  }));
}

// Unchanged code on a noisy machine: every run is off by up to 8%, the same for all sides of a round.
const noise = (round: number) => [1.0, 1.08, 0.95, 1.03, 0.97][(round - 1) % 5]!;
const jitter = (side: Side, round: number) => 1 + 0.02 * Math.sin(round * 7 + side.length);

describe('abStatus', () => {
  test('default', () => {
    expect(abStatus({ low: 0.98, high: 1.05 }, 0.1)).toBe('ok');
  });

  test('behavior: regressed only when the whole interval lies above 1 + threshold', () => {
    expect(abStatus({ low: 1.11, high: 1.6 }, 0.1)).toBe('regressed');
    expect(abStatus({ low: 1.09, high: 1.6 }, 0.1)).toBe('ok');
    expect(abStatus({ low: 1.1, high: 1.6 }, 0.1)).toBe('ok');
  });

  test('behavior: improved only when the whole interval lies below 1 / (1 + threshold)', () => {
    expect(abStatus({ low: 0.5, high: 0.9 }, 0.1)).toBe('improved');
    expect(abStatus({ low: 0.5, high: 0.95 }, 0.1)).toBe('ok');
  });
});

describe('abRows', () => {
  test('default', () => {
    const runs = runsOf(5, {
      verify: (side, round) => 1.2 * noise(round) * jitter(side, round) * (side === 'head' ? 1.5 : 1),
      sign: (side, round) => 0.4 * noise(round) * jitter(side, round),
    });
    const [verify, sign] = abRows(runs, 0.1);
    expect(verify).toMatchObject({ experiment: 'receipts', benchmark: 'verify', status: 'regressed' });
    expect(verify!.head!.ratio).toBeCloseTo(1.5, 1);
    expect(verify!.head!.rounds).toBe(5);
    expect(verify!.control!.status).toBe('ok');
    expect(sign).toMatchObject({ benchmark: 'sign', status: 'ok' });
    expect(sign!.head!.ratio).toBeCloseTo(1, 1);
  });

  test('behavior: the machine slowing down as a whole moves no ratio (pairs of one round)', () => {
    const runs = runsOf(6, { verify: (side, round) => (round > 3 ? 2 : 1) * (side === 'head' ? 1.05 : 1) });
    const [row] = abRows(runs, 0.1);
    expect(row!.head!.ratio).toBeCloseTo(1.05, 10);
    expect(row!.head!.interval).toEqual({ low: expect.closeTo(1.05, 10), high: expect.closeTo(1.05, 10) });
    expect(row!.status).toBe('ok');
  });

  test('behavior: one wild round does not flag a benchmark', () => {
    const runs = runsOf(5, { verify: (side, round) => (side === 'head' && round === 3 ? 3 : 1) });
    expect(abRows(runs, 0.1)[0]!.status).toBe('ok');
  });

  test('behavior: a benchmark on one side only is new or missing, with no change', () => {
    const runs = runsOf(3, { both: () => 1 }).map((run) => ({
      ...run,
      medians: { ...run.medians, ...(run.side === 'head' ? { added: 2 } : { removed: 3 }) },
    }));
    const rows = abRows(runs, 0.1);
    expect(rows.find((row) => row.benchmark === 'added')).toMatchObject({ status: 'new', base_median_ms: null, head: null });
    expect(rows.find((row) => row.benchmark === 'removed')).toMatchObject({ status: 'missing', head_median_ms: null, head: null });
  });

  test('behavior: a zero base median compares equal only to another zero', () => {
    const rows = abRows(runsOf(3, { zero: () => 0, grew: (side) => (side === 'head' ? 0.001 : 0) }), 0.1);
    expect(rows[0]!.head!.ratio).toBe(1);
    expect(rows[1]!.status).toBe('regressed');
  });
});

describe('abTable', () => {
  const runs = runsOf(5, {
    verify: (side) => (side === 'head' ? 1.8 : 1.2),
    sign: (side, round) => 0.4 * (side === 'control' && round % 2 === 0 ? 1.3 : 1),
  });

  test('default', () => {
    expect(tableText(abTable(abRows(runs, 0.1), { threshold: 0.1, rounds: 5 }))).toBe(
      [
        'Experiment  Benchmark  Base (ms)  Head (ms)  Change      95% interval                  Control  Status',
        '----------  ---------  ---------  ---------  ------  ----------------  -----------------------  ---------',
        'receipts    verify         1.200      1.800  +50.0%  +50.0% .. +50.0%   +0.0% (+0.0% .. +0.0%)  regressed',
        'receipts    sign           0.400      0.400   +0.0%    +0.0% .. +0.0%  +0.0% (+0.0% .. +30.0%)  ok',
        '',
        "Change: the median over 5 round(s) of head over base, both measured in the same round; 95% interval: bootstrap over the rounds; a benchmark regresses when its whole interval lies above +10%. Control: the base against a second run of itself in the same rounds, this run's noise.",
        'Control: no benchmark of the base moved beyond +10% against itself.',
        'FAIL: 1 benchmark(s) regressed beyond +10%',
      ].join('\n'),
    );
  });

  test('behavior: a control beyond the threshold says the run was noisy', () => {
    const wild = runsOf(5, { sign: (side) => (side === 'control' ? 2 : 1) });
    const table = abTable(abRows(wild, 0.1), { threshold: 0.1, rounds: 5 });
    expect(table.notes[1]).toBe('Control: 1 benchmark(s) of the base moved beyond +10% against itself: this run was noisier than the threshold.');
    expect(table.verdict).toBe('PASS: no benchmark regressed beyond +10%');
  });

  test('behavior: Markdown has the same rows', () => {
    const markdown = tableMarkdown(abTable(abRows(runs, 0.1), { threshold: 0.1, rounds: 5 }));
    expect(markdown.split('\n')[0]).toBe('**FAIL: 1 benchmark(s) regressed beyond +10%**');
    expect(markdown).toContain('| receipts | verify | 1.200 | 1.800 | +50.0% | +50.0% .. +50.0% | +0.0% (+0.0% .. +0.0%) | regressed |');
  });
});
