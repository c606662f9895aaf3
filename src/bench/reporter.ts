/**
 * The PBTS benchmark reporter: keeps Vitest's own tables, then prints each experiment's seed
 * sections, writes `reports/latest/<experiment>.json` (and `PBTS_OUTPUT`), and makes the run
 * fail when a benchmark failed, which Vitest 4 does not do on its own.
 * @module
 */
import path from 'node:path';
import type { RunnerTask, RunnerTestFile } from 'vitest';
import type { SerializedError } from 'vitest';
import { type TestModule, type TestRunEndReason, experimental_getRunnerTask } from 'vitest/node';
import { BenchmarkReporter } from 'vitest/reporters';
import { calibrate } from './calibration.ts';
import { summarizers } from './experiments/index.ts';
import { describeMachine } from './machine.ts';
import { takeExtras } from './extras.ts';
import { isQuick } from './options.ts';
import { writeResult } from './results.ts';
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

/** Experiment name of a bench file: `bench/receipts.bench.ts` -> `receipts`. */
export function experimentName(file: string): string {
  return path.basename(file).replace(/\.bench\.[cm]?[jt]s$/, '');
}

export default class PbtsReporter extends BenchmarkReporter {
  // Machine speed before the benchmarks start and after they end (see calibration.ts).
  private calibrationBefore = calibrate();

  override async onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): Promise<void> {
    await super.onTestRunEnd(testModules, unhandledErrors, reason);
    let failed = unhandledErrors.length > 0 || reason === 'failed';
    const machine = describeMachine();
    const calibration = (this.calibrationBefore + calibrate()) / 2;
    const written: string[] = [];
    for (const module of testModules) {
      const file: RunnerTestFile = experimental_getRunnerTask(module);
      const experiment = experimentName(file.filepath);
      const benches = collect(file, [], []);
      const errors = benches.filter((bench) => bench.error !== undefined);
      if (module.state() === 'failed' || errors.length > 0) failed = true;
      for (const bench of errors) this.log(`FAILED benchmark ${experiment}: ${bench.name}: ${bench.error}`);
      const measured = benches.filter((bench) => bench.error === undefined && bench.samples.length > 0);
      const extras = takeExtras(experiment, this.ctx.config.root);
      if (measured.length === 0 && Object.keys(extras).length === 0) continue;
      const benchmarks = new Map<string, Summary>(measured.map((bench) => [bench.name, summarize(bench.samples)]));
      const report = summarizers[experiment]?.(benchmarks, extras);
      this.log(
        `\n${'='.repeat(80)}\n${experiment.toUpperCase()} EXPERIMENT\n${'='.repeat(80)}\n` +
          `Machine: ${machine.cpu_model}, ${machine.cores} cores, ${machine.total_memory_gib} GiB, ` +
          `Node ${machine.node_version}, commit ${machine.git_commit ?? 'none'}\n`,
      );
      if (report) this.log(report.text);
      const result = {
        experiment,
        quick: isQuick(),
        machine,
        bls_backend: process.env.PBTS_BLS_BACKEND || 'blst',
        failed: errors.map((bench) => bench.name),
        calibration_ms: calibration,
        ...report?.json,
        benchmarks: Object.fromEntries(benchmarks),
      };
      const single = testModules.length === 1 ? process.env.PBTS_OUTPUT : undefined;
      written.push(...writeResult(this.ctx.config.root, experiment, result, single));
    }
    for (const file of written) this.log(`Results written to ${path.relative(process.cwd(), file) || file}`);
    if (failed) {
      this.log('Benchmark run FAILED (see above); exit code 1.');
      process.exitCode = 1;
    }
  }
}
