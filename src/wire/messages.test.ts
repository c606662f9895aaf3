import { sha256 } from '@noble/hashes/sha2';
import { describe, expect, test } from 'vitest';
import { encode } from '../bencode/index.ts';
import {
  getBackend,
  keyPairFromSeed,
  type Receipt,
  ReceiptFormatError,
  receiptMessage,
  receiptToJson,
  signReceipt,
  verifyReceipt,
} from '../receipts/index.ts';
import {
  batchBytes,
  decodeMessage,
  encodeMessage,
  handshakeKeys,
  MAX_BATCH,
  MAX_MESSAGE_BYTES,
  MAX_REJECT_BYTES,
  MAX_REQUEST_BYTES,
  parseHandshake,
  RECEIPT_ENTRY_BYTES,
  RECEIPT_MESSAGE_BYTES,
  REJECT_REASONS,
  type WireMessage,
} from './messages.ts';

const blst = getBackend('blst');
const uploader = keyPairFromSeed(blst, 'wire-messages-uploader');
const downloader = keyPairFromSeed(blst, 'wire-messages-downloader');
const utf8 = (text: string) => new TextEncoder().encode(text);
const latin1 = (text: string) => Buffer.from(text, 'latin1');

function signed(pieceIndex: number): Receipt {
  const fields = {
    infohash: sha256(utf8('wire messages torrent')).slice(0, 20),
    senderPk: uploader.publicKey,
    receiverPk: downloader.publicKey,
    pieceHash: sha256(utf8(`piece ${pieceIndex}`)),
    pieceIndex,
    pieceSize: 262_144,
    epoch: 493_000,
  };
  return signReceipt(blst, fields, downloader.secretKey);
}

const receipts = Array.from({ length: MAX_BATCH }, (_, i) => signed(i));
const entry = (receipt: Receipt) => ({ m: receiptMessage(receipt), r: receipt.receiverPk, s: receipt.signature });

function decoded(payload: Uint8Array): WireMessage {
  const result = decodeMessage(payload);
  if (!result.ok) throw new Error(`refused: ${result.error.code}: ${result.error.reason}`);
  return result.message;
}

function refusal(payload: Uint8Array) {
  const result = decodeMessage(payload);
  expect(result.ok).toBe(false);
  return result.ok ? undefined : result.error;
}

describe('encodeMessage / decodeMessage', () => {
  test('default: a receipt round-trips into the same verifiable receipt, reportable unchanged', () => {
    const receipt = receipts[0]!;
    const payload = encodeMessage({ type: 'receipt', receipt });
    const message = decoded(payload);
    expect(message.type).toBe('receipt');
    const back = (message as { receipt: Receipt }).receipt;
    expect(back).toEqual(receipt);
    expect(verifyReceipt(blst, back)).toBe(true);
    expect(receiptToJson(back)).toEqual(receiptToJson(receipt));
    // The signed 124-byte message travels as is: what the receiver signed is what is reported.
    expect(Buffer.from(payload).indexOf(Buffer.from(receiptMessage(receipt)))).toBe(8);
    expect(Buffer.from(payload.subarray(0, 8)).toString('latin1')).toBe('d1:m124:');
  });

  test('behavior: batch, request and reject round-trip', () => {
    const batch = decoded(encodeMessage({ type: 'batch', receipts }));
    expect(batch).toEqual({ type: 'batch', receipts });
    expect((batch as { receipts: Receipt[] }).receipts.every((receipt) => verifyReceipt(blst, receipt))).toBe(true);
    expect(decoded(encodeMessage({ type: 'request', index: 0xffffffff }))).toEqual({ type: 'request', index: 0xffffffff });
    for (const reason of Object.keys(REJECT_REASONS) as (keyof typeof REJECT_REASONS)[]) {
      expect(decoded(encodeMessage({ type: 'reject', index: 7, reason }))).toEqual({ type: 'reject', index: 7, reason });
    }
    expect(Buffer.from(encodeMessage({ type: 'request', index: 12 })).toString('latin1')).toBe('d5:indexi12e8:msg_typei2ee');
    expect(Buffer.from(encodeMessage({ type: 'reject', index: 12, reason: 'stale_epoch' })).toString('latin1')).toBe(
      'd5:indexi12e8:msg_typei3e6:reasoni6ee',
    );
  });

  test('behavior: exact sizes (payload; the BitTorrent frame adds 6 bytes: length, id 20, extended id)', () => {
    const sizes = {
      receiptEntry: RECEIPT_ENTRY_BYTES,
      receipt: encodeMessage({ type: 'receipt', receipt: receipts[0]! }).length,
      batchOf1: encodeMessage({ type: 'batch', receipts: receipts.slice(0, 1) }).length,
      batchOf10: encodeMessage({ type: 'batch', receipts: receipts.slice(0, 10) }).length,
      batchOf64: encodeMessage({ type: 'batch', receipts }).length,
      requestIndex0: encodeMessage({ type: 'request', index: 0 }).length,
      requestMax: encodeMessage({ type: 'request', index: 0xffffffff }).length,
      rejectIndex0: encodeMessage({ type: 'reject', index: 0, reason: 'bad_signature' }).length,
      rejectMax: encodeMessage({ type: 'reject', index: 0xffffffff, reason: 'stale_epoch' }).length,
    };
    console.log('pbts_receipt payload sizes in bytes:', sizes);
    expect(sizes).toEqual({
      receiptEntry: 289,
      receipt: 302,
      batchOf1: 316,
      batchOf10: 2917,
      batchOf64: 18_523,
      requestIndex0: 25,
      requestMax: 34,
      rejectIndex0: 36,
      rejectMax: 45,
    });
    expect([RECEIPT_MESSAGE_BYTES, batchBytes(64), MAX_REQUEST_BYTES, MAX_REJECT_BYTES]).toEqual([302, 18_523, 34, 45]);
    expect(MAX_MESSAGE_BYTES).toBe(18_523);
    // 16 KiB holds 56 receipts, not 64.
    expect(batchBytes(56)).toBeLessThanOrEqual(16_384);
    expect(batchBytes(57)).toBeGreaterThan(16_384);
  });

  test('error: encode refuses what no peer could accept', () => {
    expect(() => encodeMessage({ type: 'batch', receipts: [] })).toThrow(RangeError);
    expect(() => encodeMessage({ type: 'batch', receipts: [...receipts, receipts[0]!] })).toThrow(/1 to 64/);
    expect(() => encodeMessage({ type: 'request', index: -1 })).toThrow(RangeError);
    expect(() => encodeMessage({ type: 'request', index: 2 ** 32 })).toThrow(RangeError);
    expect(() => encodeMessage({ type: 'reject', index: 1, reason: 'nope' as 'stale_epoch' })).toThrow(/reject reason/);
    const short = { ...receipts[0]!, signature: new Uint8Array(95) };
    expect(() => encodeMessage({ type: 'receipt', receipt: short })).toThrow(ReceiptFormatError);
    expect(() => encodeMessage({ type: 'receipt', receipt: { ...receipts[0]!, pieceSize: 1 } })).toThrow(/piece_size/);
  });
});

describe('decodeMessage on hostile input', () => {
  const good = entry(receipts[0]!);
  const cases: Record<string, [payload: Uint8Array, code: string, reason?: RegExp]> = {
    truncated: [encodeMessage({ type: 'receipt', receipt: receipts[0]! }).subarray(0, 301), 'malformed'],
    'trailing bytes': [Buffer.concat([encodeMessage({ type: 'request', index: 1 }), latin1('i0e')]), 'malformed'],
    oversized: [new Uint8Array(MAX_MESSAGE_BYTES + 1), 'oversized'],
    '1 MB': [new Uint8Array(1024 * 1024).fill(0x6c), 'oversized'],
    empty: [new Uint8Array(0), 'malformed'],
    'not a dict': [latin1('li0ee'), 'malformed', /message must be a dict/],
    'no msg_type': [encode({ index: 1 }), 'malformed', /msg_type/],
    'msg_type a string': [encode({ msg_type: '0' }), 'malformed', /msg_type/],
    'unknown msg_type': [encode({ msg_type: 9 }), 'unknown_type'],
    'negative msg_type': [encode({ msg_type: -1 }), 'unknown_type'],
    'm of 123 bytes': [encode({ msg_type: 0, ...good, m: good.m.subarray(0, 123) }), 'malformed', /m must be a 124-byte/],
    's of 95 bytes': [encode({ msg_type: 0, ...good, s: good.s.subarray(1) }), 'malformed', /s must be a 96-byte/],
    'r of 49 bytes': [encode({ msg_type: 0, ...good, r: new Uint8Array(49) }), 'malformed', /r must be a 48-byte/],
    'r an integer': [encode({ msg_type: 0, ...good, r: 5 }), 'malformed', /r must be/],
    'missing s': [encode({ msg_type: 0, m: good.m, r: good.r }), 'malformed', /lacks "s"/],
    'an extra key': [encode({ msg_type: 0, ...good, x: 1 }), 'malformed', /unexpected key "x"/],
    'wrong tag': [encode({ msg_type: 0, ...good, m: Uint8Array.from(good.m).fill(0x41, 0, 8) }), 'malformed', /tag/],
    'piece size 0 in m': [encode({ msg_type: 0, ...good, m: Uint8Array.from(good.m).fill(0, 112, 116) }), 'malformed', /piece_size/],
    'epoch beyond 2^53 in m': [encode({ msg_type: 0, ...good, m: Uint8Array.from(good.m).fill(0xff, 116, 124) }), 'malformed', /epoch/],
    'batch of 0': [encode({ msg_type: 1, receipts: [] }), 'malformed', /1 to 64/],
    'batch of 65 receipts': [encode({ msg_type: 1, receipts: Array(65).fill(good) }), 'oversized'],
    'batch list of 65 small items': [encode({ msg_type: 1, receipts: Array(65).fill(0) }), 'malformed', /1 to 64/],
    'batch with a bad entry': [encode({ msg_type: 1, receipts: [good, { ...good, s: new Uint8Array(3) }] }), 'malformed', /receipts\[1\]\.s/],
    'batch entry not a dict': [encode({ msg_type: 1, receipts: [good.m] }), 'malformed', /receipts\[0\] must be a dict/],
    'request index 2^32': [encode({ msg_type: 2, index: 2 ** 32 }), 'malformed', /index/],
    'request index negative': [encode({ msg_type: 2, index: -1 }), 'malformed', /index/],
    'request index as bytes': [encode({ msg_type: 2, index: '1' }), 'malformed', /index/],
    'reject reason unknown': [encode({ msg_type: 3, index: 1, reason: 99 }), 'malformed', /reason/],
    'deep nesting': [latin1(`${'l'.repeat(5000)}${'e'.repeat(5000)}`), 'malformed', /nested too deeply/],
    'too many items': [latin1(`d8:msg_typei1e8:receiptsl${'i0e'.repeat(300)}ee`), 'malformed', /too many items/],
    'a string longer than the input': [latin1('d1:m999:abce'), 'malformed'],
    garbage: [Uint8Array.from({ length: 300 }, (_, i) => (i * 151 + 7) & 0xff), 'malformed'],
  };

  test.each(Object.entries(cases))('error: %s', (_name, [payload, code, reason]) => {
    const error = refusal(payload);
    expect(error?.code).toBe(code);
    if (reason) expect(error?.reason).toMatch(reason);
  });

  test('behavior: a decoded receipt does not alias the payload buffer', () => {
    const payload = Uint8Array.from(encodeMessage({ type: 'receipt', receipt: receipts[0]! }));
    const message = decoded(payload) as { receipt: Receipt };
    payload.fill(0);
    expect(message.receipt).toEqual(receipts[0]);
  });
});

describe('handshake keys', () => {
  const m = { pbts_receipt: 3, ut_metadata: 1 };

  test('default: our keys parse back as the peer handshake', () => {
    const keys = handshakeKeys(downloader.publicKey);
    expect(keys).toEqual({ pbts_pk: downloader.publicKey, pbts_v: 1 });
    expect(parseHandshake({ m, ...keys })).toEqual({ ok: true, handshake: { id: 3, publicKey: downloader.publicKey, version: 1 } });
    expect(parseHandshake({ m, ...keys, pbts_v: 2, v: new Uint8Array(3) })).toMatchObject({ ok: true, handshake: { version: 2 } });
  });

  test('error: malformed keys are refused, never thrown', () => {
    const keys = handshakeKeys(downloader.publicKey);
    const bad: [unknown, RegExp][] = [
      [null, /not a dict/],
      [new Uint8Array(3), /not a dict/],
      [{ ...keys }, /m is not a dict/],
      [{ m: [], ...keys }, /m is not a dict/],
      [{ m: { pbts_receipt: 0 }, ...keys }, /1\.\.255/],
      [{ m: { pbts_receipt: 256 }, ...keys }, /1\.\.255/],
      [{ m: { pbts_receipt: new Uint8Array([0x33]) }, ...keys }, /1\.\.255/],
      [{ m, pbts_v: 1 }, /pbts_pk must be 48 bytes/],
      [{ m, ...keys, pbts_pk: new Uint8Array(47) }, /pbts_pk/],
      [{ m, ...keys, pbts_pk: 'x'.repeat(48) }, /pbts_pk/],
      [{ m, pbts_pk: keys.pbts_pk }, /pbts_v/],
      [{ m, ...keys, pbts_v: 0 }, /pbts_v/],
      [{ m, ...keys, pbts_v: 1.5 }, /pbts_v/],
      [{ m, ...keys, pbts_v: new Uint8Array([0x31]) }, /pbts_v/],
    ];
    for (const [handshake, reason] of bad) {
      const result = parseHandshake(handshake);
      expect(result.ok).toBe(false);
      expect(result.ok ? '' : result.reason).toMatch(reason);
    }
    expect(() => handshakeKeys(new Uint8Array(47))).toThrow(RangeError);
  });
});
