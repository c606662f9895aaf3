/**
 * The two trees of an A/B run: the base (and a head given as a ref) checked out as detached git
 * worktrees in a scratch folder, the head otherwise the current checkout as it is. A tree whose
 * lockfile is byte for byte another installed tree's borrows that install (a node_modules
 * symlink) instead of running `npm ci` again. `remove()` takes away only what was added here:
 * the symlinks first (so the borrowed install is never touched), then the worktrees.
 * @module
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, realpath, rm, symlink, unlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One side's code. */
export interface Tree {
  /** The ref as given (`origin/main`), or `working tree`. */
  ref: string;
  commit: string;
  dir: string;
  /** A worktree added by this run (removed by `remove()`), not the current checkout. */
  added: boolean;
  /** The current checkout with uncommitted changes to tracked files. */
  dirty: boolean;
  /** How its node_modules came about. */
  install: 'own' | 'shared' | 'npm ci';
}

/** Both trees of an A/B run, and the way to take them away again. */
export interface Trees {
  base: Tree;
  head: Tree;
  remove(): Promise<void>;
}

/** Installs dependencies in a tree (`npm ci`); the tests pass their own. */
export type Installer = (dir: string, signal?: AbortSignal) => Promise<void>;

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

/** The commit `ref` names in the repository at `repo`; throws saying so when it names none. */
export async function resolveCommit(repo: string, ref: string): Promise<string> {
  try {
    return await git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  } catch {
    throw new Error(`'${ref}' names no commit in ${repo} (fetch it first, e.g. git fetch origin main)`);
  }
}

/** `npm ci` in `dir`, its output on stderr. */
export const npmCi: Installer = (dir, signal) =>
  new Promise((resolve, reject) => {
    const child = spawn('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: ['ignore', process.stderr, process.stderr], signal });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`npm ci in ${dir} exited with ${code}`))));
  });

async function lockfile(dir: string): Promise<string | undefined> {
  try {
    return await readFile(path.join(dir, 'package-lock.json'), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Checks out the base (and the head when `head` is a ref) under `scratch`, and gives each tree
 * a node_modules: its own, another tree's with the same lockfile, or a fresh `npm ci`.
 */
export async function prepareTrees(opts: {
  /** Inside the repository; also the head when `head` is undefined. */
  cwd: string;
  base: string;
  head?: string;
  /** An empty folder for the worktrees. */
  scratch: string;
  install?: Installer;
  log?: (line: string) => void;
  signal?: AbortSignal;
}): Promise<Trees> {
  const { install = npmCi, log = () => {}, signal } = opts;
  const repo = await git(opts.cwd, ['rev-parse', '--show-toplevel']);
  const baseCommit = await resolveCommit(repo, opts.base);
  const headCommit = await resolveCommit(repo, opts.head ?? 'HEAD');
  const added: Tree[] = [];
  const links: string[] = [];

  const remove = async (): Promise<void> => {
    // Links first: removing a worktree must never reach into the install it borrowed.
    for (const link of links.splice(0)) await unlink(link).catch(() => {});
    for (const tree of added.splice(0)) {
      await git(repo, ['worktree', 'remove', '--force', tree.dir]).catch((err: Error) => log(`could not remove worktree ${tree.dir}: ${err.message}`));
      await rm(tree.dir, { recursive: true, force: true });
    }
    await git(repo, ['worktree', 'prune']).catch(() => {});
  };

  const addWorktree = async (ref: string, commit: string, name: string): Promise<Tree> => {
    signal?.throwIfAborted();
    const dir = path.join(opts.scratch, name);
    await git(repo, ['worktree', 'add', '--detach', dir, commit]);
    const tree: Tree = { ref, commit, dir, added: true, dirty: false, install: 'own' };
    added.push(tree);
    log(`${name}: ${ref} (${commit.slice(0, 12)}) checked out in ${dir}`);
    return tree;
  };

  try {
    const base = await addWorktree(opts.base, baseCommit, 'base');
    const head: Tree =
      opts.head === undefined
        ? {
            ref: 'working tree',
            commit: headCommit,
            dir: repo,
            added: false,
            dirty: (await git(repo, ['status', '--porcelain', '--untracked-files=no'])) !== '',
            install: 'own',
          }
        : await addWorktree(opts.head, headCommit, 'head');
    // Installs that can be lent: the current checkout's, whether or not it is a side.
    const installed: { dir: string; lock: string | undefined }[] = [];
    if (existsSync(path.join(repo, 'node_modules'))) installed.push({ dir: repo, lock: await lockfile(repo) });
    for (const tree of [head, base]) {
      if (existsSync(path.join(tree.dir, 'node_modules'))) continue;
      signal?.throwIfAborted();
      const lock = await lockfile(tree.dir);
      const lender = lock === undefined ? undefined : installed.find((other) => other.lock === lock);
      if (lender) {
        const link = path.join(tree.dir, 'node_modules');
        await symlink(await realpath(path.join(lender.dir, 'node_modules')), link, 'dir');
        links.push(link);
        tree.install = 'shared';
        log(`${tree === base ? 'base' : 'head'}: same package-lock.json as ${lender.dir}, sharing its node_modules`);
      } else {
        log(`${tree === base ? 'base' : 'head'}: its own package-lock.json, running npm ci in ${tree.dir}`);
        await install(tree.dir, signal);
        tree.install = 'npm ci';
        installed.push({ dir: tree.dir, lock });
      }
    }
    return { base, head, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

