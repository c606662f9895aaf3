/**
 * The PBTS benchmark reporter: keeps Vitest's own tables, shows progress, then prints each
 * experiment's sections, writes `<output dir>/<experiment>.json` (and `PBTS_OUTPUT`), writes the
 * run's files (all_results.json, SUMMARY.txt, COMPARISON.txt, index.html) when the run covered
 * every registered experiment, and makes the run fail when a benchmark failed, which Vitest 4
 * does not do on its own.
 * @module
 */
import path from 'node:path';
import type { RunnerTask, RunnerTestFile, SerializedError } from 'vitest';
import { BenchmarkReporter, type TestCase, type TestModule, type TestRunEndReason, experimental_getRunnerTask } from 'vitest/node';
import { calibrate } from './calibration.ts';
import { experimentOfFile, registry } from './experiments/registry.ts';
import { takeExtras } from './extras.ts';
import { describeMachine } from './machine.ts';
import { isQuick } from './options.ts';
import { Progress } from './progress.ts';
import { reportText } from './report/text.ts';
import { outputDir, writeResult } from './results.ts';
import { writeRunFiles } from './run/files.ts';
import type { RunEntry } from './run/run.ts';
import { type Summary, summarize } from './stats.ts';

interface CollectedBench {
  name: string;
  samples: number[];
  error?: string;
}

/** Every benchmark of a file with its full name (`suite > suite > bench`). */
function collect(task: RunnerTask, prefix: string[], out: CollectedBench[]): CollectedBench[] {
  if (task.type === 'suite') {
    const names = task.file === task ? prefix : [...prefix, task.name];
    for (const child of task.tasks) collect(child, names, out);
  } else if (task.meta?.benchmark) {
    const name = [...prefix, task.name].join(' > ');
    // Vitest marks a throwing benchmark as passed and keeps tinybench's error beside it.
    const result = task.result;
    const error = result?.benchmark?.error ?? (result?.state === 'fail' ? result.errors?.[0] : undefined);
    if (error !== undefined) {
      out.push({ name, samples: [], error: error instanceof Error ? error.message : String((error as Error).message ?? error) });
    } else if (result?.state === 'pass') {
      out.push({ name, samples: result.benchmark?.samples ?? [] });
    }
  }
  return out;
}

/** Benchmarks in a collected file. */
function countBenches(task: RunnerTask): number {
  return task.type === 'suite' ? task.tasks.reduce((sum, child) => sum + countBenches(child), 0) : task.meta?.benchmark ? 1 : 0;
}

/** Experiment name of a bench file: its registry name, else the file name (`bench/x.bench.ts` -> `x`). */
export function experimentName(file: string): string {
  return experimentOfFile(file)?.name ?? path.basename(file).replace(/\.bench\.[cm]?[jt]s$/, '');
}

export default class PbtsReporter extends BenchmarkReporter {
  // Machine speed before the benchmarks start and after they end (see calibration.ts).
  private calibrationBefore = calibrate();
  private readonly started = new Date();
  private readonly progress: Progress;

  constructor(options: ConstructorParameters<typeof BenchmarkReporter>[0] = {}) {
    // Vitest's live summary window would redraw over our progress line; ours says more.
    super({ ...options, summary: false });
    this.progress = new Progress((text) => process.stderr.write(text), Boolean(process.stderr.isTTY) && !process.env.CI);
  }

  override log(...messages: unknown[]): void {
    this.progress.clear();
    super.log(...messages);
    this.progress.redraw();
  }

  override error(...messages: unknown[]): void {
    this.progress.clear();
    super.error(...messages);
    this.progress.redraw();
  }

  override onTestModuleCollected(module: TestModule): void {
    super.onTestModuleCollected(module);
    this.progress.collected(experimentName(module.moduleId), countBenches(experimental_getRunnerTask(module)));
  }

  override onTestCaseReady(test: TestCase): void {
    super.onTestCaseReady(test);
    this.progress.start(experimentName(test.module.moduleId), test.fullName);
  }

  override onTestCaseResult(test: TestCase): void {
    super.onTestCaseResult(test);
    this.progress.finish(experimentName(test.module.moduleId));
  }

  override async onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): Promise<void> {
    this.progress.end();
    await super.onTestRunEnd(testModules, unhandledErrors, reason);
    let failed = unhandledErrors.length > 0 || reason === 'failed';
    const root = this.ctx.config.root;
    const machine = describeMachine();
    const calibration = (this.calibrationBefore + calibrate()) / 2;
    const written: string[] = [];
    const entries = new Map<string, RunEntry>();
    const results = new Map<string, unknown>();
    for (const module of testModules) {
      const file: RunnerTestFile = experimental_getRunnerTask(module);
      const experiment = experimentName(file.filepath);
      const registered = experimentOfFile(file.filepath);
      const benches = collect(file, [], []);
      const errors = benches.filter((bench) => bench.error !== undefined);
      const moduleFailed = module.state() === 'failed' || errors.length > 0;
      if (moduleFailed) failed = true;
      for (const bench of errors) this.log(`FAILED benchmark ${experiment}: ${bench.name}: ${bench.error}`);
      const measured = benches.filter((bench) => bench.error === undefined && bench.samples.length > 0);
      const extras = takeExtras(experiment, root);
      const entry: RunEntry = {
        name: experiment,
        title: registered?.title ?? experiment.toUpperCase(),
        status: moduleFailed ? 'failed' : 'ok',
        ...(moduleFailed && { reason: failureReason(module, errors) }),
      };
      entries.set(experiment, entry);
      if (measured.length === 0 && Object.keys(extras).length === 0) continue;
      const benchmarks = new Map<string, Summary>(measured.map((bench) => [bench.name, summarize(bench.samples)]));
      const summary = registered?.summarize(benchmarks, extras);
      this.log(
        `\n${'='.repeat(80)}\n${experiment.toUpperCase()} EXPERIMENT\n${'='.repeat(80)}\n` +
          `Machine: ${machine.cpu_model}, ${machine.cores} cores, ${machine.total_memory_gib} GiB, ` +
          `Node ${machine.node_version}, commit ${machine.git_commit ?? 'none'}\n`,
      );
      if (summary) this.log(reportText(summary.report));
      const result = {
        experiment,
        quick: isQuick(),
        machine,
        bls_backend: process.env.PBTS_BLS_BACKEND || 'blst',
        failed: errors.map((bench) => bench.name),
        calibration_ms: calibration,
        ...summary?.json,
        benchmarks: Object.fromEntries(benchmarks),
        ...(summary && { report: summary.report }),
      };
      const single = testModules.length === 1 ? process.env.PBTS_OUTPUT : undefined;
      const files = writeResult(root, experiment, result, single);
      written.push(...files);
      results.set(experiment, result);
      entry.file = path.basename(files[0]!);
      if (summary) entry.report = summary.report;
    }
    // The run's files describe a whole suite: written when every registered experiment ran here
    // (`npx vitest bench`); `pbts experiments all` writes them itself after its runs.
    if (registry.every((e) => entries.has(e.name))) {
      const experiments = registry.map((e) => entries.get(e.name)!);
      const input = {
        started: this.started.toISOString(),
        total_time_s: (Date.now() - this.started.getTime()) / 1000,
        quick: isQuick(),
        machine,
        experiments,
      };
      written.push(...(await writeRunFiles(outputDir(root), input, results)));
    }
    for (const file of written) this.log(`Results written to ${path.relative(process.cwd(), file) || file}`);
    if (failed) {
      this.log('Benchmark run FAILED (see above); exit code 1.');
      process.exitCode = 1;
    }
  }
}

/** Why a bench file failed: its failed benchmarks, else its first error. */
function failureReason(module: TestModule, errors: readonly CollectedBench[]): string {
  if (errors.length > 0) return errors.map((bench) => `${bench.name}: ${bench.error}`).join('; ');
  const first = module.errors()[0] ?? [...module.children.allTests()].flatMap((test) => test.result().errors ?? [])[0];
  return first?.message ?? 'the bench file failed';
}
