/**
 * Writes a run's files beside the experiments' own JSON results: all_results.json (every
 * experiment's result, null for one that did not report, with the reason), SUMMARY.txt,
 * COMPARISON.txt and index.html.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderHtml } from '../report/html.ts';
import { comparisonText } from './comparison.ts';
import type { RunEntry, RunReport } from './run.ts';
import { summaryText } from './summary.ts';

/** The names of a run's files, in the order they are written. */
export const RUN_FILES = ['all_results.json', 'SUMMARY.txt', 'COMPARISON.txt', 'index.html'] as const;

/** Everything known about a run before its texts are made. */
export type RunInput = Omit<RunReport, 'summaryText' | 'comparisonText'>;

/** The run with its SUMMARY and COMPARISON texts. */
export function completeRun(input: RunInput): RunReport {
  return { ...input, summaryText: summaryText(input), comparisonText: comparisonText(input.experiments) };
}

/** all_results.json: experiments by name (the reference's keys), then the run's own block. */
export function allResults(run: RunReport, results: ReadonlyMap<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entry of run.experiments) out[entry.name] = results.get(entry.name) ?? null;
  out.run = {
    started: run.started,
    total_time_s: run.total_time_s,
    quick: run.quick,
    machine: run.machine,
    experiments: Object.fromEntries(
      run.experiments.map((e: RunEntry) => [e.name, { status: e.status, reason: e.reason ?? null, file: e.file ?? null }]),
    ),
  };
  return out;
}

/** Writes the four run files into `dir`; returns their paths. */
export async function writeRunFiles(dir: string, input: RunInput, results: ReadonlyMap<string, unknown>): Promise<string[]> {
  const run = completeRun(input);
  const contents: Record<(typeof RUN_FILES)[number], string> = {
    'all_results.json': `${JSON.stringify(allResults(run, results), null, 2)}\n`,
    'SUMMARY.txt': run.summaryText,
    'COMPARISON.txt': run.comparisonText,
    'index.html': await renderHtml(run),
  };
  mkdirSync(dir, { recursive: true });
  return RUN_FILES.map((name) => {
    const file = path.join(dir, name);
    writeFileSync(file, contents[name]);
    return file;
  });
}
