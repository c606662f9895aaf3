import { afterEach, describe, expect, test, vi } from 'vitest';
import { AB_DEFAULT_ROUNDS, parseAbArgs, runAbCli } from './cli.ts';
import { AB_DEFAULT_THRESHOLD } from './report.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

function captureOutput() {
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
  return () => out.join('\n');
}

describe('parseAbArgs', () => {
  test('default', () => {
    expect(parseAbArgs(['--base', 'origin/main'])).toEqual({
      base: 'origin/main',
      head: undefined,
      experiments: ['receipts'],
      rounds: AB_DEFAULT_ROUNDS,
      quick: false,
      threshold: AB_DEFAULT_THRESHOLD,
      headEnv: {},
      markdown: undefined,
      json: undefined,
    });
  });

  test('behavior: experiments as following words or a comma list; --head-env repeats', () => {
    const opts = parseAbArgs([
      '--base', 'main', '--experiments', 'receipts', 'tee', '--rounds', '7', '--quick',
      '--head-env', 'PBTS_BENCH_SLOWDOWN=1.5', '--head-env', 'PBTS_BENCH_SLOWDOWN_ONLY=receipts [blst] > receipt verification',
    ]);
    expect(opts).toMatchObject({
      experiments: ['receipts', 'tee'],
      rounds: 7,
      quick: true,
      headEnv: { PBTS_BENCH_SLOWDOWN: '1.5', PBTS_BENCH_SLOWDOWN_ONLY: 'receipts [blst] > receipt verification' },
    });
    expect(parseAbArgs(['--base', 'main', '--experiments', 'receipts,tee'])).toMatchObject({ experiments: ['receipts', 'tee'] });
  });

  test('behavior: --help', () => {
    expect(parseAbArgs(['--help'])).toBe('help');
  });

  test('error: options it refuses, saying which', () => {
    expect(() => parseAbArgs([])).toThrow(/--base REF is required/);
    expect(() => parseAbArgs(['--base', 'main', '--experiments', 'nope'])).toThrow(/unknown experiment "nope"/);
    expect(() => parseAbArgs(['--base', 'main', '--rounds', '0'])).toThrow(/--rounds must be a positive integer/);
    expect(() => parseAbArgs(['--base', 'main', '--rounds', '2.5'])).toThrow(/--rounds must be a positive integer/);
    expect(() => parseAbArgs(['--base', 'main', '--threshold', 'fast'])).toThrow(/--threshold must be a positive fraction/);
    expect(() => parseAbArgs(['--base', 'main', '--head-env', 'no-equals'])).toThrow(/--head-env takes NAME=VALUE/);
    expect(() => parseAbArgs(['--base', 'main', 'stray'])).toThrow(/unexpected argument 'stray'/);
    expect(() => parseAbArgs(['--base', 'main', '--bogus'])).toThrow(/--bogus/);
  });
});

describe('runAbCli', () => {
  test('behavior: --help prints usage and exits 0', async () => {
    const output = captureOutput();
    expect(await runAbCli(['--help'])).toBe(0);
    expect(output()).toContain('Usage: pbts bench ab --base REF');
  });

  test('error: bad options exit 2 with usage', async () => {
    const output = captureOutput();
    expect(await runAbCli(['--rounds', '3'])).toBe(2);
    expect(output()).toContain('--base REF is required');
  });

  test('error: a base that names no commit exits 2 before any run', async () => {
    const output = captureOutput();
    expect(await runAbCli(['--base', 'no-such-ref-anywhere'])).toBe(2);
    expect(output()).toContain("'no-such-ref-anywhere' names no commit");
  });
});
