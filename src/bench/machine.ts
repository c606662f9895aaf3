import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** The machine (and commit) a benchmark ran on; `profile` names the baseline it is compared with. */
export interface Machine {
  cpu_model: string;
  cores: number;
  total_memory_gib: number;
  platform: string;
  arch: string;
  node_version: string;
  git_commit: string | null;
  date: string;
  profile: string;
}

// The profile becomes a file name under reports/baselines/, so it must not be able to leave it.
const PROFILE_PATTERN = /^[A-Za-z0-9._-]+$/;

/** Baseline profile name: env PBTS_BASELINE_PROFILE, else `${platform}-${arch}-${cores}core`. */
export function machineProfile(): string {
  const override = process.env.PBTS_BASELINE_PROFILE?.trim();
  if (!override) return `${process.platform}-${process.arch}-${os.availableParallelism()}core`;
  if (!PROFILE_PATTERN.test(override) || override === '.' || override === '..') {
    throw new Error(`PBTS_BASELINE_PROFILE must be a plain name of letters, digits, '.', '_' or '-', got '${override}'`);
  }
  return override;
}

function gitCommit(): string | null {
  try {
    const out = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5_000,
    }).trim();
    return out === '' ? null : out;
  } catch {
    // Not a git checkout, no commit yet, or no git binary: results are still worth keeping.
    return null;
  }
}

/** Describes this machine, the current git commit (short hash or null) and the time. */
export function describeMachine(): Machine {
  return {
    cpu_model: os.cpus()[0]?.model.trim() || 'unknown',
    cores: os.availableParallelism(),
    total_memory_gib: Math.round((os.totalmem() / 2 ** 30) * 100) / 100,
    platform: process.platform,
    arch: process.arch,
    node_version: process.version,
    git_commit: gitCommit(),
    date: new Date().toISOString(),
    profile: machineProfile(),
  };
}
