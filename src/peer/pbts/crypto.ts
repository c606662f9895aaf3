/**
 * A PBTS peer's receipt work: the SHA-256 of a piece, signing its receipt (downloader) and
 * verifying one (uploader). With blst it runs on a worker thread (`crypto-worker.mjs`), so
 * neither the piece hashing nor the pairing holds up the wire's event loop: at 100 MB/s with
 * 1 MiB pieces that is about a fifth of a core taken off the transfer's thread. Other backends
 * run it inline.
 * @module
 */
import { createHash } from 'node:crypto';
import {
  type BlsBackend,
  type KeyPair,
  PIECE_HASH_LENGTH,
  RECEIPT_TAG,
  INFOHASH_LENGTH,
  PUBLIC_KEY_LENGTH,
  type Receipt,
  type ReceiptFields,
  receiptMessage,
  signReceipt,
  verifyReceipt,
} from '../../receipts/index.ts';
import { WorkerPool } from '../../workers/pool.ts';

/** Where the piece hash sits in a receipt message (after the tag, the infohash and the sender's key). */
const HASH_OFFSET = RECEIPT_TAG.length + INFOHASH_LENGTH + PUBLIC_KEY_LENGTH;

type Job =
  | { op: 'hash'; data: Uint8Array }
  | { op: 'sign'; data: Uint8Array; message: Uint8Array; hashOffset: number }
  | { op: 'verify'; messages: Uint8Array[]; publicKeys: Uint8Array[]; signatures: Uint8Array[] };

/** Most receipts verified in one job. */
const MAX_VERIFY_BATCH = 64;

interface PendingCheck {
  message: Uint8Array;
  receipt: Receipt;
  resolve(valid: boolean): void;
  reject(error: Error): void;
}

/** Hashes pieces, signs and verifies receipts. */
export interface ReceiptCrypto {
  /** SHA-256 of a piece's data. */
  hash(data: Uint8Array): Promise<Uint8Array>;
  /** The receipt of a piece (its data hashed into the fields), signed with our secret key. */
  sign(fields: Omit<ReceiptFields, 'pieceHash'>, data: Uint8Array): Promise<Receipt>;
  /** Whether the receipt's signature is its receiver's over its fields. */
  verify(receipt: Receipt): Promise<boolean>;
  /** Stops the worker (jobs in flight finish first). */
  close(): Promise<void>;
}

/** The receipt work for `keys` with `backend`: on a worker thread for blst, inline otherwise. */
export function receiptCrypto(backend: BlsBackend, keys: KeyPair): ReceiptCrypto {
  return backend.name === 'blst' ? new WorkerCrypto(keys) : new InlineCrypto(backend, keys);
}

const sha256 = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest());

class InlineCrypto implements ReceiptCrypto {
  constructor(
    private readonly backend: BlsBackend,
    private readonly keys: KeyPair,
  ) {}

  async hash(data: Uint8Array): Promise<Uint8Array> {
    return sha256(data);
  }

  async sign(fields: Omit<ReceiptFields, 'pieceHash'>, data: Uint8Array): Promise<Receipt> {
    return signReceipt(this.backend, { ...fields, pieceHash: sha256(data) }, this.keys.secretKey);
  }

  async verify(receipt: Receipt): Promise<boolean> {
    return verifyReceipt(this.backend, receipt);
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

  constructor(keys: KeyPair) {
    // The secret key goes to our own thread, never out of the process.
    this.#pool = new WorkerPool({ entry: new URL('./crypto-worker.mjs', import.meta.url), size: 1, name: 'receipt worker', workerData: { secretKey: keys.secretKey } });
  }

  async hash(data: Uint8Array): Promise<Uint8Array> {
    const copy = new Uint8Array(data);
    return (await this.#pool.run({ op: 'hash', data: copy }, [copy.buffer])) as Uint8Array;
  }

  async sign(fields: Omit<ReceiptFields, 'pieceHash'>, data: Uint8Array): Promise<Receipt> {
    // Built (and its fields checked) here; the worker writes the hash in and signs.
    const message = receiptMessage({ ...fields, pieceHash: new Uint8Array(PIECE_HASH_LENGTH) });
    // One copy we hand over, rather than the two of a structured clone: the caller keeps its piece.
    const copy = new Uint8Array(data);
    const job: Job = { op: 'sign', data: copy, message, hashOffset: HASH_OFFSET };
    const { pieceHash, signature } = (await this.#pool.run(job, [copy.buffer])) as { pieceHash: Uint8Array; signature: Uint8Array };
    return { ...fields, pieceHash, signature };
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
      if (!this.#verifying) setImmediate(() => void this.#verifyBatch());
      this.#verifying = true;
    });
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

  close(): Promise<void> {
    return this.#pool.close();
  }
}
