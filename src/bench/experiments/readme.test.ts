import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { RUN_ALL_OPTIONS } from '../run/all.ts';
import { optionTable, runAllTable } from './readme.ts';
import { COMMON_OPTIONS, registry } from './registry.ts';

const readme = readFileSync(path.join(import.meta.dirname, '../../../README.md'), 'utf8');

describe('README option tables', () => {
  test.each(registry.map((e) => [e.name, e] as const))('default: the README has the registry table of %s', (_name, experiment) => {
    expect(readme).toContain(optionTable(experiment.options, COMMON_OPTIONS));
  });

  test('default: the README has the table of run-all', () => {
    expect(readme).toContain(runAllTable(RUN_ALL_OPTIONS()));
  });

  test('error: a table that disagrees with the registry is not found', () => {
    const [first] = registry;
    const changed = [{ ...first!.options[0]!, default: 'changed' }, ...first!.options.slice(1)];
    expect(readme).not.toContain(optionTable(changed, COMMON_OPTIONS));
  });
});
