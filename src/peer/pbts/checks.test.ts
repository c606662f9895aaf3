import { describe, expect, test } from 'vitest';
import { currentEpoch, getBackend, keyPairFromSeed, type Receipt, signReceipt, verifyReceipt } from '../../receipts/index.ts';
import { checkReceipt, receiptable, type ReceiptCheckContext, WINDOW_EPOCHS } from './checks.ts';
import { sha256 } from './piece-hashes.ts';

const bls = getBackend('blst');
const uploader = keyPairFromSeed(bls, 'checks-uploader');
const downloader = keyPairFromSeed(bls, 'checks-downloader');
const stranger = keyPairFromSeed(bls, 'checks-stranger');
const INFOHASH = new Uint8Array(20).fill(7);
const PIECE = 64 * 1024;
const data = (index: number) => new Uint8Array(PIECE).fill(index);
const epoch = currentEpoch();

/** The context of a connection on which we sent pieces 0..3 to `downloader`; `hashed` records hash reads. */
function context(hashed: number[] = []): ReceiptCheckContext {
  return {
    verify: async (receipt) => verifyReceipt(bls, receipt),
    infohash: INFOHASH,
    senderPk: uploader.publicKey,
    receiverPk: downloader.publicKey,
    sent: (index) => index < 4,
    pieceSize: () => PIECE,
    pieceHash: (index) => {
      hashed.push(index);
      return Promise.resolve(sha256(data(index)));
    },
    epoch,
    windowEpochs: WINDOW_EPOCHS,
  };
}

/** A receipt for piece `index`, with `changes` applied before `signer` signs it. */
function receipt(index: number, changes: Partial<Receipt> = {}, signer = downloader): Receipt {
  const fields = {
    infohash: INFOHASH,
    senderPk: uploader.publicKey,
    receiverPk: downloader.publicKey,
    pieceHash: sha256(data(index)),
    pieceIndex: index,
    pieceSize: PIECE,
    epoch,
    ...changes,
  };
  return signReceipt(bls, fields, signer.secretKey);
}

describe('checkReceipt', () => {
  test('default', async () => {
    expect(await checkReceipt(receipt(2), context())).toBeUndefined();
    expect(await checkReceipt(receipt(0, { epoch: epoch - WINDOW_EPOCHS }), context())).toBeUndefined();
  });

  test('error: each reason', async () => {
    const cases: [Receipt, string][] = [
      [receipt(1, { senderPk: stranger.publicKey }), 'wrong_sender'],
      [receipt(1, { infohash: new Uint8Array(20).fill(8) }), 'wrong_torrent'],
      [receipt(1, { receiverPk: stranger.publicKey }, stranger), 'wrong_receiver'],
      [receipt(1, { epoch: epoch - WINDOW_EPOCHS - 1 }), 'stale_epoch'],
      [receipt(1, { epoch: epoch + 1 }), 'stale_epoch'],
      [receipt(4), 'wrong_piece'],
      [receipt(1, { pieceSize: PIECE / 2 }), 'wrong_piece'],
      [receipt(1, { pieceHash: sha256(data(2)) }), 'wrong_piece'],
      [{ ...receipt(1), signature: receipt(2).signature }, 'bad_signature'],
      [receipt(1, {}, stranger), 'bad_signature'],
    ];
    for (const [bad, reason] of cases) expect(await checkReceipt(bad, context())).toBe(reason);
  });

  test('behavior: only a receipt that passed every cheaper check costs a piece hash', async () => {
    const hashed: number[] = [];
    for (const bad of [receipt(1, { senderPk: stranger.publicKey }), receipt(1, { epoch: 0 }), receipt(5), receipt(1, { pieceSize: PIECE * 2 })]) {
      await checkReceipt(bad, context(hashed));
    }
    expect(hashed).toEqual([]);
    await checkReceipt(receipt(3), context(hashed));
    expect(hashed).toEqual([3]);
  });
});

describe('receiptable', () => {
  test('default', () => {
    expect([16 * 1024 - 1, 16 * 1024, 64 * 1024 * 1024, 64 * 1024 * 1024 + 1].map(receiptable)).toEqual([false, true, true, false]);
  });
});
