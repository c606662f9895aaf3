import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine, machineProfile, type Machine } from './machine.ts';
import type { Summary } from './stats.ts';
import { type VerdictTable, tableMarkdown, tableText, writeMarkdownFile } from './table.ts';

/** Fail beyond 1.5x the baseline median: above run-to-run noise on a shared 2-core VM, below a 2x slowdown. */
export const DEFAULT_THRESHOLD = 0.5;

/**
 * Most the machine speed factor may correct: 25%, and only for a machine slower than at recording
 * time. A larger correction could hide a real regression behind one unlucky calibration
 * (1.5 x 1.25 < 2, so a 2x slowdown always fails); a faster machine is never held against the code.
 */
export const MAX_SPEED_CORRECTION = 1.25;

/** Benchmark summaries of one machine profile, per experiment, that later runs are compared with. */
export interface Baseline {
  profile: string;
  recorded: string;
  machine: Machine;
  experiments: Record<string, BaselineExperiment>;
}

/** One experiment's summaries in a baseline, and the machine's calibration when they were taken. */
export interface BaselineExperiment {
  benchmarks: Record<string, Summary>;
  calibration_ms?: number;
}

/** How one benchmark's median moved against the baseline. */
export type ComparisonStatus = 'ok' | 'regressed' | 'improved' | 'new' | 'missing';

/** One benchmark's medians; null on the side (baseline or latest) where it does not exist. */
export interface ComparisonRow {
  experiment: string;
  benchmark: string;
  baseline_median_ms: number | null;
  current_median_ms: number | null;
  /** Current over baseline median, divided by the machine speed factor of the experiment. */
  ratio: number | null;
  /** Current over baseline calibration (1 when either is unknown): how much slower the machine ran. */
  speed_factor: number;
  status: ComparisonStatus;
}

/** All rows of a comparison and whether any of them regressed. */
export interface Comparison {
  rows: ComparisonRow[];
  regressed: boolean;
}

/** One experiment's result file: its benchmarks' summaries, machine and calibration. */
export interface LatestResult {
  experiment: string;
  machine: Machine | undefined;
  benchmarks: Record<string, Summary>;
  calibration_ms: number | undefined;
}

function calibrationOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

const RECORD_HINT = 'record one with `npx pbts bench compare --record`';

const SUMMARY_KEYS = [
  'mean_ms', 'median_ms', 'stdev_ms', 'min_ms', 'max_ms', 'total_ms', 'p95_ms', 'p99_ms', 'samples',
] as const satisfies readonly (keyof Summary)[];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// JSON objects inherit from Object.prototype, so a benchmark named "constructor" must not match it.
function own<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

function parseJsonFile(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${errorMessage(err)}`);
  }
}

// Keeps only the summary fields so that committed baselines stay small whatever else results carry.
function readBenchmarks(value: unknown, where: string): Record<string, Summary> {
  if (!isObject(value)) throw new Error(`${where}: "benchmarks" must be an object of summaries`);
  const benchmarks: Record<string, Summary> = {};
  for (const [name, entry] of Object.entries(value)) {
    if (!isObject(entry) || typeof entry.median_ms !== 'number' || !Number.isFinite(entry.median_ms)) {
      throw new Error(`${where}: benchmark '${name}' has no finite median_ms`);
    }
    const summary: Record<string, number> = {};
    for (const key of SUMMARY_KEYS) if (typeof entry[key] === 'number') summary[key] = entry[key];
    benchmarks[name] = summary as unknown as Summary;
  }
  return benchmarks;
}

/** Every experiment's result in latestDir (files without "benchmarks" skipped); throws when there is none. */
export async function readLatest(latestDir: string): Promise<LatestResult[]> {
  let names: string[] = [];
  try {
    names = await readdir(latestDir);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const results: LatestResult[] = [];
  const fileOf = new Map<string, string>();
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const file = path.join(latestDir, name);
    const data = parseJsonFile(await readFile(file, 'utf8'), file);
    // Aggregates such as all_results.json carry no top-level "benchmarks" and are not experiments.
    if (!isObject(data) || !('benchmarks' in data)) continue;
    const experiment = typeof data.experiment === 'string' ? data.experiment : path.basename(name, '.json');
    const earlier = fileOf.get(experiment);
    if (earlier) throw new Error(`experiment '${experiment}' appears in both ${earlier} and ${file}`);
    fileOf.set(experiment, file);
    const machine = isObject(data.machine) ? (data.machine as unknown as Machine) : undefined;
    results.push({ experiment, machine, benchmarks: readBenchmarks(data.benchmarks, file), calibration_ms: calibrationOf(data.calibration_ms) });
  }
  if (results.length === 0) {
    throw new Error(`no benchmark results in ${latestDir}: run the benchmarks (npm run bench), then compare or ${RECORD_HINT}`);
  }
  return results;
}

async function readBaseline(baselineFile: string): Promise<Baseline | undefined> {
  let text: string;
  try {
    text = await readFile(baselineFile, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  const data = parseJsonFile(text, baselineFile);
  if (!isObject(data) || !isObject(data.experiments)) {
    throw new Error(`${baselineFile} is not a baseline (no "experiments" object); ${RECORD_HINT}`);
  }
  const experiments: Baseline['experiments'] = {};
  for (const [experiment, entry] of Object.entries(data.experiments)) {
    const where = `${baselineFile} experiment '${experiment}'`;
    const calibration_ms = calibrationOf(isObject(entry) ? entry.calibration_ms : undefined);
    experiments[experiment] = {
      benchmarks: readBenchmarks(isObject(entry) ? entry.benchmarks : undefined, where),
      ...(calibration_ms !== undefined && { calibration_ms }),
    };
  }
  return { ...(data as unknown as Baseline), experiments };
}

function assertThreshold(threshold: number): void {
  if (!Number.isFinite(threshold) || threshold <= 0) {
    throw new Error(`threshold must be a positive fraction such as 0.5 (fail beyond 1.5x), got ${threshold}`);
  }
}

function statusOf(ratio: number, threshold: number): ComparisonStatus {
  if (ratio > 1 + threshold) return 'regressed';
  if (ratio < 1 / (1 + threshold)) return 'improved';
  return 'ok';
}

/** Writes the baseline from every result in latestDir, keeping baseline experiments absent from it. */
export async function recordBaseline(opts: { latestDir: string; baselineFile: string }): Promise<Baseline> {
  const latest = await readLatest(opts.latestDir);
  const existing = await readBaseline(opts.baselineFile);
  const machine = latest.find((r) => r.machine !== undefined)?.machine ?? describeMachine();
  const profile = typeof machine.profile === 'string' ? machine.profile : machineProfile();
  // Numbers from two machine profiles in one baseline would make every later comparison meaningless.
  if (existing && existing.profile !== profile) {
    throw new Error(
      `${opts.baselineFile} holds profile '${existing.profile}' but the latest results ran on profile '${profile}'; ` +
        `pass --baseline reports/baselines/${profile}.json or delete ${opts.baselineFile} to start over`,
    );
  }
  const merged: Baseline['experiments'] = { ...existing?.experiments };
  for (const result of latest) {
    merged[result.experiment] = {
      benchmarks: result.benchmarks,
      ...(result.calibration_ms !== undefined && { calibration_ms: result.calibration_ms }),
    };
  }
  // Sorted keys keep diffs of the committed baseline small.
  const experiments = Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
  const baseline: Baseline = { profile, recorded: new Date().toISOString(), machine, experiments };
  await mkdir(path.dirname(opts.baselineFile), { recursive: true });
  await writeFile(opts.baselineFile, `${JSON.stringify(baseline, null, 2)}\n`);
  return baseline;
}

/** Compares latest medians with the baseline; regressed when any ratio exceeds 1 + threshold. */
export async function compareWithBaseline(opts: {
  latestDir: string;
  baselineFile: string;
  threshold?: number;
}): Promise<Comparison> {
  const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
  assertThreshold(threshold);
  const baseline = await readBaseline(opts.baselineFile);
  if (!baseline) throw new Error(`no baseline at ${opts.baselineFile}: ${RECORD_HINT}`);
  const latest = await readLatest(opts.latestDir);
  const rows: ComparisonRow[] = [];
  for (const { experiment, benchmarks, calibration_ms } of latest.sort((a, b) => a.experiment.localeCompare(b.experiment))) {
    const recorded = own(baseline.experiments, experiment);
    const before = recorded?.benchmarks;
    const measured =
      calibration_ms !== undefined && recorded?.calibration_ms !== undefined ? calibration_ms / recorded.calibration_ms : 1;
    const speed_factor = Math.min(MAX_SPEED_CORRECTION, Math.max(1, measured));
    for (const [benchmark, current] of Object.entries(benchmarks)) {
      const old = own(before, benchmark);
      if (!old) {
        rows.push({ experiment, benchmark, baseline_median_ms: null, current_median_ms: current.median_ms, ratio: null, speed_factor, status: 'new' });
        continue;
      }
      // A zero baseline (timer resolution) only compares equal to another zero.
      const raw = old.median_ms > 0 ? current.median_ms / old.median_ms : current.median_ms > 0 ? Infinity : 1;
      const ratio = raw / speed_factor;
      rows.push({
        experiment,
        benchmark,
        baseline_median_ms: old.median_ms,
        current_median_ms: current.median_ms,
        ratio,
        speed_factor,
        status: statusOf(ratio, threshold),
      });
    }
    for (const [benchmark, old] of Object.entries(before ?? {})) {
      if (own(benchmarks, benchmark)) continue;
      rows.push({ experiment, benchmark, baseline_median_ms: old.median_ms, current_median_ms: null, ratio: null, speed_factor, status: 'missing' });
    }
  }
  return { rows, regressed: rows.some((row) => row.status === 'regressed') };
}

/** A change as a signed percentage with one decimal, such as `+12.5%` or `-3.0%`. */
export function formatPercent(fraction: number): string {
  const percent = fraction * 100;
  // Rounding must not print "-0.0%" for a change too small to show.
  const text = (Math.abs(percent) < 0.05 ? 0 : percent).toFixed(1);
  return `${percent >= 0 || text === '0.0' ? '+' : ''}${text}%`;
}

/** The threshold as the limit it sets, such as `+50%`. */
export function formatLimit(threshold: number): string {
  return `+${Number((threshold * 100).toFixed(1))}%`;
}

/** The one-line verdict both comparisons end with. */
export function verdictLine(regressed: number, threshold: number): string {
  const limit = formatLimit(threshold);
  return regressed === 0
    ? `PASS: no benchmark regressed beyond ${limit}`
    : `FAIL: ${regressed} benchmark(s) regressed beyond ${limit}`;
}

/** The comparison's table: one row per benchmark, the note on its columns and the verdict. */
export function comparisonTable(rows: ComparisonRow[], threshold: number): VerdictTable {
  const ms = (value: number | null): string => (value === null ? '-' : value.toFixed(3));
  return {
    columns: [
      { header: 'Experiment', numeric: false },
      { header: 'Benchmark', numeric: false },
      { header: 'Baseline (ms)', numeric: true },
      { header: 'Current (ms)', numeric: true },
      { header: 'Machine', numeric: true },
      { header: 'Change', numeric: true },
      { header: 'Status', numeric: false },
    ],
    rows: rows.map((row) => [
      row.experiment,
      row.benchmark,
      ms(row.baseline_median_ms),
      ms(row.current_median_ms),
      `${row.speed_factor.toFixed(2)}x`,
      row.ratio === null ? '-' : formatPercent(row.ratio - 1),
      row.status,
    ]),
    notes: [
      'Machine: the calibration workload\'s time now over its time in the baseline (src/bench/calibration.ts), ' +
        `between 1x and ${MAX_SPEED_CORRECTION}x; ` +
        'Change: current over baseline median, divided by it.',
    ],
    verdict: verdictLine(rows.filter((row) => row.status === 'regressed').length, threshold),
  };
}

/** Renders rows as a fixed-width table followed by a one-line PASS/FAIL verdict. */
export function formatComparison(rows: ComparisonRow[], threshold: number): string {
  return tableText(comparisonTable(rows, threshold));
}

const USAGE = `Usage: pbts bench compare [options]

Compares the benchmark medians in the latest results with the baseline of this machine profile.

Options:
  --baseline FILE   baseline file (default reports/baselines/<profile>.json; the profile is
                    PBTS_BASELINE_PROFILE or <platform>-<arch>-<cores>core)
  --latest DIR      directory of per-experiment result files (default reports/latest)
  --threshold X     fail when a median exceeds (1 + X) times its baseline, X a fraction
                    (default ${DEFAULT_THRESHOLD}, or env PBTS_BENCH_THRESHOLD)
  --markdown FILE   also write the table as Markdown to FILE
  --record          write the baseline from the latest results instead of comparing
  --help            show this help

Exit codes: 0 pass (or recorded), 1 a benchmark regressed, 2 bad options or nothing to compare.`;

function parseThreshold(text: string | undefined): number {
  if (text === undefined) return DEFAULT_THRESHOLD;
  const threshold = Number(text);
  if (text.trim() === '' || !Number.isFinite(threshold) || threshold <= 0) {
    throw new Error(`--threshold must be a positive fraction such as 0.5 (fail beyond 1.5x), got '${text}'`);
  }
  return threshold;
}

/** `pbts bench compare`: compares (or with --record, records) and returns the exit code. */
export async function runCompareCli(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        baseline: { type: 'string' },
        latest: { type: 'string' },
        threshold: { type: 'string' },
        markdown: { type: 'string' },
        record: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    console.error(`${errorMessage(err)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    const threshold = parseThreshold(values.threshold ?? (process.env.PBTS_BENCH_THRESHOLD || undefined));
    const latestDir = values.latest ?? path.join('reports', 'latest');
    const baselineFile = values.baseline ?? path.join('reports', 'baselines', `${machineProfile()}.json`);
    if (values.record) {
      const baseline = await recordBaseline({ latestDir, baselineFile });
      const experiments = Object.values(baseline.experiments);
      const benchmarks = experiments.reduce((n, e) => n + Object.keys(e.benchmarks).length, 0);
      console.log(
        `Recorded ${baselineFile} (profile ${baseline.profile}) from ${latestDir}: ` +
          `${experiments.length} experiment(s), ${benchmarks} benchmark(s)`,
      );
      return 0;
    }
    const { rows, regressed } = await compareWithBaseline({ latestDir, baselineFile, threshold });
    const table = comparisonTable(rows, threshold);
    console.log(`Comparing ${latestDir} with ${baselineFile}\n\n${tableText(table)}`);
    if (values.markdown) {
      const heading = `### Benchmarks against the stored baseline\n\n\`${latestDir}\` against \`${baselineFile}\`\n\n`;
      await writeMarkdownFile(values.markdown, heading + tableMarkdown(table));
    }
    return regressed ? 1 : 0;
  } catch (err) {
    console.error(`error: ${errorMessage(err)}`);
    return 2;
  }
}
