/**
 * The downloader's side of receipts: each verified piece is hashed (SHA-256, as it is verified)
 * and queued, signed off the download's path (by `ReceiptCrypto`, a few at a time), then sent to
 * the peer that sent the piece. Signed receipts are kept, one per piece, to answer an uploader's `request` for one it
 * missed.
 * @module
 */
import { currentEpoch, type Receipt, type ReceiptFields } from '../../receipts/index.ts';
import { receiptable } from './checks.ts';
import type { ReceiptCrypto } from './crypto.ts';
import type { PieceHashes } from './piece-hashes.ts';

/** Receipts signed at once, then sent (at most the wire's MAX_BATCH per message). */
export const SIGN_PER_TURN = 8;

/** A peer a receipt can go to: its announced key, and a way to send it receipts. */
export interface ReceiptTarget {
  readonly publicKey: Uint8Array;
  readonly keyHex: string;
  /** Sends 1..MAX_BATCH receipts; false when they could not go (the peer left). */
  send(receipts: Receipt[]): boolean;
}

/**
 * Who gets the receipt of a piece assembled from `senders` (bytes per peer, in order of first
 * block): the one that sent the most bytes, the first of them on a tie. A receipt credits the
 * whole piece and one receipt id exists per (sender, receiver, piece), so it cannot be split.
 */
export function receiptTarget<P>(senders: readonly { peer: P; bytes: number }[]): P | undefined {
  let best: { peer: P; bytes: number } | undefined;
  for (const sender of senders) if (best === undefined || sender.bytes > best.bytes) best = sender;
  return best?.peer;
}

/** Options of a {@link Signer}. */
export interface SignerOptions {
  crypto: ReceiptCrypto;
  /** Our public key: the receipts' receiver. */
  publicKey: Uint8Array;
  infohash: Uint8Array;
  /** Hashes each piece, and keeps its hash for the receipts we may get for it as an uploader. */
  hashes: PieceHashes;
  /** Signing failed (the worker died); those pieces get no receipt. */
  onError?: (error: Error) => void;
}

interface Job {
  target: ReceiptTarget;
  /** Its epoch is set when signed. */
  fields: Omit<ReceiptFields, 'epoch'>;
}

/** Signs and sends the receipts of one torrent's downloaded pieces. */
export class Signer {
  /** Receipts signed, and receipts sent (including ones sent again on request). */
  readonly stats = { signed: 0, sent: 0 };
  readonly #options: SignerOptions;
  readonly #queue: Job[] = [];
  /** By the uploader's key, then piece: at most one receipt per piece of the torrent. */
  readonly #signed = new Map<string, Map<number, Receipt>>();
  readonly #idle: (() => void)[] = [];
  #scheduled = false;
  #closed = false;

  constructor(options: SignerOptions) {
    this.#options = options;
  }

  /**
   * Queues the receipt of piece `index` (its verified `data`, and its SHA-256 if known) for
   * `target`; false when none can be signed.
   */
  add(target: ReceiptTarget, index: number, data: Uint8Array, sha256?: Uint8Array): boolean {
    if (this.#closed || !receiptable(data.length) || this.#signed.get(target.keyHex)?.has(index)) return false;
    const { infohash, publicKey, hashes } = this.#options;
    // Hashed now (unless the engine did), so the queue keeps 32 bytes per piece rather than the piece.
    const pieceHash = sha256 ? hashes.set(index, sha256) : hashes.hash(index, data);
    this.#queue.push({ target, fields: { infohash, senderPk: target.publicKey, receiverPk: publicKey, pieceHash, pieceIndex: index, pieceSize: data.length } });
    this.#schedule();
    return true;
  }

  /** Sends again the receipt of piece `index` to `target` (it asked); false when we signed none for it. */
  resend(target: ReceiptTarget, index: number): boolean {
    const receipt = this.#signed.get(target.keyHex)?.get(index);
    if (receipt === undefined || !target.send([receipt])) return false;
    this.stats.sent++;
    return true;
  }

  /** Resolves once every queued receipt is signed and handed to its peer. */
  idle(): Promise<void> {
    if (this.#queue.length === 0 && !this.#scheduled) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Drops what is queued; nothing more is signed. */
  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => void this.#turn());
  }

  async #turn(): Promise<void> {
    const jobs = this.#queue.splice(0, SIGN_PER_TURN).filter(({ target, fields }) => !this.#signed.get(target.keyHex)?.has(fields.pieceIndex));
    let receipts: Receipt[];
    try {
      const epoch = currentEpoch();
      receipts = await this.#options.crypto.sign(jobs.map(({ fields }) => ({ ...fields, epoch })));
    } catch (error) {
      // The worker died (it is restarted for the next job): these pieces go without receipts.
      if (!this.#closed) this.#options.onError?.(error as Error);
      receipts = [];
    }
    this.#scheduled = false;
    if (this.#closed) return;
    const byTarget = new Map<ReceiptTarget, Receipt[]>();
    receipts.forEach((receipt, at) => {
      const { target } = jobs[at]!;
      let signed = this.#signed.get(target.keyHex);
      if (!signed) this.#signed.set(target.keyHex, (signed = new Map()));
      signed.set(receipt.pieceIndex, receipt);
      this.stats.signed++;
      const list = byTarget.get(target) ?? [];
      list.push(receipt);
      byTarget.set(target, list);
    });
    // One message per peer and round: SIGN_PER_TURN is below MAX_BATCH.
    for (const [target, receipts] of byTarget) if (target.send(receipts)) this.stats.sent += receipts.length;
    if (this.#queue.length > 0) this.#schedule();
    else for (const resolve of this.#idle.splice(0)) resolve();
  }
}
