/**
 * Messages of the `pbts_receipt` BEP 10 extension: bencoded dicts with an integer `msg_type`,
 * every field of an exact length or range and every message of a bounded size. Pure functions;
 * `decodeMessage` and `parseHandshake` take peer input and return a typed error, never throw.
 * @module
 */
import { BencodeError, decode, encode } from '../bencode/index.ts';
import {
  INFOHASH_LENGTH,
  PIECE_HASH_LENGTH,
  PUBLIC_KEY_LENGTH,
  RECEIPT_MESSAGE_LENGTH,
  RECEIPT_TAG,
  type Receipt,
  ReceiptFormatError,
  SIGNATURE_LENGTH,
  checkReceiptFields,
  receiptMessage,
} from '../receipts/index.ts';

/** Name of the extension in the BEP 10 `m` dict. */
export const EXTENSION_NAME = 'pbts_receipt';
/** Protocol version we speak, sent as {@link HANDSHAKE_VERSION_KEY}. */
export const PROTOCOL_VERSION = 1;
/** Extended-handshake key carrying the peer's 48-byte BLS public key: who signs its receipts. */
export const HANDSHAKE_PK_KEY = 'pbts_pk';
/** Extended-handshake key carrying the peer's protocol version (integer >= 1). */
export const HANDSHAKE_VERSION_KEY = 'pbts_v';
/** Most receipts one `batch` carries. */
export const MAX_BATCH = 64;
/** Largest protocol version a peer may announce (a sanity bound, not a plan). */
export const MAX_PROTOCOL_VERSION = 0xffff;

/** Why an uploader refuses a receipt, as sent in a `reject` (wire code in parentheses). */
export const REJECT_REASONS = {
  /** (1) the signature does not verify under the receiver's key */
  bad_signature: 1,
  /** (2) the sender key is not the uploader's */
  wrong_sender: 2,
  /** (3) the receiver key is not the one the peer announced in its handshake */
  wrong_receiver: 3,
  /** (4) the infohash is not this connection's torrent */
  wrong_torrent: 4,
  /** (5) piece hash, size or index is not that of a piece the uploader sent */
  wrong_piece: 5,
  /** (6) the epoch is outside the tracker's acceptance window */
  stale_epoch: 6,
} as const;

/** A reason name of {@link REJECT_REASONS}. */
export type RejectReason = keyof typeof REJECT_REASONS;

/** One message of the extension. */
export type WireMessage =
  | { type: 'receipt'; receipt: Receipt }
  | { type: 'batch'; receipts: Receipt[] }
  | { type: 'request'; index: number }
  | { type: 'reject'; index: number; reason: RejectReason };

/** Wire codes of the message types. */
export const MSG_TYPES = { receipt: 0, batch: 1, request: 2, reject: 3 } as const satisfies Record<
  WireMessage['type'],
  number
>;

/** What was wrong with a peer's payload. */
export type WireErrorCode = 'oversized' | 'malformed' | 'unknown_type';

/** A refused payload: a code and a human-readable reason. */
export interface WireError {
  code: WireErrorCode;
  reason: string;
}

/** Result of {@link decodeMessage}. */
export type DecodeResult = { ok: true; message: WireMessage } | { ok: false; error: WireError };

/** The extension's keys in a peer's extended handshake, validated. */
export interface PeerHandshake {
  /** The id the peer wants our messages sent on (1..255). */
  id: number;
  /** The peer's BLS public key (48 bytes, length-checked only). */
  publicKey: Uint8Array;
  /** The peer's protocol version. */
  version: number;
}

/** Result of {@link parseHandshake}. */
export type HandshakeResult = { ok: true; handshake: PeerHandshake } | { ok: false; reason: string };

const U32_MAX = 0xffffffff;
const ZERO_RECEIPT = {
  m: new Uint8Array(RECEIPT_MESSAGE_LENGTH),
  r: new Uint8Array(PUBLIC_KEY_LENGTH),
  s: new Uint8Array(SIGNATURE_LENGTH),
};

/** Size of one `{m, r, s}` receipt dict inside a batch. */
export const RECEIPT_ENTRY_BYTES = encode(ZERO_RECEIPT).length;
/** Size of a `receipt` message (every receipt message has this size). */
export const RECEIPT_MESSAGE_BYTES = encode({ msg_type: MSG_TYPES.receipt, ...ZERO_RECEIPT }).length;
/** Size of a `batch` of `count` receipts. */
export const batchBytes = (count: number): number =>
  encode({ msg_type: MSG_TYPES.batch, receipts: [] }).length + count * RECEIPT_ENTRY_BYTES;
/** Largest `request` (index 2^32 - 1). */
export const MAX_REQUEST_BYTES = encode({ msg_type: MSG_TYPES.request, index: U32_MAX }).length;
/** Largest `reject` (index 2^32 - 1). */
export const MAX_REJECT_BYTES = encode({
  msg_type: MSG_TYPES.reject,
  index: U32_MAX,
  reason: Math.max(...Object.values(REJECT_REASONS)),
}).length;
/** Largest payload of any message: a full batch. Longer payloads are refused before decoding. */
export const MAX_MESSAGE_BYTES = Math.max(
  RECEIPT_MESSAGE_BYTES,
  batchBytes(MAX_BATCH),
  MAX_REQUEST_BYTES,
  MAX_REJECT_BYTES,
);

// Our messages nest dict > list > dict and hold at most 3 + 4 * MAX_BATCH values: anything
// deeper or larger is refused by the bencode decoder itself, before it allocates.
const DECODE_LIMITS = { maxDepth: 3, maxItems: 3 + 4 * MAX_BATCH };

/**
 * The bencoded payload of `message`. Throws `RangeError` for a batch outside 1..{@link MAX_BATCH}
 * receipts or an index outside u32, and `ReceiptFormatError` for a receipt with a bad field:
 * those are the caller's bugs, not peer input.
 */
export function encodeMessage(message: WireMessage): Uint8Array {
  switch (message.type) {
    case 'receipt':
      return encode({ msg_type: MSG_TYPES.receipt, ...receiptEntry(message.receipt) });
    case 'batch': {
      const count = message.receipts.length;
      if (count < 1 || count > MAX_BATCH) {
        throw new RangeError(`a batch carries 1 to ${MAX_BATCH} receipts, got ${count}`);
      }
      return encode({ msg_type: MSG_TYPES.batch, receipts: message.receipts.map(receiptEntry) });
    }
    case 'request':
      return encode({ msg_type: MSG_TYPES.request, index: checkIndex(message.index) });
    case 'reject': {
      const reason = REJECT_REASONS[message.reason];
      if (reason === undefined) throw new RangeError(`unknown reject reason "${message.reason}"`);
      return encode({ msg_type: MSG_TYPES.reject, index: checkIndex(message.index), reason });
    }
  }
}

/** Decodes a peer's payload into a message or says why not. Never throws. */
export function decodeMessage(payload: Uint8Array): DecodeResult {
  if (payload.length > MAX_MESSAGE_BYTES) {
    return refuse('oversized', `payload of ${payload.length} bytes, at most ${MAX_MESSAGE_BYTES}`);
  }
  let value;
  try {
    value = decode(payload, DECODE_LIMITS);
  } catch (error) {
    if (error instanceof BencodeError) return refuse('malformed', error.message);
    throw error;
  }
  try {
    const dict = asDict(value, 'message');
    const msgType = dict.msg_type;
    if (typeof msgType !== 'number') throw new Malformed('msg_type must be an integer');
    switch (msgType) {
      case MSG_TYPES.receipt:
        onlyKeys(dict, 'message', ['msg_type', 'm', 'r', 's']);
        return { ok: true, message: { type: 'receipt', receipt: receiptFromEntry(dict, 'receipt') } };
      case MSG_TYPES.batch: {
        onlyKeys(dict, 'message', ['msg_type', 'receipts']);
        const list = dict.receipts;
        if (!Array.isArray(list)) throw new Malformed('receipts must be a list');
        if (list.length < 1 || list.length > MAX_BATCH) {
          throw new Malformed(`receipts must hold 1 to ${MAX_BATCH} receipts, got ${list.length}`);
        }
        const receipts = list.map((entry, i) => {
          const where = `receipts[${i}]`;
          const receipt = asDict(entry, where);
          onlyKeys(receipt, where, ['m', 'r', 's']);
          return receiptFromEntry(receipt, where);
        });
        return { ok: true, message: { type: 'batch', receipts } };
      }
      case MSG_TYPES.request:
        onlyKeys(dict, 'message', ['msg_type', 'index']);
        return { ok: true, message: { type: 'request', index: u32(dict.index, 'index') } };
      case MSG_TYPES.reject: {
        onlyKeys(dict, 'message', ['msg_type', 'index', 'reason']);
        const index = u32(dict.index, 'index');
        const code = dict.reason;
        const reason = (Object.keys(REJECT_REASONS) as RejectReason[]).find((name) => REJECT_REASONS[name] === code);
        if (reason === undefined) throw new Malformed('reason is not a known reject reason code');
        return { ok: true, message: { type: 'reject', index, reason } };
      }
      default:
        return refuse('unknown_type', `msg_type ${msgType}`);
    }
  } catch (error) {
    if (error instanceof Malformed) return refuse('malformed', error.message);
    if (error instanceof ReceiptFormatError) return refuse('malformed', error.message);
    throw error;
  }
}

/** Our extended-handshake keys (besides `m`, which the wire fills in). */
export function handshakeKeys(publicKey: Uint8Array): Record<string, Uint8Array | number> {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_LENGTH) {
    throw new RangeError(`the PBTS public key must be ${PUBLIC_KEY_LENGTH} bytes`);
  }
  return { [HANDSHAKE_PK_KEY]: publicKey, [HANDSHAKE_VERSION_KEY]: PROTOCOL_VERSION };
}

/**
 * The extension's keys in a peer's extended handshake (as decoded by the wire: byte strings as
 * Uint8Array), validated; `name` is the extension's entry in `m`. Never throws.
 */
export function parseHandshake(handshake: unknown, name: string = EXTENSION_NAME): HandshakeResult {
  if (!isRecord(handshake)) return { ok: false, reason: 'handshake is not a dict' };
  const m = handshake.m;
  if (!isRecord(m)) return { ok: false, reason: 'm is not a dict' };
  const id = m[name];
  if (!Number.isInteger(id) || (id as number) < 1 || (id as number) > 255) {
    return { ok: false, reason: `m.${name} must be an integer in 1..255` };
  }
  const publicKey = handshake[HANDSHAKE_PK_KEY];
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_LENGTH) {
    return { ok: false, reason: `${HANDSHAKE_PK_KEY} must be ${PUBLIC_KEY_LENGTH} bytes` };
  }
  const version = handshake[HANDSHAKE_VERSION_KEY];
  if (!Number.isInteger(version) || (version as number) < 1 || (version as number) > MAX_PROTOCOL_VERSION) {
    return { ok: false, reason: `${HANDSHAKE_VERSION_KEY} must be an integer in 1..${MAX_PROTOCOL_VERSION}` };
  }
  return { ok: true, handshake: { id: id as number, publicKey: Uint8Array.from(publicKey), version: version as number } };
}

/** Peer input that decodes as bencode but is not one of our messages. */
class Malformed extends Error {}

type Dict = { [key: string]: unknown };

function refuse(code: WireErrorCode, reason: string): DecodeResult {
  return { ok: false, error: { code, reason } };
}

function isRecord(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function asDict(value: unknown, where: string): Dict {
  if (!isRecord(value)) throw new Malformed(`${where} must be a dict`);
  return value;
}

function onlyKeys(dict: Dict, where: string, keys: readonly string[]): void {
  for (const key in dict) {
    if (!keys.includes(key)) throw new Malformed(`${where} has an unexpected key "${key}"`);
  }
  for (const key of keys) {
    if (!Object.hasOwn(dict, key)) throw new Malformed(`${where} lacks "${key}"`);
  }
}

function bytes(value: unknown, where: string, length: number): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw new Malformed(`${where} must be a ${length}-byte string`);
  }
  return value;
}

function u32(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > U32_MAX) throw new Malformed(`${where} must be a u32`);
  return value;
}

function checkIndex(index: number): number {
  if (!Number.isInteger(index) || index < 0 || index > U32_MAX) {
    throw new RangeError(`a piece index is a u32, got ${index}`);
  }
  return index;
}

function receiptEntry(receipt: Receipt): { m: Uint8Array; r: Uint8Array; s: Uint8Array } {
  const m = receiptMessage(receipt);
  if (!(receipt.signature instanceof Uint8Array) || receipt.signature.length !== SIGNATURE_LENGTH) {
    throw new ReceiptFormatError('signature', `must be ${SIGNATURE_LENGTH} bytes`);
  }
  return { m, r: receipt.receiverPk, s: receipt.signature };
}

/** The receipt in an `{m, r, s}` dict: `m` parsed back into the fields it was built from. */
function receiptFromEntry(entry: Dict, where: string): Receipt {
  const m = bytes(entry.m, `${where}.m`, RECEIPT_MESSAGE_LENGTH);
  const receiverPk = bytes(entry.r, `${where}.r`, PUBLIC_KEY_LENGTH);
  const signature = bytes(entry.s, `${where}.s`, SIGNATURE_LENGTH);
  for (let i = 0; i < RECEIPT_TAG.length; i++) {
    if (m[i] !== RECEIPT_TAG[i]) throw new Malformed(`${where}.m does not start with the PBTS-RC1 tag`);
  }
  const view = new DataView(m.buffer, m.byteOffset, m.length);
  let at = RECEIPT_TAG.length;
  const take = (length: number): Uint8Array => m.slice(at, (at += length));
  const infohash = take(INFOHASH_LENGTH);
  const senderPk = take(PUBLIC_KEY_LENGTH);
  const pieceHash = take(PIECE_HASH_LENGTH);
  const pieceIndex = view.getUint32(at);
  const pieceSize = view.getUint32(at + 4);
  const epoch = view.getBigUint64(at + 8);
  if (epoch > BigInt(Number.MAX_SAFE_INTEGER)) throw new Malformed(`${where}.m has an epoch beyond 2^53`);
  const receipt: Receipt = {
    infohash,
    senderPk,
    receiverPk: Uint8Array.from(receiverPk),
    pieceHash,
    pieceIndex,
    pieceSize,
    epoch: Number(epoch),
    signature: Uint8Array.from(signature),
  };
  try {
    checkReceiptFields(receipt);
  } catch (error) {
    if (error instanceof ReceiptFormatError) throw new Malformed(`${where}.m: ${error.message}`);
    throw error;
  }
  return receipt;
}
