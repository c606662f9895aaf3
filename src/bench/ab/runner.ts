/**
 * One run of an A/B comparison: one experiment's bench file, in one tree, in its own Vitest
 * process (the tree's own harness and code, a fresh JIT), its result file in a folder of its
 * own; what comes back is every benchmark's median. The output goes to a log that is shown
 * only when the run fails.
 * @module
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readLatest } from '../compare.ts';

/** What one run needs. */
export interface SideRun {
  /** The tree's root. */
  dir: string;
  experiment: string;
  /** Relative to the tree's root, such as `bench/receipts.bench.ts`. */
  benchFile: string;
  /** Where the run writes its result file (PBTS_OUTPUT_DIR). */
  outDir: string;
  logFile: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

// The log's end says why a run failed; its start is Vitest's banner.
const LOG_TAIL_LINES = 40;

function tail(file: string): string {
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
}

/** Runs the experiment and resolves to its benchmarks' medians (ms); throws with the log's end when it fails. */
export async function runSide(opts: SideRun): Promise<Record<string, number>> {
  const vitest = path.join(opts.dir, 'node_modules', 'vitest', 'vitest.mjs');
  const log = openSync(opts.logFile, 'w');
  let code: number | null;
  try {
    code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [vitest, 'bench', '--run', opts.benchFile], {
        cwd: opts.dir,
        env: { ...opts.env, PBTS_OUTPUT_DIR: opts.outDir },
        stdio: ['ignore', log, log],
        signal: opts.signal,
      });
      child.once('error', reject);
      child.once('exit', (exitCode) => resolve(exitCode));
    });
  } finally {
    closeSync(log);
  }
  if (code !== 0) throw new Error(`${opts.experiment} in ${opts.dir} exited with ${code ?? 'a signal'}; the end of its output:\n${tail(opts.logFile)}`);
  const result = (await readLatest(opts.outDir)).find((r) => r.experiment === opts.experiment);
  if (!result) throw new Error(`${opts.experiment} in ${opts.dir} wrote no result file to ${opts.outDir}`);
  return Object.fromEntries(Object.entries(result.benchmarks).map(([name, summary]) => [name, summary.median_ms]));
}
