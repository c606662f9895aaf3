/**
 * Figures a bench file measures itself (a load generator's throughput and latency histogram,
 * gas used) travel to the reporter through a file, because bench files run in Vitest workers
 * and the reporter in the main process.
 * @module
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LATEST_DIR } from './results.ts';

function extraFile(root: string, experiment: string): string {
  return path.join(root, LATEST_DIR, '.extra', `${experiment}.json`);
}

/** Records `value` under `key` for the experiment's report (call from a bench file). */
export function recordExtra(experiment: string, key: string, value: unknown, root = process.cwd()): void {
  const file = extraFile(root, experiment);
  const current = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  current[key] = value;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(current));
}

/** Reads and removes what the experiment's bench file recorded in this run. */
export function takeExtras(experiment: string, root = process.cwd()): Record<string, unknown> {
  const file = extraFile(root, experiment);
  if (!existsSync(file)) return {};
  const extras = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  rmSync(file);
  return extras;
}
