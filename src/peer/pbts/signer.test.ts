import { afterAll, describe, expect, test } from 'vitest';
import { getBackend, keyPairFromSeed, type Receipt, verifyReceipt } from '../../receipts/index.ts';
import { sha256 } from './piece-hashes.ts';
import { PieceHashes } from './piece-hashes.ts';
import { receiptCrypto } from './crypto.ts';
import { receiptTarget, type ReceiptTarget, SIGN_PER_TURN, Signer } from './signer.ts';

const bls = getBackend('blst');
const keys = keyPairFromSeed(bls, 'signer-downloader');
const INFOHASH = new Uint8Array(20).fill(3);
const PIECE = 32 * 1024;

/** An uploader that records what it was sent, in messages. */
function uploader(seed: string, open = true): ReceiptTarget & { messages: Receipt[][] } {
  const { publicKey } = keyPairFromSeed(bls, seed);
  const messages: Receipt[][] = [];
  return { publicKey, keyHex: Buffer.from(publicKey).toString('hex'), messages, send: (receipts) => (open && messages.push(receipts), open) };
}

const crypto = receiptCrypto(bls, keys);
afterAll(() => crypto.close());
const signer = () => new Signer({ crypto, publicKey: keys.publicKey, infohash: INFOHASH, hashes: new PieceHashes(() => Promise.reject(new Error('no storage'))) });
const piece = (index: number, size = PIECE) => new Uint8Array(size).fill(index);

describe('receiptTarget', () => {
  test('default', () => {
    expect(receiptTarget([{ peer: 'a', bytes: 16 }, { peer: 'b', bytes: 48 }, { peer: 'c', bytes: 32 }])).toBe('b');
  });

  test('behavior: the first of equal senders gets it; nobody for no senders', () => {
    expect(receiptTarget([{ peer: 'a', bytes: 32 }, { peer: 'b', bytes: 32 }])).toBe('a');
    expect(receiptTarget([])).toBeUndefined();
  });
});

describe('Signer', () => {
  test('default', async () => {
    const made = signer();
    const alice = uploader('signer-alice');
    expect(made.add(alice, 4, piece(4))).toBe(true);
    // Off the caller's path: nothing is signed before the event loop turns.
    expect(alice.messages).toEqual([]);
    await made.idle();
    const [[receipt]] = alice.messages as [[Receipt]];
    expect(receipt).toMatchObject({ infohash: INFOHASH, senderPk: alice.publicKey, receiverPk: keys.publicKey, pieceHash: sha256(piece(4)), pieceIndex: 4, pieceSize: PIECE });
    expect(verifyReceipt(bls, receipt)).toBe(true);
    expect(made.stats).toEqual({ signed: 1, sent: 1 });
  });

  test('behavior: a few receipts per turn, one message per uploader and turn', async () => {
    const made = signer();
    const [alice, bob] = [uploader('signer-alice'), uploader('signer-bob')];
    for (let index = 0; index < SIGN_PER_TURN + 2; index++) made.add(index % 2 ? bob : alice, index, piece(index));
    await made.idle();
    expect(alice.messages.map((m) => m.length)).toEqual([SIGN_PER_TURN / 2, 1]);
    expect(bob.messages.map((m) => m.length)).toEqual([SIGN_PER_TURN / 2, 1]);
    expect(made.stats).toEqual({ signed: SIGN_PER_TURN + 2, sent: SIGN_PER_TURN + 2 });
  });

  test('behavior: one receipt per piece; sent again only on request, and only to its uploader', async () => {
    const made = signer();
    const [alice, bob] = [uploader('signer-alice'), uploader('signer-bob')];
    made.add(alice, 1, piece(1));
    await made.idle();
    expect(made.add(alice, 1, piece(1))).toBe(false);
    expect(made.resend(alice, 1)).toBe(true);
    expect(made.resend(bob, 1)).toBe(false);
    expect(made.resend(alice, 2)).toBe(false);
    expect(alice.messages.flat().map((r) => r.pieceIndex)).toEqual([1, 1]);
    expect(made.stats).toEqual({ signed: 1, sent: 2 });
  });

  test('behavior: a piece too small for a receipt gets none; a closed uploader is not counted as sent', async () => {
    const made = signer();
    const gone = uploader('signer-gone', false);
    expect(made.add(gone, 0, piece(0, 16 * 1024 - 1))).toBe(false);
    made.add(gone, 1, piece(1));
    await made.idle();
    expect(made.stats).toEqual({ signed: 1, sent: 0 });
  });
});
