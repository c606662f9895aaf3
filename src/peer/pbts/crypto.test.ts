import { afterAll, describe, expect, test } from 'vitest';
import { currentEpoch, getBackend, keyPairFromSeed, type Receipt, verifyReceipt } from '../../receipts/index.ts';
import { receiptCrypto } from './crypto.ts';
import { sha256 } from './piece-hashes.ts';

const bls = getBackend('blst');
const downloader = keyPairFromSeed(bls, 'crypto-downloader');
const uploader = keyPairFromSeed(bls, 'crypto-uploader');
const PIECE = 64 * 1024;
const data = (index: number) => new Uint8Array(PIECE).fill(index);
const worker = receiptCrypto(bls, downloader);
const inline = receiptCrypto(getBackend('noble'), downloader);
afterAll(() => Promise.all([worker.close(), inline.close()]));

const fields = (index: number) => ({ infohash: new Uint8Array(20).fill(1), senderPk: uploader.publicKey, receiverPk: downloader.publicKey, pieceIndex: index, pieceSize: PIECE, epoch: currentEpoch() });

describe('receiptCrypto', () => {
  test('default', async () => {
    // On the worker: the piece hashed into the fields and signed as the tracker verifies it.
    const receipt = await worker.sign(fields(2), data(2));
    expect(receipt.pieceHash).toEqual(sha256(data(2)));
    expect(verifyReceipt(bls, receipt)).toBe(true);
    expect(await worker.hash(data(5))).toEqual(sha256(data(5)));
    expect(await worker.verify(receipt)).toBe(true);
  });

  test('behavior: a batch with a forged and a junk signature rejects exactly those two', async () => {
    const receipts = await Promise.all([0, 1, 2, 3, 4, 5].map((index) => worker.sign(fields(index), data(index))));
    const forged: Receipt = { ...receipts[1]!, pieceIndex: 99 };
    const junk: Receipt = { ...receipts[4]!, signature: new Uint8Array(96).fill(7) };
    const checked = await Promise.all([receipts[0]!, forged, receipts[2]!, receipts[3]!, junk, receipts[5]!].map((r) => worker.verify(r)));
    expect(checked).toEqual([true, false, true, true, false, true]);
  });

  test('behavior: other backends do the same work inline', async () => {
    const receipt = await inline.sign(fields(7), data(7));
    expect(await worker.verify(receipt)).toBe(true);
    expect(await inline.verify({ ...receipt, epoch: receipt.epoch + 1 })).toBe(false);
  });
});
