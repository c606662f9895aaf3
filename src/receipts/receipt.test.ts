import { bls12_381 } from '@noble/curves/bls12-381';
import { sha256 } from '@noble/hashes/sha2';
import { describe, expect, test } from 'vitest';
import { getBackend } from './backend.ts';
import { BACKEND_NAMES, POP_DST, SIG_DST } from './bls.ts';
import { keyPairFromSeed } from './keys.ts';
import {
  RECEIPT_MESSAGE_LENGTH,
  type Receipt,
  type ReceiptFields,
  ReceiptFormatError,
  aggregateReceipts,
  currentEpoch,
  epochOf,
  receiptFromJson,
  receiptId,
  receiptMessage,
  receiptToJson,
  signReceipt,
  verifyAggregate,
  verifyReceipt,
} from './receipt.ts';

const blst = getBackend('blst');
const sender = keyPairFromSeed(blst, 'receipt-test-sender');
const receivers = [0, 1, 2, 3].map((i) => keyPairFromSeed(blst, 'receipt-test-receiver', i));

function fields(receiverIndex = 0, pieceIndex = 7): ReceiptFields {
  return {
    infohash: sha256(new TextEncoder().encode('torrent')).slice(0, 20),
    senderPk: sender.publicKey,
    receiverPk: receivers[receiverIndex]!.publicKey,
    pieceHash: sha256(new TextEncoder().encode(`piece ${pieceIndex}`)),
    pieceIndex,
    pieceSize: 262_144,
    epoch: 493_000,
  };
}
const signed = (receiverIndex = 0, pieceIndex = 7): Receipt =>
  signReceipt(blst, fields(receiverIndex, pieceIndex), receivers[receiverIndex]!.secretKey);

describe('receipt message', () => {
  test('default: fixed layout tag | infohash | sender | piece hash | index | size | epoch', () => {
    const message = receiptMessage(fields());
    expect(message.length).toBe(RECEIPT_MESSAGE_LENGTH);
    expect(RECEIPT_MESSAGE_LENGTH).toBe(124);
    expect(new TextDecoder().decode(message.slice(0, 8))).toBe('PBTS-RC1');
    expect(message.slice(8, 28)).toEqual(fields().infohash);
    expect(message.slice(28, 76)).toEqual(sender.publicKey);
    expect(message.slice(76, 108)).toEqual(fields().pieceHash);
    expect(Buffer.from(message.slice(108, 124)).toString('hex')).toBe('00000007' + '00040000' + '00000000000785c8');
  });

  test('error: out-of-range fields are refused with the field named', () => {
    expect(() => receiptMessage({ ...fields(), pieceSize: 1024 })).toThrow(/piece_size/);
    expect(() => receiptMessage({ ...fields(), pieceSize: 64 * 1024 * 1024 + 1 })).toThrow(/piece_size/);
    expect(() => receiptMessage({ ...fields(), pieceIndex: -1 })).toThrow(/piece_index/);
    expect(() => receiptMessage({ ...fields(), pieceIndex: 2 ** 32 })).toThrow(/piece_index/);
    expect(() => receiptMessage({ ...fields(), epoch: 1.5 })).toThrow(/epoch/);
    expect(() => receiptMessage({ ...fields(), infohash: new Uint8Array(19) })).toThrow(/infohash/);
  });

  test('behavior: the receipt id binds the receiver and epoch but not the size', () => {
    const id = receiptId(fields());
    expect(id.length).toBe(32);
    expect(receiptId({ ...fields(), pieceSize: 16_384 })).toEqual(id);
    expect(receiptId(fields(1))).not.toEqual(id);
    expect(receiptId({ ...fields(), epoch: 493_001 })).not.toEqual(id);
    expect(receiptId(fields(0, 8))).not.toEqual(id);
  });

  test('behavior: epochs are floor(unix seconds / W)', () => {
    expect(epochOf(7199)).toBe(1);
    expect(epochOf(7200)).toBe(2);
    expect(epochOf(100, 60)).toBe(1);
    expect(currentEpoch(3600, 3_600_000 * 5 + 1)).toBe(5);
  });
});

describe.each(BACKEND_NAMES)('receipts on %s', (name) => {
  const backend = getBackend(name);

  test('default: a signed receipt verifies', () => {
    expect(verifyReceipt(backend, signed())).toBe(true);
  });

  test('behavior: tampering with any byte region of the message fails verification', () => {
    const receipt = signed();
    const tampered: Record<string, Receipt> = {
      infohash: { ...receipt, infohash: flip(receipt.infohash, 19) },
      'sender key': { ...receipt, senderPk: receivers[3]!.publicKey },
      'piece hash': { ...receipt, pieceHash: flip(receipt.pieceHash, 0) },
      'piece index': { ...receipt, pieceIndex: receipt.pieceIndex + 1 },
      'piece size': { ...receipt, pieceSize: receipt.pieceSize * 2 },
      epoch: { ...receipt, epoch: receipt.epoch + 1 },
      'receiver key': { ...receipt, receiverPk: receivers[1]!.publicKey },
      signature: { ...receipt, signature: signed(0, 8).signature },
    };
    for (const [what, bad] of Object.entries(tampered)) {
      expect(verifyReceipt(backend, bad), what).toBe(false);
    }
  });

  test('behavior: a signature under another domain separation tag fails', () => {
    const long = bls12_381.longSignatures;
    const message = receiptMessage(fields());
    for (const dst of [POP_DST, 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_']) {
      const signature = long.sign(long.hash(message, dst), receivers[0]!.secretKey).toBytes(true);
      expect(verifyReceipt(backend, { ...fields(), signature }), dst).toBe(false);
    }
    const good = long.sign(long.hash(message, SIG_DST), receivers[0]!.secretKey).toBytes(true);
    expect(verifyReceipt(backend, { ...fields(), signature: good })).toBe(true);
  });

  test('behavior: aggregate verification fails if one receipt is wrong or two are swapped', () => {
    const batch = receivers.map((_, i) => signed(i, i));
    const aggregate = aggregateReceipts(backend, batch);
    expect(verifyAggregate(backend, batch, aggregate)).toBe(true);
    const oneWrong = [...batch.slice(0, 3), { ...batch[3]!, pieceIndex: 99 }];
    expect(verifyAggregate(backend, oneWrong, aggregate)).toBe(false);
    // Receipts 0 and 1 swapped between keys: each message now paired with the other's key.
    const swapped = [
      { ...batch[0]!, receiverPk: batch[1]!.receiverPk },
      { ...batch[1]!, receiverPk: batch[0]!.receiverPk },
      ...batch.slice(2),
    ];
    expect(verifyAggregate(backend, swapped, aggregate)).toBe(false);
    expect(verifyAggregate(backend, batch.slice(1), aggregate)).toBe(false);
  });
});

describe('JSON form', () => {
  test('default: round-trips', () => {
    const receipt = signed();
    const json = receiptToJson(receipt);
    expect(json.sender_pk).toMatch(/^[0-9a-f]{96}$/);
    expect(receiptFromJson(JSON.parse(JSON.stringify(json)))).toEqual(receipt);
  });

  test('error: each malformed field is named', () => {
    const json = receiptToJson(signed()) as unknown as Record<string, unknown>;
    const cases: Array<[string, unknown]> = [
      ['infohash', 'zz'.repeat(20)],
      ['sender_pk', 'ab'],
      ['receiver_pk', 42],
      ['piece_hash', undefined],
      ['piece_index', '7'],
      ['piece_size', 10],
      ['epoch', -1],
      ['signature', 'ab'.repeat(95)],
    ];
    for (const [field, value] of cases) {
      const error = catchError(() => receiptFromJson({ ...json, [field]: value }));
      expect(error, field).toBeInstanceOf(ReceiptFormatError);
      expect((error as ReceiptFormatError).field).toBe(field);
    }
    expect(() => receiptFromJson(null)).toThrow(ReceiptFormatError);
    expect(() => receiptFromJson([json])).toThrow(ReceiptFormatError);
  });
});

function flip(bytes: Uint8Array, index: number): Uint8Array {
  const copy = bytes.slice();
  copy[index]! ^= 0x01;
  return copy;
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}
