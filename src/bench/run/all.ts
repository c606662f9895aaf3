/**
 * `pbts experiments all`: every registered experiment once, each in its own Vitest process with
 * its own options (so the receipts' and the TEE's `--iterations` stay apart), then the run's
 * files from their results. An experiment that fails is said in SUMMARY.txt and makes the exit
 * code 1; the others still run.
 * @module
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { flagsToEnv } from '../experiments/flags.ts';
import { registry } from '../experiments/registry.ts';
import type { Experiment, OptionSpec } from '../experiments/types.ts';
import { describeMachine } from '../machine.ts';
import { elapsed } from '../progress.ts';
import type { Report } from '../report/model.ts';
import { outputDir } from '../results.ts';
import { RUN_FILES, writeRunFiles } from './files.ts';
import type { RunEntry } from './run.ts';

/** The variable run-all keeps a run-all flag in before handing it to its experiment. */
const aliasEnv = (experiment: Experiment, option: string) => `PBTS_ALL_${experiment.name}_${option}`.toUpperCase().replaceAll('-', '_');

/** run-all's flags: output dir, quick, `--skip-<name>` for every experiment, and the seed's per-experiment flags. */
export function RUN_ALL_OPTIONS(): OptionSpec[] {
  const specs: OptionSpec[] = [
    { flag: 'output-dir', env: 'PBTS_OUTPUT_DIR', kind: 'value', arg: 'DIR', default: 'reports/latest', help: 'where every file of the run goes (`PBTS_OUTPUT_DIR` for `npx vitest bench`)' },
    { flag: 'quick', env: 'PBTS_QUICK', kind: 'boolean', default: 'off', help: 'smoke run of the whole suite, about two minutes (`PBTS_QUICK=1`)' },
  ];
  for (const experiment of registry) {
    for (const [flag, option] of Object.entries(experiment.runAllFlags ?? {})) {
      const target = experiment.options.find((o) => o.flag === option);
      if (!target) throw new Error(`run-all flag --${flag} names unknown option ${option} of ${experiment.name}`);
      specs.push({ ...target, flag, env: aliasEnv(experiment, option), help: `${experiment.name} \`--${option}\` (\`${target.env}\`): ${target.help}` });
    }
  }
  for (const experiment of registry) {
    specs.push({ flag: `skip-${experiment.name}`, env: `PBTS_SKIP_${experiment.name.toUpperCase().replaceAll('-', '_')}`, kind: 'boolean', default: 'off', help: `skip the ${experiment.name} experiment` });
  }
  return specs;
}

/** What one experiment of the run gets: its variables, or why it is skipped. */
export interface PlannedRun {
  experiment: Experiment;
  env: Record<string, string>;
  skipped?: string;
}

/** The run planned from run-all's flags (throws on an unknown flag or a missing value). */
export function planRun(args: readonly string[]): { runs: PlannedRun[]; quick: boolean; outputDir: string | undefined } {
  const given = flagsToEnv(RUN_ALL_OPTIONS(), args, 'experiments all');
  const quick = given.PBTS_QUICK === '1';
  const runs = registry.map((experiment): PlannedRun => {
    if (given[`PBTS_SKIP_${experiment.name.toUpperCase().replaceAll('-', '_')}`]) return { experiment, env: {}, skipped: `skipped (--skip-${experiment.name})` };
    const env: Record<string, string> = {};
    for (const option of experiment.options) {
      const value = given[aliasEnv(experiment, option.flag)];
      if (value !== undefined) env[option.env] = value;
    }
    return { experiment, env };
  });
  return { runs, quick, outputDir: given.PBTS_OUTPUT_DIR };
}

function vitestBin(root: string): string {
  return path.join(path.dirname(createRequire(path.join(root, 'package.json')).resolve('vitest/package.json')), 'vitest.mjs');
}

/** Runs one bench file in its own Vitest process; resolves to its exit code (signals as 128 + n). */
function runBench(root: string, benchFile: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vitestBin(root), 'bench', '--run', benchFile], { cwd: root, env, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + (signalNumber(signal) ?? 0) : 1)));
  });
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal as string];
}

/** Reads the result file an experiment's run wrote, or undefined. */
function readResult(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** `pbts experiments all [options]`; returns the exit code. */
export async function runAll(args: readonly string[], root = process.cwd()): Promise<number> {
  const plan = planRun(args);
  const dir = outputDir(root, plan.outputDir ? { PBTS_OUTPUT_DIR: plan.outputDir } : {});
  const started = new Date();
  // A previous run's files must not pass for this one's.
  for (const name of RUN_FILES) rmSync(path.join(dir, name), { force: true });
  const toRun = plan.runs.filter((run) => !run.skipped);
  const entries: RunEntry[] = [];
  const results = new Map<string, unknown>();
  for (const run of plan.runs) {
    const { experiment } = run;
    if (run.skipped) {
      entries.push({ name: experiment.name, title: experiment.title, status: 'skipped', reason: run.skipped });
      continue;
    }
    const position = toRun.indexOf(run) + 1;
    process.stderr.write(`\n==> ${experiment.name} (experiment ${position}/${toRun.length}, ${elapsed(Date.now() - started.getTime())} elapsed)\n`);
    const file = path.join(dir, `${experiment.name}.json`);
    rmSync(file, { force: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...run.env,
      PBTS_OUTPUT_DIR: dir,
      PBTS_RUN_POSITION: `${position}/${toRun.length}`,
      PBTS_RUN_STARTED: String(started.getTime()),
      ...(plan.quick && { PBTS_QUICK: '1' }),
    };
    // --output is per experiment; in a suite every result goes to the output dir.
    delete env.PBTS_OUTPUT;
    const code = await runBench(root, experiment.benchFile, env);
    const result = readResult(file);
    if (result) results.set(experiment.name, result);
    const failedBenches = Array.isArray(result?.failed) ? (result.failed as string[]) : [];
    const ok = code === 0 && result !== undefined;
    entries.push({
      name: experiment.name,
      title: experiment.title,
      status: ok ? 'ok' : 'failed',
      ...(!ok && {
        reason:
          `exit code ${code}` +
          (failedBenches.length > 0 ? `; failed benchmarks: ${failedBenches.join(', ')}` : '') +
          (result === undefined ? '; no result written' : ''),
      }),
      ...(result?.report !== undefined && { report: result.report as Report }),
      ...(result !== undefined && { file: path.basename(file) }),
    });
  }
  const written = await writeRunFiles(
    dir,
    { started: started.toISOString(), total_time_s: (Date.now() - started.getTime()) / 1000, quick: plan.quick, machine: describeMachine(), experiments: entries },
    results,
  );
  const failed = entries.filter((e) => e.status === 'failed');
  console.log(`\nRun of ${toRun.length} experiment(s) took ${elapsed(Date.now() - started.getTime())}; files written:`);
  for (const file of written) console.log(`  ${path.relative(process.cwd(), file) || file}`);
  if (failed.length > 0) {
    console.log(`FAILED: ${failed.map((e) => `${e.name} (${e.reason})`).join('; ')}; exit code 1.`);
    return 1;
  }
  return 0;
}
