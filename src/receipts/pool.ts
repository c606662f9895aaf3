import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BackendName } from './bls.ts';
import { getBackend } from './backend.ts';
import { type Receipt, type ReceiptFields, receiptMessage } from './receipt.ts';

/** A verification job sent to a worker. */
export interface VerifyTask {
  id: number;
  backend: BackendName;
  kind: 'aggregate' | 'each' | 'pop';
  publicKeys: Uint8Array[];
  messages: Uint8Array[];
  /** One aggregate signature, or one signature per message. */
  signatures: Uint8Array[];
}

/** A worker's answer. */
export type VerifyReply =
  | { id: number; result: boolean | boolean[]; error?: undefined }
  | { id: number; error: string };

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (value: boolean | boolean[]) => void; reject: (error: Error) => void }>;
}

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
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private closed = false;

  constructor(options: VerifyPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? availableParallelism());
    this.backend = getBackend(options.backend).name;
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn());
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

  /** Stops the workers; pending calls reject. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
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

  private run(task: Omit<VerifyTask, 'id' | 'backend'>): Promise<boolean | boolean[]> {
    if (this.closed) return Promise.reject(new Error('VerifyPool is closed'));
    const slot = this.slots.reduce((best, s) => (s.pending.size < best.pending.size ? s : best));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.ref();
      slot.worker.postMessage({ ...task, id, backend: this.backend } satisfies VerifyTask);
    });
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./verify-worker-entry.mjs', import.meta.url));
    const slot: Slot = { worker, pending: new Map() };
    // An idle pool must not keep the process alive; a busy one must.
    worker.unref();
    worker.on('message', (reply: VerifyReply) => {
      const waiter = slot.pending.get(reply.id);
      if (!waiter) return;
      slot.pending.delete(reply.id);
      if (slot.pending.size === 0) worker.unref();
      if (reply.error !== undefined) waiter.reject(new Error(reply.error));
      else waiter.resolve(reply.result);
    });
    worker.on('error', (error) => this.fail(slot, error));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(slot, new Error(`verify worker exited with code ${code}`));
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
