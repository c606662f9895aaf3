/**
 * The uploader's check of a receipt a downloader sent back over the wire, cheapest first, so a
 * hostile peer's junk costs comparisons and only a receipt that could be worth reporting costs
 * a piece hash and a signature verification. The answer is a `reject` reason or nothing.
 * @module
 */
import { MAX_PIECE_SIZE, MIN_PIECE_SIZE, type Receipt } from '../../receipts/index.ts';
import type { RejectReason } from '../../wire/index.ts';

/** The tracker's default acceptance window in epochs (`--window`): older receipts are refused. */
export const WINDOW_EPOCHS = 24;

/** What a receipt arriving on one connection is checked against. */
export interface ReceiptCheckContext {
  /** Whether the receipt's signature is its receiver's (the costly check, asked last). */
  verify(receipt: Receipt): Promise<boolean>;
  /** The connection's torrent. */
  infohash: Uint8Array;
  /** Our public key: a receipt must credit us. */
  senderPk: Uint8Array;
  /** The key the peer announced in its extended handshake: the only signer accepted on its wire. */
  receiverPk: Uint8Array;
  /** Whether we sent the peer piece `index` (or part of it) and have no receipt for it yet. */
  sent(index: number): boolean;
  /** Size of piece `index`. */
  pieceSize(index: number): number;
  /** SHA-256 of piece `index`'s data; asked only for receipts that passed every cheaper check. */
  pieceHash(index: number): Promise<Uint8Array>;
  /** The current epoch; receipts from [epoch - windowEpochs, epoch] are accepted. */
  epoch: number;
  windowEpochs: number;
}

/** Whether a piece of `size` bytes can carry a receipt (the tracker bounds the signed size). */
export function receiptable(size: number): boolean {
  return size >= MIN_PIECE_SIZE && size <= MAX_PIECE_SIZE;
}

/** Why `receipt` is refused, or undefined when it is worth keeping and reporting. */
export async function checkReceipt(receipt: Receipt, context: ReceiptCheckContext): Promise<RejectReason | undefined> {
  if (!equal(receipt.senderPk, context.senderPk)) return 'wrong_sender';
  if (!equal(receipt.infohash, context.infohash)) return 'wrong_torrent';
  if (!equal(receipt.receiverPk, context.receiverPk)) return 'wrong_receiver';
  if (receipt.epoch > context.epoch || receipt.epoch < context.epoch - context.windowEpochs) return 'stale_epoch';
  const index = receipt.pieceIndex;
  if (!context.sent(index) || receipt.pieceSize !== context.pieceSize(index)) return 'wrong_piece';
  if (!equal(receipt.pieceHash, await context.pieceHash(index))) return 'wrong_piece';
  return (await context.verify(receipt)) ? undefined : 'bad_signature';
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}
