/**
 * `pbts bench ab`: the base and the head measured in the same job, alternated round by round,
 * judged by same-run ratios (see report.ts); the table is `bench compare`'s, and so are the
 * exit codes. The worktrees are removed at the end, also after an error, SIGINT or SIGTERM.
 * @module
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatLimit } from '../compare.ts';
import { experimentNamed } from '../experiments/registry.ts';
import { describeMachine } from '../machine.ts';
import { elapsed } from '../progress.ts';
import { tableMarkdown, tableText, writeMarkdownFile } from '../table.ts';
import { AB_DEFAULT_THRESHOLD, type AbRun, abRows, abTable } from './report.ts';
import { runSide } from './runner.ts';
import { type ScheduledRun, schedule } from './schedule.ts';
import { type Tree, prepareTrees } from './worktrees.ts';

/**
 * Seven rounds: the 95% interval then runs from about the second smallest to the second largest
 * round's ratio, so one round disturbed by the neighbours neither fails nor hides a regression
 * (with five, one such round hid a 1.25x slowdown here; README: A/B comparison).
 */
export const AB_DEFAULT_ROUNDS = 7;

const USAGE = `Usage: pbts bench ab --base REF [options]

Measures the base and the head in this same job: each round runs the experiments on the base,
the head and the base again (the control), and each benchmark's change is the median over the
rounds of head over base, with a bootstrap interval. A benchmark regresses when its whole
interval lies above 1 + threshold.

Options:
  --base REF            the commit to compare against (e.g. origin/main), checked out as a worktree
  --head REF            the commit to measure (default: the working tree, uncommitted changes too)
  --experiments NAME... experiments to run (default receipts)
  --rounds N            rounds (default ${AB_DEFAULT_ROUNDS}); each runs every experiment three times
  --quick               the experiments' quick options (PBTS_QUICK=1)
  --threshold X         fail when a benchmark's whole interval lies above (1 + X) times the base,
                        X a fraction (default ${AB_DEFAULT_THRESHOLD})
  --head-env NAME=VALUE set a variable for the head's runs only (repeatable; the self-test
                        injects PBTS_BENCH_SLOWDOWN with it)
  --markdown FILE       also write the table as Markdown to FILE
  --json FILE           write every run's medians and the rows as JSON to FILE
  --help                show this help

Other PBTS_* variables (PBTS_BACKENDS, PBTS_ITERATIONS, ...) apply to both sides.
Exit codes: 0 pass, 1 a benchmark regressed, 2 bad options or a run failed, 130 interrupted.`;

interface AbOptions {
  base: string;
  head: string | undefined;
  experiments: string[];
  rounds: number;
  quick: boolean;
  threshold: number;
  headEnv: Record<string, string>;
  markdown: string | undefined;
  json: string | undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function positive(text: string, what: string, integer: boolean): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`${what} must be a positive ${integer ? 'integer' : 'fraction such as 0.1 (fail beyond 1.1x)'}, got '${text}'`);
  }
  return value;
}

/** The options of `pbts bench ab`, or throws saying which is wrong. */
export function parseAbArgs(argv: string[]): AbOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      base: { type: 'string' },
      head: { type: 'string' },
      experiments: { type: 'string' },
      rounds: { type: 'string' },
      quick: { type: 'boolean' },
      threshold: { type: 'string' },
      'head-env': { type: 'string', multiple: true },
      markdown: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  // `--experiments receipts tee` as `pbts experiments` takes lists: the words that follow.
  const words = [values.experiments ?? '', ...positionals].join(' ');
  if (positionals.length > 0 && values.experiments === undefined) throw new Error(`unexpected argument '${positionals[0]}'`);
  const experiments = words.split(/[\s,]+/).filter(Boolean);
  for (const name of experiments) experimentNamed(name);
  if (values.base === undefined) throw new Error('--base REF is required (e.g. --base origin/main)');
  const headEnv: Record<string, string> = {};
  for (const assignment of values['head-env'] ?? []) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(assignment);
    if (!match) throw new Error(`--head-env takes NAME=VALUE, got '${assignment}'`);
    headEnv[match[1]!] = match[2]!;
  }
  return {
    base: values.base,
    head: values.head,
    experiments: experiments.length > 0 ? [...new Set(experiments)] : ['receipts'],
    rounds: values.rounds === undefined ? AB_DEFAULT_ROUNDS : positive(values.rounds, '--rounds', true),
    quick: values.quick ?? false,
    threshold: values.threshold === undefined ? AB_DEFAULT_THRESHOLD : positive(values.threshold, '--threshold', false),
    headEnv,
    markdown: values.markdown,
    json: values.json,
  };
}

/** The variables every run gets: this process's, less the ones that would send results elsewhere. */
function sharedEnv(quick: boolean): NodeJS.ProcessEnv {
  const { PBTS_OUTPUT: _file, PBTS_OUTPUT_DIR: _dir, ...env } = process.env;
  return quick ? { ...env, PBTS_QUICK: '1' } : env;
}

function describeTree(tree: Tree): string {
  const extra = tree.dirty ? ', with uncommitted changes' : '';
  return tree.added ? `${tree.ref} (${tree.commit.slice(0, 12)})` : `the working tree (${tree.commit.slice(0, 12)}${extra})`;
}

/** The rounds' runs, grouped so that one experiment's three runs of a round follow each other. */
function runOrder(rounds: number, experiments: readonly string[]): (ScheduledRun & { experiment: string })[] {
  const runs = schedule(rounds);
  const order: (ScheduledRun & { experiment: string })[] = [];
  for (let round = 1; round <= rounds; round++) {
    const sides = runs.filter((run) => run.round === round);
    for (const experiment of experiments) for (const run of sides) order.push({ ...run, experiment });
  }
  return order;
}

/** `pbts bench ab`: runs the comparison and returns the exit code. */
export async function runAbCli(argv: string[], cwd = process.cwd()): Promise<number> {
  let opts: AbOptions;
  try {
    const parsed = parseAbArgs(argv);
    if (parsed === 'help') {
      console.log(USAGE);
      return 0;
    }
    opts = parsed;
  } catch (err) {
    console.error(`${errorMessage(err)}\n\n${USAGE}`);
    return 2;
  }

  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`${signal} received: stopping the run and removing the worktrees`);
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'pbts-ab-'));
  const log = (line: string) => console.error(line);
  let trees: Awaited<ReturnType<typeof prepareTrees>> | undefined;
  try {
    const started = new Date();
    trees = await prepareTrees({ cwd, base: opts.base, head: opts.head, scratch, log, signal: abort.signal });
    const { base, head } = trees;
    const env = sharedEnv(opts.quick);
    const order = runOrder(opts.rounds, opts.experiments);
    const runs: AbRun[] = [];
    for (const [i, run] of order.entries()) {
      const tree = run.side === 'head' ? head : base;
      const name = `${run.round}-${run.side}-${run.experiment}`;
      const outDir = path.join(scratch, 'results', name);
      await mkdir(outDir, { recursive: true });
      const t0 = performance.now();
      const medians = await runSide({
        dir: tree.dir,
        experiment: run.experiment,
        benchFile: experimentNamed(run.experiment).benchFile,
        outDir,
        logFile: path.join(scratch, `${name}.log`),
        env: run.side === 'head' ? { ...env, ...opts.headEnv } : env,
        signal: abort.signal,
      });
      const seconds = (performance.now() - t0) / 1000;
      runs.push({ ...run, seconds, medians });
      log(`run ${i + 1}/${order.length}: round ${run.round}/${opts.rounds}, ${run.side}, ${run.experiment}: ${seconds.toFixed(1)} s (${elapsed(Date.now() - started.getTime())} elapsed)`);
    }

    const rows = abRows(runs, opts.threshold);
    const table = abTable(rows, { threshold: opts.threshold, rounds: opts.rounds });
    const regressed = rows.some((row) => row.status === 'regressed');
    const totalSeconds = (Date.now() - started.getTime()) / 1000;
    const what = `${opts.experiments.join(', ')}${opts.quick ? ' (quick)' : ''}, ${opts.rounds} round(s), ${elapsed(totalSeconds * 1000)}`;
    const headEnv = Object.entries(opts.headEnv).map(([k, v]) => `${k}=${v}`).join(' ');
    const sideNote = headEnv ? `; the head's runs had ${headEnv}` : '';
    console.log(`A/B: head ${describeTree(head)} against base ${describeTree(base)}\n${what}${sideNote}\n\n${tableText(table)}`);

    if (opts.markdown) {
      const rerun = [
        'npx pbts bench ab',
        `--base ${base.commit.slice(0, 12)}`,
        ...(head.added ? [`--head ${head.commit.slice(0, 12)}`] : []),
        `--experiments ${opts.experiments.join(',')}`,
        ...(opts.quick ? ['--quick'] : []),
        `--rounds ${opts.rounds}`,
        ...(opts.threshold === AB_DEFAULT_THRESHOLD ? [] : [`--threshold ${opts.threshold}`]),
      ].join(' ');
      const markdown = [
        '### Benchmarks: head against base, measured in the same job',
        '',
        `Head ${describeTree(head)} against base ${describeTree(base)}: ${what}${sideNote}. ` +
          `A benchmark regresses when its whole 95% interval lies above ${formatLimit(opts.threshold)}.`,
        '',
        tableMarkdown(table),
        `Rerun locally: \`${rerun}\``,
      ].join('\n');
      await writeMarkdownFile(opts.markdown, markdown);
    }
    if (opts.json) {
      const json = {
        base: { ref: base.ref, commit: base.commit, install: base.install },
        head: { ref: head.ref, commit: head.commit, dirty: head.dirty, install: head.install, env: opts.headEnv },
        experiments: opts.experiments,
        rounds: opts.rounds,
        quick: opts.quick,
        threshold: opts.threshold,
        machine: describeMachine(),
        started: started.toISOString(),
        total_time_s: totalSeconds,
        runs,
        rows,
        regressed,
        verdict: table.verdict,
      };
      await mkdir(path.dirname(path.resolve(opts.json)), { recursive: true });
      await writeFile(opts.json, `${JSON.stringify(json, null, 2)}\n`);
    }
    return regressed ? 1 : 0;
  } catch (err) {
    if (abort.signal.aborted) return 130;
    console.error(`error: ${errorMessage(err)}`);
    return 2;
  } finally {
    await trees?.remove();
    await rm(scratch, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
