import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type Installer, prepareTrees, resolveCommit } from './worktrees.ts';

let root: string;
let repo: string;
let scratch: string;

function git(...args: string[]): string {
  return execFileSync('git', args, {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
  }).trim();
}

async function commit(files: Record<string, string>, message: string): Promise<string> {
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(repo, name), text);
  git('add', '-A');
  git('commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD');
}

/** An installer that records where it ran and leaves a node_modules folder there. */
function fakeInstaller(calls: string[], fail = false): Installer {
  return async (dir) => {
    calls.push(dir);
    if (fail) throw new Error('npm ci failed');
    await mkdir(path.join(dir, 'node_modules'));
  };
}

function worktrees(): string[] {
  return git('worktree', 'list', '--porcelain').split('\n').filter((line) => line.startsWith('worktree '));
}

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pbts-ab-trees-'));
  repo = path.join(root, 'repo');
  scratch = path.join(root, 'scratch');
  await mkdir(repo);
  await mkdir(scratch);
  git('init', '-q');
  await writeFile(path.join(repo, '.gitignore'), 'node_modules\n');
  await commit({ 'package-lock.json': '{"lock":1}', 'code.ts': 'v1' }, 'one');
  await commit({ 'code.ts': 'v2' }, 'two');
  // The current checkout's install, which a worktree with the same lockfile borrows.
  await mkdir(path.join(repo, 'node_modules'));
  await writeFile(path.join(repo, 'node_modules', 'marker'), 'installed');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('prepareTrees', () => {
  test('default', async () => {
    const calls: string[] = [];
    const trees = await prepareTrees({ cwd: repo, base: 'HEAD~1', scratch, install: fakeInstaller(calls) });
    expect(trees.head).toMatchObject({ ref: 'working tree', dir: await realpath(repo), added: false, dirty: false, install: 'own' });
    expect(trees.base).toMatchObject({ ref: 'HEAD~1', commit: git('rev-parse', 'HEAD~1'), added: true, install: 'shared' });
    expect(await readFile(path.join(trees.base.dir, 'code.ts'), 'utf8')).toBe('v1');
    expect((await lstat(path.join(trees.base.dir, 'node_modules'))).isSymbolicLink()).toBe(true);
    expect(calls).toEqual([]);
    expect(worktrees()).toHaveLength(2);

    await trees.remove();
    expect(worktrees()).toHaveLength(1);
    expect(existsSync(trees.base.dir)).toBe(false);
    // The borrowed install is untouched.
    expect(await readFile(path.join(repo, 'node_modules', 'marker'), 'utf8')).toBe('installed');
  });

  test('behavior: a base with another lockfile gets its own npm ci', async () => {
    const old = git('rev-parse', 'HEAD');
    await commit({ 'package-lock.json': '{"lock":2}' }, 'new lockfile');
    const calls: string[] = [];
    const trees = await prepareTrees({ cwd: repo, base: old, scratch, install: fakeInstaller(calls) });
    expect(calls).toEqual([trees.base.dir]);
    expect(trees.base.install).toBe('npm ci');
    expect((await lstat(path.join(trees.base.dir, 'node_modules'))).isDirectory()).toBe(true);
    await trees.remove();
    expect(worktrees()).toHaveLength(1);
  });

  test('behavior: a head given as a ref is a worktree too; trees with one lockfile share one install', async () => {
    await commit({ 'package-lock.json': '{"lock":2}' }, 'new lockfile');
    await commit({ 'code.ts': 'v3' }, 'three');
    const calls: string[] = [];
    // The current checkout's lockfile ({"lock":2} on disk) differs from both refs' ({"lock":1}).
    const trees = await prepareTrees({ cwd: repo, base: 'HEAD~3', head: 'HEAD~2', scratch, install: fakeInstaller(calls) });
    expect(trees.head).toMatchObject({ ref: 'HEAD~2', added: true, install: 'npm ci' });
    expect(trees.base.install).toBe('shared');
    expect(await realpath(path.join(trees.base.dir, 'node_modules'))).toBe(await realpath(path.join(trees.head.dir, 'node_modules')));
    expect(calls).toEqual([trees.head.dir]);
    await trees.remove();
    expect(worktrees()).toHaveLength(1);
  });

  test('behavior: uncommitted changes to tracked files make the working tree dirty', async () => {
    await writeFile(path.join(repo, 'code.ts'), 'edited');
    const trees = await prepareTrees({ cwd: repo, base: 'HEAD', scratch, install: fakeInstaller([]) });
    expect(trees.head.dirty).toBe(true);
    await trees.remove();
  });

  test('error: a failed install removes the worktrees it had added', async () => {
    await rm(path.join(repo, 'node_modules'), { recursive: true });
    await expect(prepareTrees({ cwd: repo, base: 'HEAD~1', head: 'HEAD', scratch, install: fakeInstaller([], true) })).rejects.toThrow(
      /npm ci failed/,
    );
    expect(worktrees()).toHaveLength(1);
  });

  test('error: an aborted preparation removes what it had added', async () => {
    const abort = new AbortController();
    await rm(path.join(repo, 'node_modules'), { recursive: true });
    const install: Installer = async () => abort.abort();
    const pending = prepareTrees({ cwd: repo, base: 'HEAD~1', head: 'HEAD', scratch, install, signal: abort.signal });
    await expect(pending).rejects.toThrow();
    expect(worktrees()).toHaveLength(1);
  });

  test('error: a ref that names no commit', async () => {
    await expect(prepareTrees({ cwd: repo, base: 'no-such-branch', scratch })).rejects.toThrow(/'no-such-branch' names no commit/);
    expect(worktrees()).toHaveLength(1);
  });
});

describe('resolveCommit', () => {
  test('default', async () => {
    expect(await resolveCommit(repo, 'HEAD')).toBe(git('rev-parse', 'HEAD'));
  });

  test('error: an option is not taken for a ref', async () => {
    await expect(resolveCommit(repo, '--all')).rejects.toThrow(/names no commit/);
  });
});
