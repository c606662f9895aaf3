import { availableParallelism } from 'node:os';
import { WorkerPool } from '../workers/pool.ts';
import type { BackendName } from './bls.ts';
import { getBackend } from './backend.ts';
import { type Receipt, type ReceiptFields, receiptMessage } from './receipt.ts';
import type { ReportCheck, ReportWindow } from './report-check.ts';

/** A verification job sent to a worker. */
export interface VerifyTask {
  backend: BackendName;
  kind: 'aggregate' | 'each' | 'pop';
  publicKeys: Uint8Array[];
  messages: Uint8Array[];
  /** One aggregate signature, or one signature per message. */
  signatures: Uint8Array[];
}

/** A report body to check on a worker (`report-check.ts`). */
export interface ReportCheckTask {
  kind: 'report';
  body: Uint8Array;
  window: ReportWindow;
}

/** A job of the verify workers and its answer. */
export type VerifyJob = VerifyTask | ReportCheckTask;
export type VerifyResult = boolean | boolean[] | ReportCheck;

/** Options of a {@link VerifyPool}. */
export interface VerifyPoolOptions {
  /** Worker threads; default: the machine's available parallelism. */
  size?: number;
  /** BLS backend; default as {@link getBackend}. */
  backend?: BackendName;
}

/**
 * BLS verification on worker threads: the calling thread stays free while receipts are
 * verified. Each call is all-or-nothing; invalid input resolves to `false`, never rejects.
 */
export class VerifyPool {
  readonly size: number;
  readonly backend: BackendName;
  private readonly workers: WorkerPool<VerifyJob, VerifyResult>;

  constructor(options: VerifyPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? availableParallelism());
    this.backend = getBackend(options.backend).name;
    this.workers = new WorkerPool({ entry: new URL('./verify-worker-entry.mjs', import.meta.url), size: this.size, name: 'verify worker' });
  }

  /** True when `signature` is the valid aggregate of the receivers' signatures over `receipts`. */
  async verifyAggregate(receipts: readonly ReceiptFields[], signature: Uint8Array): Promise<boolean> {
    let messages: Uint8Array[];
    try {
      messages = receipts.map(receiptMessage);
    } catch {
      return false;
    }
    const result = await this.run({
      kind: 'aggregate',
      publicKeys: receipts.map((receipt) => receipt.receiverPk),
      messages,
      signatures: [signature],
    });
    return result as boolean;
  }

  /** True when `proof` proves possession of `publicKey`'s secret key (pure JS, ~30 ms: kept off the caller's thread). */
  async verifyPop(publicKey: Uint8Array, proof: Uint8Array): Promise<boolean> {
    const result = await this.run({ kind: 'pop', publicKeys: [publicKey], messages: [], signatures: [proof] });
    return result as boolean;
  }

  /** True when `signature` is `publicKey`'s signature over `message` (a registration's, say). */
  async verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const [valid] = (await this.run({ kind: 'each', publicKeys: [publicKey], messages: [message], signatures: [signature] })) as boolean[];
    return valid!;
  }

  /** Verifies each receipt on its own, spread over the workers; one boolean per receipt. */
  async verifyEach(receipts: readonly Receipt[]): Promise<boolean[]> {
    const chunk = Math.ceil(receipts.length / this.size) || 1;
    const parts: Promise<boolean[]>[] = [];
    for (let start = 0; start < receipts.length; start += chunk) {
      const part = receipts.slice(start, start + chunk);
      parts.push(this.verifyChunk(part));
    }
    return (await Promise.all(parts)).flat();
  }

  /**
   * The checks of a report body that need neither the store nor a signature, and its receipt
   * ids (`report-check.ts`), on a worker: for 1,024 receipts they take about 15 ms. A body that
   * is a whole ArrayBuffer moves to the worker (it is detached here) instead of being copied:
   * kept here while it waits for a worker, it would outlive young-generation collections and be
   * freed only by full GC pauses of this thread.
   */
  async checkReport(body: Uint8Array, window: ReportWindow): Promise<ReportCheck> {
    const whole = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer;
    return (await this.workers.run({ kind: 'report', body, window }, whole ? [body.buffer] : [])) as ReportCheck;
  }

  /** Lets verifications in flight finish, then stops the workers; later calls reject. */
  close(): Promise<void> {
    return this.workers.close();
  }

  private async verifyChunk(receipts: readonly Receipt[]): Promise<boolean[]> {
    const encoded = receipts.map((receipt) => {
      try {
        return receiptMessage(receipt);
      } catch {
        return undefined;
      }
    });
    const valid = receipts.filter((_, i) => encoded[i] !== undefined);
    const results = (await this.run({
      kind: 'each',
      publicKeys: valid.map((receipt) => receipt.receiverPk),
      messages: encoded.filter((message) => message !== undefined),
      signatures: valid.map((receipt) => receipt.signature),
    })) as boolean[];
    let next = 0;
    return encoded.map((message) => (message === undefined ? false : results[next++]!));
  }

  private async run(task: Omit<VerifyTask, 'backend'>): Promise<boolean | boolean[]> {
    return (await this.workers.run({ ...task, backend: this.backend })) as boolean | boolean[];
  }
}
