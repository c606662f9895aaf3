/**
 * The A/B comparison's rows and verdict. Each round gives one head/base ratio per benchmark
 * (medians of two runs that ran next to each other); a benchmark's change is the median of its
 * rounds' ratios, with a bootstrap interval over rounds, and it regresses only when the whole
 * interval lies beyond the threshold. The control (the base against itself, same rounds, same
 * rule) shows how far this run's noise alone moves a benchmark.
 * @module
 */
import { type ComparisonStatus, formatLimit, formatPercent, verdictLine } from '../compare.ts';
import type { VerdictTable } from '../table.ts';
import { type Interval, median, medianInterval } from './bootstrap.ts';
import type { Side } from './schedule.ts';

/**
 * Fail when a benchmark is surely (its whole interval) more than 10% slower. Of 399 intervals of
 * unchanged code measured here (heads and controls), none started more than 2.8% above 1, but
 * one A/B run can carry an offset of a few percent between its two trees, so 5% would be too
 * close (README: A/B comparison); scripts/ab-selftest.sh checks it on every CI run.
 */
export const AB_DEFAULT_THRESHOLD = 0.1;

/** One experiment's run on one side in one round: its benchmarks' medians (ms). */
export interface AbRun {
  round: number;
  side: Side;
  experiment: string;
  seconds: number;
  medians: Record<string, number>;
}

/** One side against the base over the rounds where both measured the benchmark. */
export interface AbChange {
  /** Median over rounds of this side's median over the base's. */
  ratio: number;
  interval: Interval;
  status: ComparisonStatus;
  rounds: number;
}

/** One benchmark of an A/B run. */
export interface AbRow {
  experiment: string;
  benchmark: string;
  /** Median over rounds of the base's medians; null when only the head has the benchmark. */
  base_median_ms: number | null;
  head_median_ms: number | null;
  /** The head against the base; null for a benchmark on one side only. */
  head: AbChange | null;
  /** The control against the base: this run's noise. */
  control: AbChange | null;
  /** The head's status, or new (head only) or missing (base only). */
  status: ComparisonStatus;
}

/** Regressed when the whole interval lies above 1 + threshold, improved when below its inverse. */
export function abStatus(interval: Interval, threshold: number): ComparisonStatus {
  if (interval.low > 1 + threshold) return 'regressed';
  if (interval.high < 1 / (1 + threshold)) return 'improved';
  return 'ok';
}

// A zero median (timer resolution) only compares equal to another zero.
function ratioOf(value: number, base: number): number {
  return base > 0 ? value / base : value > 0 ? Infinity : 1;
}

type ByRound = Map<number, number>;

function changeOf(side: ByRound, base: ByRound, threshold: number): AbChange | null {
  const ratios = [...side].flatMap(([round, value]) => (base.has(round) ? [ratioOf(value, base.get(round)!)] : []));
  if (ratios.length === 0) return null;
  const interval = medianInterval(ratios);
  return { ratio: median(ratios), interval, status: abStatus(interval, threshold), rounds: ratios.length };
}

/** The rows of an A/B run, sorted by experiment, benchmarks in the order the runs gave them. */
export function abRows(runs: readonly AbRun[], threshold: number): AbRow[] {
  // experiment -> benchmark -> side -> round -> median
  const data = new Map<string, Map<string, Record<Side, ByRound>>>();
  for (const run of runs) {
    const experiment = data.get(run.experiment) ?? new Map<string, Record<Side, ByRound>>();
    data.set(run.experiment, experiment);
    for (const [benchmark, value] of Object.entries(run.medians)) {
      const sides = experiment.get(benchmark) ?? { base: new Map(), head: new Map(), control: new Map() };
      experiment.set(benchmark, sides);
      sides[run.side].set(run.round, value);
    }
  }
  const rows: AbRow[] = [];
  for (const [experiment, benchmarks] of [...data].sort(([a], [b]) => a.localeCompare(b))) {
    for (const [benchmark, sides] of benchmarks) {
      const medianOf = (values: ByRound): number | null => (values.size === 0 ? null : median([...values.values()]));
      const head = changeOf(sides.head, sides.base, threshold);
      const status: ComparisonStatus =
        sides.base.size === 0 ? 'new' : sides.head.size === 0 ? 'missing' : (head?.status ?? 'ok');
      rows.push({
        experiment,
        benchmark,
        base_median_ms: medianOf(sides.base),
        head_median_ms: medianOf(sides.head),
        head,
        control: changeOf(sides.control, sides.base, threshold),
        status,
      });
    }
  }
  return rows;
}

function range(interval: Interval): string {
  return `${formatPercent(interval.low - 1)} .. ${formatPercent(interval.high - 1)}`;
}

/** The A/B table: the same layout, notes and verdict line as `bench compare`'s. */
export function abTable(rows: readonly AbRow[], opts: { threshold: number; rounds: number }): VerdictTable {
  const ms = (value: number | null): string => (value === null ? '-' : value.toFixed(3));
  const noisy = rows.filter((row) => row.control !== null && row.control.status !== 'ok').length;
  const limit = formatLimit(opts.threshold);
  return {
    columns: [
      { header: 'Experiment', numeric: false },
      { header: 'Benchmark', numeric: false },
      { header: 'Base (ms)', numeric: true },
      { header: 'Head (ms)', numeric: true },
      { header: 'Change', numeric: true },
      { header: '95% interval', numeric: true },
      { header: 'Control', numeric: true },
      { header: 'Status', numeric: false },
    ],
    rows: rows.map((row) => [
      row.experiment,
      row.benchmark,
      ms(row.base_median_ms),
      ms(row.head_median_ms),
      row.head ? formatPercent(row.head.ratio - 1) : '-',
      row.head ? range(row.head.interval) : '-',
      row.control ? `${formatPercent(row.control.ratio - 1)} (${range(row.control.interval)})` : '-',
      row.status,
    ]),
    notes: [
      `Change: the median over ${opts.rounds} round(s) of head over base, both measured in the same round; ` +
        '95% interval: bootstrap over the rounds; a benchmark regresses when its whole interval lies above ' +
        `${limit}. Control: the base against a second run of itself in the same rounds, this run's noise.`,
      noisy === 0
        ? `Control: no benchmark of the base moved beyond ${limit} against itself.`
        : `Control: ${noisy} benchmark(s) of the base moved beyond ${limit} against itself: this run was noisier than the threshold.`,
    ],
    verdict: verdictLine(rows.filter((row) => row.status === 'regressed').length, opts.threshold),
  };
}
