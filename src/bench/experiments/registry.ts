/**
 * The experiments, in the order a full run takes them. Everything that lists experiments or
 * their options reads this: the reporter, `pbts experiments` (flags, usage), run-all's
 * `--skip-*` flags, and the README's option tables (a test compares them).
 * @module
 */
import { clientDownload } from './client-download/index.ts';
import { load } from './load/index.ts';
import { onchain } from './onchain/index.ts';
import { receipts } from './receipts/index.ts';
import { tee } from './tee/index.ts';
import { trackerOverhead } from './tracker-overhead/index.ts';
import type { Experiment, OptionSpec } from './types.ts';

export const registry: readonly Experiment[] = [receipts, tee, onchain, load, clientDownload, trackerOverhead];

/** Options every experiment takes. */
export const COMMON_OPTIONS: readonly OptionSpec[] = [
  { flag: 'output', env: 'PBTS_OUTPUT', kind: 'value', arg: 'FILE', default: 'none', help: 'also write the JSON result to FILE' },
  { flag: 'quick', env: 'PBTS_QUICK', kind: 'boolean', default: 'off', help: 'smoke run of a few seconds' },
];

/** The experiment called `name`; throws naming the known ones. */
export function experimentNamed(name: string): Experiment {
  const experiment = registry.find((e) => e.name === name);
  if (!experiment) throw new Error(`unknown experiment "${name}" (known: ${registry.map((e) => e.name).join(', ')})`);
  return experiment;
}

/** The experiment whose bench file is `file` (absolute or relative), or undefined. */
export function experimentOfFile(file: string): Experiment | undefined {
  const normalized = file.replaceAll('\\', '/');
  return registry.find((e) => normalized === e.benchFile || normalized.endsWith(`/${e.benchFile}`));
}
