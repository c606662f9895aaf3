/**
 * Worker threads running dcap-qvl verification, so the tracker's event loop keeps serving
 * announces during the ~10 ms of synchronous certificate and signature work.
 * @module
 */
import { availableParallelism } from 'node:os';
import type { Collateral } from '@phala/dcap-qvl';
import { WorkerPool } from '../workers/pool.ts';
import type { AttestationEvidence } from './report-data.ts';
import type { SyncAttestationOptions, SyncVerifyOptions, VerificationResult } from './verify.ts';

/** A job for a verification worker. */
export type VerifyJob =
  | { kind: 'quote'; quote: Uint8Array; collateral: Collateral; options: SyncVerifyOptions }
  | { kind: 'attestation'; evidence: AttestationEvidence; collateral: Collateral; options: SyncAttestationOptions };

/** Worker threads for {@link VerifyJob}s; `ready()` resolves once they have loaded. */
export class VerifierPool extends WorkerPool<VerifyJob, VerificationResult> {
  /** `size` workers (default: up to 2, one per core). */
  constructor(size = Math.min(2, availableParallelism())) {
    super({ entry: new URL('./verify-worker-entry.mjs', import.meta.url), size, name: 'verification worker' });
  }
}

let shared: VerifierPool | undefined;

/** The process-wide pool {@link verifyAttestation} uses unless given one; created on first use. */
export function defaultVerifierPool(): VerifierPool {
  shared ??= new VerifierPool();
  return shared;
}
