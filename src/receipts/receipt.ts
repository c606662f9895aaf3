/**
 * The PBTS receipt: a downloader's signature saying "I received piece `pieceIndex` of torrent
 * `infohash` from the peer holding `senderPk` during `epoch`". Signed by the receiver.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { type BlsBackend, PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH } from './bls.ts';

/** Domain tag at the start of every receipt message: format version 1. */
export const RECEIPT_TAG = new TextEncoder().encode('PBTS-RC1');
/** Length of an infohash (SHA-1 of the info dictionary, BEP 3). */
export const INFOHASH_LENGTH = 20;
/** Length of a piece hash (SHA-256 of the piece data). */
export const PIECE_HASH_LENGTH = 32;
/** Length of the signed receipt message. */
export const RECEIPT_MESSAGE_LENGTH =
  RECEIPT_TAG.length + INFOHASH_LENGTH + PUBLIC_KEY_LENGTH + PIECE_HASH_LENGTH + 4 + 4 + 8;
/** Smallest piece size a receipt may carry (16 KiB, the BitTorrent block size). */
export const MIN_PIECE_SIZE = 16 * 1024;
/** Largest piece size a receipt may carry (64 MiB). */
export const MAX_PIECE_SIZE = 64 * 1024 * 1024;
/** Default epoch length W in seconds. */
export const DEFAULT_EPOCH_SECONDS = 3600;

/** The signed fields of a receipt. */
export interface ReceiptFields {
  /** Torrent infohash, 20 bytes. */
  infohash: Uint8Array;
  /** Uploader's public key, 48 bytes: the peer credited. */
  senderPk: Uint8Array;
  /** Downloader's public key, 48 bytes: the signer, debited. */
  receiverPk: Uint8Array;
  /** SHA-256 of the piece data, 32 bytes. */
  pieceHash: Uint8Array;
  /** Piece index, u32. */
  pieceIndex: number;
  /** Piece size in bytes, within [{@link MIN_PIECE_SIZE}, {@link MAX_PIECE_SIZE}]. */
  pieceSize: number;
  /** floor(unix seconds / W). */
  epoch: number;
}

/** A receipt: its fields and the receiver's 96-byte signature over {@link receiptMessage}. */
export interface Receipt extends ReceiptFields {
  signature: Uint8Array;
}

/** JSON form of a receipt: bytes as lowercase hex, numbers as JSON numbers. */
export interface ReceiptJson {
  infohash: string;
  sender_pk: string;
  receiver_pk: string;
  piece_hash: string;
  piece_index: number;
  piece_size: number;
  epoch: number;
  signature: string;
}

/** A receipt field that is missing, of the wrong type, or out of range. */
export class ReceiptFormatError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ReceiptFormatError';
  }
}

/** Epoch of a unix time in seconds. */
export function epochOf(unixSeconds: number, epochSeconds = DEFAULT_EPOCH_SECONDS): number {
  return Math.floor(unixSeconds / epochSeconds);
}

/** The current epoch. */
export function currentEpoch(epochSeconds = DEFAULT_EPOCH_SECONDS, nowMs = Date.now()): number {
  return epochOf(nowMs / 1000, epochSeconds);
}

/** Throws {@link ReceiptFormatError} unless the fields have the right lengths and ranges. */
export function checkReceiptFields(fields: ReceiptFields): void {
  checkBytes('infohash', fields.infohash, INFOHASH_LENGTH);
  checkBytes('sender_pk', fields.senderPk, PUBLIC_KEY_LENGTH);
  checkBytes('receiver_pk', fields.receiverPk, PUBLIC_KEY_LENGTH);
  checkBytes('piece_hash', fields.pieceHash, PIECE_HASH_LENGTH);
  checkInteger('piece_index', fields.pieceIndex, 0, 0xffffffff);
  checkInteger('piece_size', fields.pieceSize, MIN_PIECE_SIZE, MAX_PIECE_SIZE);
  checkInteger('epoch', fields.epoch, 0, Number.MAX_SAFE_INTEGER);
}

/**
 * The fixed-length message the receiver signs:
 * tag(8) | infohash(20) | sender pk(48) | piece hash(32) | index u32 BE | size u32 BE | epoch u64 BE.
 * The receiver's key is not in it: the signature binds it.
 */
export function receiptMessage(fields: ReceiptFields): Uint8Array {
  checkReceiptFields(fields);
  const out = new Uint8Array(RECEIPT_MESSAGE_LENGTH);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const part of [RECEIPT_TAG, fields.infohash, fields.senderPk, fields.pieceHash]) {
    out.set(part, at);
    at += part.length;
  }
  view.setUint32(at, fields.pieceIndex);
  view.setUint32(at + 4, fields.pieceSize);
  view.setBigUint64(at + 8, BigInt(fields.epoch));
  return out;
}

/**
 * Receipt id, the double-spend key: SHA-256(infohash | sender pk | receiver pk | piece hash |
 * index u32 BE | epoch u64 BE). Piece size and signature are excluded, so re-signing the same
 * transfer with another size or signature cannot mint a new id.
 */
export function receiptId(fields: ReceiptFields): Uint8Array {
  checkReceiptFields(fields);
  const tail = new Uint8Array(12);
  const view = new DataView(tail.buffer);
  view.setUint32(0, fields.pieceIndex);
  view.setBigUint64(4, BigInt(fields.epoch));
  return sha256
    .create()
    .update(fields.infohash)
    .update(fields.senderPk)
    .update(fields.receiverPk)
    .update(fields.pieceHash)
    .update(tail)
    .digest();
}

/** Signs the fields with the receiver's secret key (whose public key must be `receiverPk`). */
export function signReceipt(
  backend: BlsBackend,
  fields: ReceiptFields,
  receiverSecretKey: Uint8Array,
): Receipt {
  return { ...fields, signature: backend.sign(receiverSecretKey, receiptMessage(fields)) };
}

/** True when the receipt's signature is the receiver's over its fields. */
export function verifyReceipt(backend: BlsBackend, receipt: Receipt): boolean {
  let message: Uint8Array;
  try {
    message = receiptMessage(receipt);
  } catch {
    return false;
  }
  return backend.verify(receipt.receiverPk, message, receipt.signature);
}

/** Aggregate signature of a batch of receipts (one 96-byte signature). */
export function aggregateReceipts(backend: BlsBackend, receipts: readonly Receipt[]): Uint8Array {
  return backend.aggregate(receipts.map((receipt) => receipt.signature));
}

/** True when `signature` is the aggregate of valid receipt signatures over all `receipts`' fields. */
export function verifyAggregate(
  backend: BlsBackend,
  receipts: readonly ReceiptFields[],
  signature: Uint8Array,
): boolean {
  let messages: Uint8Array[];
  try {
    messages = receipts.map(receiptMessage);
  } catch {
    return false;
  }
  return backend.aggregateVerify(
    receipts.map((receipt) => receipt.receiverPk),
    messages,
    signature,
  );
}

/** JSON form of a receipt. */
export function receiptToJson(receipt: Receipt): ReceiptJson {
  return {
    infohash: bytesToHex(receipt.infohash),
    sender_pk: bytesToHex(receipt.senderPk),
    receiver_pk: bytesToHex(receipt.receiverPk),
    piece_hash: bytesToHex(receipt.pieceHash),
    piece_index: receipt.pieceIndex,
    piece_size: receipt.pieceSize,
    epoch: receipt.epoch,
    signature: bytesToHex(receipt.signature),
  };
}

/** Parses the JSON form; throws {@link ReceiptFormatError} naming the first bad field. */
export function receiptFromJson(value: unknown): Receipt {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ReceiptFormatError('receipt', 'must be a JSON object');
  }
  const json = value as Record<string, unknown>;
  const receipt: Receipt = {
    infohash: parseHex(json, 'infohash', INFOHASH_LENGTH),
    senderPk: parseHex(json, 'sender_pk', PUBLIC_KEY_LENGTH),
    receiverPk: parseHex(json, 'receiver_pk', PUBLIC_KEY_LENGTH),
    pieceHash: parseHex(json, 'piece_hash', PIECE_HASH_LENGTH),
    pieceIndex: json.piece_index as number,
    pieceSize: json.piece_size as number,
    epoch: json.epoch as number,
    signature: parseHex(json, 'signature', SIGNATURE_LENGTH),
  };
  checkReceiptFields(receipt);
  return receipt;
}

/** Parses a fixed-length hex string field; throws {@link ReceiptFormatError}. */
export function parseHex(json: Record<string, unknown>, field: string, length: number): Uint8Array {
  const value = json[field];
  if (typeof value !== 'string') throw new ReceiptFormatError(field, 'must be a hex string');
  if (value.length !== length * 2) {
    throw new ReceiptFormatError(field, `must be ${length * 2} hex characters, got ${value.length}`);
  }
  if (!/^[0-9a-fA-F]*$/.test(value)) throw new ReceiptFormatError(field, 'is not hex');
  return Uint8Array.from(Buffer.from(value, 'hex'));
}

function checkBytes(field: string, value: unknown, length: number): void {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw new ReceiptFormatError(field, `must be ${length} bytes`);
  }
}

function checkInteger(field: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ReceiptFormatError(field, 'must be an integer');
  }
  if (value < min || value > max) {
    throw new ReceiptFormatError(field, `must be between ${min} and ${max}, got ${value}`);
  }
}
