import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Folder of the latest run's per-experiment JSON files (relative to the project root). */
export const LATEST_DIR = path.join('reports', 'latest');

/** Where a run writes its files: `PBTS_OUTPUT_DIR` (`--output-dir`), else `reports/latest/` under `root`. */
export function outputDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(root, env.PBTS_OUTPUT_DIR?.trim() || LATEST_DIR);
}

/**
 * Writes an experiment's result to `<output dir>/<experiment>.json` under `root`, and also to
 * `extraFile` (the experiment's `--output` / `PBTS_OUTPUT`) when given. Returns the paths written.
 */
export function writeResult(root: string, experiment: string, result: unknown, extraFile?: string): string[] {
  const text = `${JSON.stringify(result, null, 2)}\n`;
  const files = [path.join(outputDir(root), `${experiment}.json`)];
  if (extraFile) files.push(path.resolve(root, extraFile));
  for (const file of files) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return files;
}
