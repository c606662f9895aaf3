/**
 * A small pool of worker threads running dcap-qvl verification, so the tracker's event loop keeps
 * serving announces during the ~10 ms of synchronous certificate and signature work.
 * @module
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { AttestationEvidence } from './report-data.ts';
import type { Collateral } from '@phala/dcap-qvl';
import type { SyncAttestationOptions, SyncVerifyOptions, VerificationResult } from './verify.ts';

/** A job for a verification worker. */
export type VerifyJob =
  | { kind: 'quote'; quote: Uint8Array; collateral: Collateral; options: SyncVerifyOptions }
  | { kind: 'attestation'; evidence: AttestationEvidence; collateral: Collateral; options: SyncAttestationOptions };

/** A worker's answer to job `id`. */
export type VerifyJobReply = { id: number; result: VerificationResult } | { id: number; error: string };

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (result: VerificationResult) => void; reject: (error: Error) => void }>;
  /** Resolves once the worker has loaded its modules and can take jobs. */
  ready: Promise<void>;
}

/** Worker threads for {@link VerifyJob}s; idle workers do not keep the process alive. */
export class VerifierPool {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private closed = false;

  /** `size` workers (default: up to 2, one per core). */
  constructor(size = Math.min(2, availableParallelism())) {
    this.size = Math.max(1, size);
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn());
  }

  /** Resolves when every worker has started (for measuring cold starts apart from first jobs). */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.ready));
  }

  /** Runs `job` on the least busy worker. */
  run(job: VerifyJob): Promise<VerificationResult> {
    if (this.closed) return Promise.reject(new Error('VerifierPool is closed'));
    const slot = this.slots.reduce((best, s) => (s.pending.size < best.pending.size ? s : best));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.ref();
      slot.worker.postMessage({ id, job });
    });
  }

  /** Stops the workers; pending jobs reject. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./verify-worker-entry.mjs', import.meta.url));
    let markReady!: () => void;
    const slot: Slot = { worker, pending: new Map(), ready: new Promise((resolve) => (markReady = resolve)) };
    worker.unref();
    worker.on('message', (reply: VerifyJobReply | 'ready') => {
      if (reply === 'ready') return markReady();
      const waiter = slot.pending.get(reply.id);
      if (!waiter) return;
      slot.pending.delete(reply.id);
      if (slot.pending.size === 0) worker.unref();
      if ('error' in reply) waiter.reject(new Error(reply.error));
      else waiter.resolve(reply.result);
    });
    worker.on('error', (error) => this.fail(slot, error));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(slot, new Error(`verification worker exited with code ${code}`));
    });
    return slot;
  }

  private fail(slot: Slot, error: Error): void {
    for (const waiter of slot.pending.values()) waiter.reject(error);
    slot.pending.clear();
    const index = this.slots.indexOf(slot);
    if (index >= 0 && !this.closed) this.slots[index] = this.spawn();
  }
}

let shared: VerifierPool | undefined;

/** The process-wide pool {@link verifyAttestation} uses unless given one; created on first use. */
export function defaultVerifierPool(): VerifierPool {
  shared ??= new VerifierPool();
  return shared;
}
