import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

test('error: a benchmark that throws makes `vitest bench` exit non-zero', () => {
  const fixture = path.join(root, 'test/fixtures/failing-bench');
  const out = mkdtempSync(path.join(tmpdir(), 'pbts-failing-bench-'));
  try {
    const run = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/vitest/vitest.mjs'), 'bench', '--run', '--root', fixture],
      { encoding: 'utf8', env: { ...process.env, PBTS_OUTPUT: path.join(out, 'failing.json') }, timeout: 60_000 },
    );
    expect(run.stdout + run.stderr).toContain('FAILED benchmark failing: throws: deliberate failure');
    expect(run.status).toBe(1);
    // The benchmark that passed is still reported.
    expect(existsSync(path.join(out, 'failing.json'))).toBe(true);
  } finally {
    rmSync(out, { recursive: true, force: true });
    rmSync(path.join(fixture, 'reports'), { recursive: true, force: true });
  }
});
