/**
 * `pbts experiments <name> [options]` and `pbts experiments all [options]`: runs experiments
 * through Vitest, passing their options as the `PBTS_*` environment variables the bench files
 * read. Flags, usage and defaults come from the registry.
 * @module
 */
import { startVitest } from 'vitest/node';
import { experimentEnv, flagSyntax } from '../bench/experiments/flags.ts';
import { COMMON_OPTIONS, experimentNamed, registry } from '../bench/experiments/registry.ts';
import type { OptionSpec } from '../bench/experiments/types.ts';
import { RUN_ALL_OPTIONS, runAll } from '../bench/run/all.ts';

function defaults(spec: OptionSpec): string {
  return spec.quick === undefined ? spec.default : `${spec.default}, quick: ${spec.quick}`;
}

function optionLine(spec: OptionSpec): string {
  return `      ${flagSyntax(spec).padEnd(26)} ${spec.help} (default ${defaults(spec)}) [${spec.env}]`;
}

/** Usage text of `pbts experiments`. */
export function experimentsUsage(): string {
  const lines = ['Usage: pbts experiments <name> [options]', '       pbts experiments all [options]', '', 'Experiments:'];
  for (const experiment of registry) {
    lines.push(`  ${experiment.name.padEnd(12)} ${experiment.summary}`);
    for (const spec of [...experiment.options, ...COMMON_OPTIONS]) lines.push(optionLine(spec));
  }
  lines.push('  all          every experiment once, then all_results.json, SUMMARY.txt, COMPARISON.txt, index.html');
  for (const spec of RUN_ALL_OPTIONS()) lines.push(optionLine(spec));
  return lines.join('\n');
}

/** Runs the experiment (or `all`) and returns the process exit code. */
export async function runExperiment(name: string, args: readonly string[]): Promise<number> {
  if (name === 'all') return runAll(args);
  Object.assign(process.env, experimentEnv(name, args));
  const vitest = await startVitest('benchmark', [experimentNamed(name).benchFile], { run: true, watch: false });
  await vitest.close();
  return Number(process.exitCode ?? 0);
}
