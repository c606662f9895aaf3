/**
 * A run of three experiments (one measured, one skipped, one failed) for the run files' tests.
 * @module
 */
import type { Machine } from '../machine.ts';
import type { Report } from '../report/model.ts';
import { targetCheck } from '../targets.ts';
import type { RunEntry } from './run.ts';

/** A 2-core machine. */
export const MACHINE: Machine = {
  cpu_model: 'AMD EPYC',
  cores: 2,
  total_memory_gib: 24,
  platform: 'linux',
  arch: 'x64',
  node_version: 'v20.20.2',
  git_commit: 'abc1234',
  date: '2026-12-04T02:00:00.000Z',
  profile: 'linux-x64-2core',
};

/** A receipts report with headline figures, a group and a target. */
export const RECEIPTS_REPORT: Report = {
  sections: [],
  charts: [],
  targets: [targetCheck('receipt_creation', '<= 0.5 ms', 0.42, 'ms', (v) => v <= 0.5, 'blst median', { digits: 4 })],
  headline: [
    { key: 'keypair_generation_mean_ms', label: 'Keypair Generation', value: 0.3421, unit: 'ms', format: { digits: 4 }, after: '(mean)' },
    { key: 'receipt_creation_mean_ms', label: 'Receipt Creation', value: 0.4219, unit: 'ms', format: { digits: 4 }, after: '(mean)' },
    { key: 'receipt_verification_mean_ms', label: 'Receipt Verification', value: 1.2298, unit: 'ms', format: { digits: 4 }, after: '(mean)' },
    { key: 'piece_hash_mean_ms', label: 'Piece hash check', value: 0.35, unit: 'ms', format: { digits: 4 } },
    { key: 'aggregate_speedup_10', label: '10 receipts', value: 2.54, unit: 'x', after: 'faster', group: 'Aggregate Verification Speedup' },
    { key: 'aggregate_speedup_100', label: '100 receipts', value: 4.17, unit: 'x', after: 'faster', group: 'Aggregate Verification Speedup' },
  ],
};

/** Measured receipts, skipped tee, failed onchain. */
export const ENTRIES: RunEntry[] = [
  { name: 'receipts', title: 'RECEIPT OPERATIONS', status: 'ok', report: RECEIPTS_REPORT, file: 'receipts.json' },
  { name: 'tee', title: 'TEE OPERATIONS', status: 'skipped', reason: 'skipped (--skip-tee)' },
  { name: 'onchain', title: 'ON-CHAIN OPERATIONS', status: 'failed', reason: 'exit code 1; failed benchmarks: onchain > user registration' },
];
