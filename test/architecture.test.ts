import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// The tracker's HTTP routes build on these folders; an import the other way makes a cycle.
const BELOW_TRACKER = ['src/chain', 'src/tee', 'src/store', 'src/receipts'];
const TRACKER = 'src/tracker';

/** Every source file under `dir` (tests included: a test importing the tracker is the same cycle). */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|mts|js|mjs)$/.test(entry.name))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

// Static imports and re-exports (`from '...'`), side-effect imports and dynamic `import('...')`.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;

/** The project files `file` imports, as paths from the repository root (packages left out). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(SPECIFIER)]
    .map((match) => match[1]!)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => relative(ROOT, resolve(ROOT, dirname(file), specifier)));
}

describe('architecture', () => {
  test('behavior: the import scan sees relative, re-exported and dynamic imports', () => {
    expect(importsOf('src/tracker/app.ts')).toContain('src/tracker/admin.ts');
    expect(importsOf('src/store/index.ts')).toContain('src/store/types.ts');
    expect(importsOf('src/receipts/verify-worker-entry.mjs')).toContain('src/receipts/verify-worker.ts');
  });

  test(`error: nothing under ${BELOW_TRACKER.join(', ')} imports from ${TRACKER}`, () => {
    const offending = BELOW_TRACKER.flatMap(sources).flatMap((file) =>
      importsOf(file)
        .filter((target) => target === TRACKER || target.startsWith(`${TRACKER}/`))
        .map((target) => `${file} -> ${target}`),
    );
    expect(offending).toEqual([]);
  });
});
