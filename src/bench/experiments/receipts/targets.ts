/**
 * Targets of the receipts experiment (DESIGN.md), on blst medians: receipt creation <= 0.5 ms,
 * verification <= 1.5 ms, aggregate verification of 100 receipts <= 50 ms.
 * @module
 */
import { type TargetCheck, targetCheck } from '../../targets.ts';
import type { BackendResult } from './results.ts';

// Four decimals: the single-receipt figures are fractions of a millisecond.
const FORMAT = { digits: 4 };

/** The three checks against blst's results (not measured when blst did not run). */
export function checkTargets(blst: BackendResult | undefined): TargetCheck[] {
  return [
    targetCheck('receipt_creation', '<= 0.5 ms', blst?.receipt_creation?.median_ms, 'ms', (v) => v <= 0.5, 'blst median', FORMAT),
    targetCheck('receipt_verification', '<= 1.5 ms', blst?.receipt_verification?.median_ms, 'ms', (v) => v <= 1.5, 'blst median', FORMAT),
    targetCheck(
      'aggregate_verification_100',
      '<= 50 ms',
      blst?.aggregate_verification['100']?.aggregate_median_ms,
      'ms',
      (v) => v <= 50,
      'blst median, 100 receipts from distinct receivers',
      FORMAT,
    ),
  ];
}
