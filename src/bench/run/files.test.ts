import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { RUN_FILES, allResults, completeRun, writeRunFiles } from './files.ts';
import { ENTRIES, MACHINE } from './fixture.ts';

const input = { started: '2026-12-04T02:00:00.000Z', total_time_s: 42, quick: true, machine: MACHINE, experiments: ENTRIES };
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('run files', () => {
  test('default: all_results.json keeps each result under its name, null with the reason where there is none', () => {
    const results = new Map([['receipts', { experiment: 'receipts', receipt_creation: { mean_ms: 0.42 } }]]);
    const all = allResults(completeRun(input), results);
    expect(Object.keys(all)).toEqual(['receipts', 'tee', 'onchain', 'run']);
    expect(all.receipts).toEqual(results.get('receipts'));
    expect(all.tee).toBeNull();
    expect(all.run).toMatchObject({
      started: input.started,
      total_time_s: 42,
      quick: true,
      experiments: {
        receipts: { status: 'ok', reason: null, file: 'receipts.json' },
        tee: { status: 'skipped', reason: 'skipped (--skip-tee)', file: null },
        onchain: { status: 'failed', reason: expect.stringContaining('exit code 1') },
      },
    });
  });

  test('behavior: the four run files are written, and the summary and comparison are the ones the page shows', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pbts-run-files-'));
    dirs.push(dir);
    const written = await writeRunFiles(dir, input, new Map());
    expect(written.map((file) => path.basename(file))).toEqual([...RUN_FILES]);
    expect(readdirSync(dir).sort()).toEqual([...RUN_FILES].sort());
    const run = completeRun(input);
    expect(readFileSync(path.join(dir, 'SUMMARY.txt'), 'utf8')).toBe(run.summaryText);
    expect(readFileSync(path.join(dir, 'COMPARISON.txt'), 'utf8')).toBe(run.comparisonText);
    const html = readFileSync(path.join(dir, 'index.html'), 'utf8');
    expect(html).toContain('PBTS EXPERIMENT SUMMARY');
    expect(JSON.parse(readFileSync(path.join(dir, 'all_results.json'), 'utf8')).onchain).toBeNull();
  });
});
