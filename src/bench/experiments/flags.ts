/**
 * Command-line flags of the experiments: how an option is written, and flags to the `PBTS_*`
 * variables the bench files read.
 * @module
 */
import { COMMON_OPTIONS, experimentNamed } from './registry.ts';
import type { OptionSpec } from './types.ts';

/** `--flag ARG`, `--flag N...` or `--flag`, as usage texts and the README write an option. */
export function flagSyntax(spec: OptionSpec): string {
  const placeholder = spec.arg ?? 'N';
  return `--${spec.flag}${spec.kind === 'boolean' ? '' : spec.kind === 'list' ? ` ${placeholder}...` : ` ${placeholder}`}`;
}

/**
 * Turns flags into environment variables. List flags take the following words up to the next
 * flag (`--batch-sizes 10 50 100`) or one comma-separated word.
 */
export function flagsToEnv(specs: readonly OptionSpec[], args: readonly string[], what: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.startsWith('--') ? arg.slice(2).split('=', 2) : [undefined, undefined];
    const spec = flag === undefined ? undefined : specs.find((s) => s.flag === flag);
    if (!spec) throw new Error(`unknown option "${arg}" for ${what} (pbts experiments --help lists them)`);
    if (spec.kind === 'boolean') {
      env[spec.env] = '1';
      continue;
    }
    const values: string[] = inline === undefined ? [] : [inline];
    while (inline === undefined && i + 1 < args.length && !args[i + 1]!.startsWith('--')) {
      values.push(args[++i]!);
      if (spec.kind === 'value') break;
    }
    if (values.length === 0) throw new Error(`option --${flag} needs a value`);
    env[spec.env] = values.join(' ');
  }
  return env;
}

/** The variables an experiment's flags set. */
export function experimentEnv(name: string, args: readonly string[]): Record<string, string> {
  const experiment = experimentNamed(name);
  return flagsToEnv([...experiment.options, ...COMMON_OPTIONS], args, `experiment ${name}`);
}

