/**
 * The README's option tables, made from the registry: the README must contain each exactly
 * (`readme.test.ts`), so an option added, renamed or re-defaulted in one place and not the
 * other fails the tests.
 * @module
 */
import { flagSyntax } from './flags.ts';
import type { OptionSpec } from './types.ts';

const HEADER = ['| flag | variable | default | meaning |', '| --- | --- | --- | --- |'];

function row(spec: OptionSpec): string {
  const defaults = spec.quick === undefined ? spec.default : `${spec.default} (quick: ${spec.quick})`;
  return `| \`${flagSyntax(spec)}\` | \`${spec.env}\` | ${defaults} | ${spec.help} |`;
}

/** An experiment's option table; `common` (the options every experiment takes) ends it in one row. */
export function optionTable(specs: readonly OptionSpec[], common: readonly OptionSpec[] = []): string {
  const lines = [...HEADER, ...specs.map(row)];
  if (common.length > 0) lines.push(`| ${common.map((spec) => `\`${flagSyntax(spec)}\``).join(', ')} | | | as everywhere |`);
  return lines.join('\n');
}

/** run-all's table: flags only, since its flags reach each experiment's own variables (see the registry). */
export function runAllTable(specs: readonly OptionSpec[]): string {
  const rows = specs.map((spec) => {
    const defaults = spec.quick === undefined ? spec.default : `${spec.default} (quick: ${spec.quick})`;
    return `| \`${flagSyntax(spec)}\` | ${defaults} | ${spec.help} |`;
  });
  return ['| flag | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
