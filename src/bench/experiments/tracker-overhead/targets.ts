/**
 * Targets of the tracker-overhead experiment (DESIGN.md): a peer verifies an attestation within
 * 15 ms warm, and a report's request does not wait for the chain (chain and TEE on within 1.5x of
 * both off, same run).
 * @module
 */
import { type TargetCheck, targetCheck } from '../../targets.ts';
import type { TrackerOverheadResults } from './results.ts';

/** The two checks. */
export function checkTargets({ components, combined }: TrackerOverheadResults): TargetCheck[] {
  const verification = components.find((c) => c.key === 'attestation_verification');
  return [
    targetCheck(
      'attestation_verification',
      '<= 15 ms warm',
      verification?.median_ms,
      'ms',
      (v) => v <= 15,
      "median, a peer's verification of the tracker's answer, collateral cached",
    ),
    targetCheck(
      'report_vs_chain_off',
      '<= 1.5x',
      combined?.ratio,
      'x',
      (v) => v <= 1.5,
      'median 10-receipt report, chain and TEE on / both off: the request must not wait for the chain',
    ),
  ];
}
