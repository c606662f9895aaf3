/**
 * A PBTS peer's signature work: signing receipts (downloader) and verifying them (uploader).
 * With blst it runs on a worker thread (`crypto-worker.mjs`), so the pairings do not hold up
 * the wire's event loop; other backends run it inline. Only receipt messages cross to the
 * worker: the piece hashes they sign come from the engine (`../piece-hasher.ts`).
 * @module
 */
import {
  type BlsBackend,
  type KeyPair,
  type Receipt,
  type ReceiptFields,
  receiptMessage,
  signReceipt,
  verifyReceipt,
} from '../../receipts/index.ts';
import { WorkerPool } from '../../workers/pool.ts';

type Job =
  | { op: 'sign'; messages: Uint8Array[] }
  | { op: 'aggregate'; signatures: Uint8Array[] }
  | { op: 'verify'; messages: Uint8Array[]; publicKeys: Uint8Array[]; signatures: Uint8Array[] };

/** Most receipts verified in one job. */
const MAX_VERIFY_BATCH = 64;
/**
 * Receipts wait this long for others to verify with (unless a batch fills first). A batch of one
 * cost 1.3-1.9 ms per receipt here, of 16 about 0.6; the uploader does not wait on the answer to
 * serve (see `Account.vouch`), only to store and report the receipt.
 */
const VERIFY_WAIT_MS = 50;
/** A batch this full starts at once. */
const VERIFY_BATCH = 16;

interface PendingCheck {
  message: Uint8Array;
  receipt: Receipt;
  resolve(valid: boolean): void;
  reject(error: Error): void;
}

/** Signs and verifies receipts, and aggregates their signatures for a report. */
export interface ReceiptCrypto {
  /** The receipts of `fields` (each with its piece's hash), signed with our secret key, in order. */
  sign(fields: readonly ReceiptFields[]): Promise<Receipt[]>;
  /** Whether the receipt's signature is its receiver's over its fields. */
  verify(receipt: Receipt): Promise<boolean>;
  /** The aggregate of `signatures` (1 or more, each a valid point), as a report carries it. */
  aggregate(signatures: readonly Uint8Array[]): Promise<Uint8Array>;
  /** Stops the worker (jobs in flight finish first). */
  close(): Promise<void>;
}

/** The signature work for `keys` with `backend`: on a worker thread for blst, inline otherwise. */
export function receiptCrypto(backend: BlsBackend, keys: KeyPair): ReceiptCrypto {
  return backend.name === 'blst' ? new WorkerCrypto(keys) : new InlineCrypto(backend, keys);
}

class InlineCrypto implements ReceiptCrypto {
  constructor(
    private readonly backend: BlsBackend,
    private readonly keys: KeyPair,
  ) {}

  async sign(fields: readonly ReceiptFields[]): Promise<Receipt[]> {
    return fields.map((f) => signReceipt(this.backend, f, this.keys.secretKey));
  }

  async verify(receipt: Receipt): Promise<boolean> {
    return verifyReceipt(this.backend, receipt);
  }

  async aggregate(signatures: readonly Uint8Array[]): Promise<Uint8Array> {
    return this.backend.aggregate(signatures);
  }

  async close(): Promise<void> {}
}

/**
 * Verifications are batched: those asked while the worker is busy go in its next job together,
 * one batch check for all (see the worker).
 */
class WorkerCrypto implements ReceiptCrypto {
  readonly #pool: WorkerPool<Job, unknown>;
  readonly #checks: PendingCheck[] = [];
  #verifying = false;
  #waiting: NodeJS.Timeout | undefined;

  constructor(keys: KeyPair) {
    // The secret key goes to our own thread, never out of the process. The worker is plain
    // JavaScript: no loader inherited (with tsx it took 140 ms to be ready here, without 60).
    this.#pool = new WorkerPool({
      entry: new URL('./crypto-worker.mjs', import.meta.url),
      size: 1,
      name: 'receipt worker',
      workerData: { secretKey: keys.secretKey },
      execArgv: [],
    });
  }

  async sign(fields: readonly ReceiptFields[]): Promise<Receipt[]> {
    // Built (and their fields checked) here; the worker only signs.
    const messages = fields.map((f) => receiptMessage(f));
    const signatures = (await this.#pool.run({ op: 'sign', messages })) as Uint8Array[];
    return fields.map((f, at) => ({ ...f, signature: signatures[at]! }));
  }

  async verify(receipt: Receipt): Promise<boolean> {
    let message: Uint8Array;
    try {
      message = receiptMessage(receipt);
    } catch {
      return false;
    }
    return new Promise((resolve, reject) => {
      this.#checks.push({ message, receipt, resolve, reject });
      if (this.#verifying) return;
      if (this.#checks.length >= VERIFY_BATCH) this.#startBatch();
      else this.#waiting ??= setTimeout(() => this.#startBatch(), VERIFY_WAIT_MS);
    });
  }

  #startBatch(): void {
    clearTimeout(this.#waiting);
    this.#waiting = undefined;
    this.#verifying = true;
    void this.#verifyBatch();
  }

  async #verifyBatch(): Promise<void> {
    const batch = this.#checks.splice(0, MAX_VERIFY_BATCH);
    try {
      const valid = (await this.#pool.run({
        op: 'verify',
        messages: batch.map((check) => check.message),
        publicKeys: batch.map((check) => check.receipt.receiverPk),
        signatures: batch.map((check) => check.receipt.signature),
      })) as boolean[];
      batch.forEach((check, at) => check.resolve(valid[at] === true));
    } catch (error) {
      for (const check of batch) check.reject(error as Error);
    }
    if (this.#checks.length > 0) void this.#verifyBatch();
    else this.#verifying = false;
  }

  async aggregate(signatures: readonly Uint8Array[]): Promise<Uint8Array> {
    if (signatures.length === 0) throw new RangeError('cannot aggregate an empty list');
    return (await this.#pool.run({ op: 'aggregate', signatures: [...signatures] })) as Uint8Array;
  }

  close(): Promise<void> {
    // Receipts still waiting for a batch are verified before the workers stop.
    if (this.#waiting) this.#startBatch();
    return this.#pool.close();
  }
}
