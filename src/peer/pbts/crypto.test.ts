import { afterAll, describe, expect, test, vi } from 'vitest';
import { WorkerPool } from '../../workers/pool.ts';
import { aggregateReceipts, currentEpoch, getBackend, keyPairFromSeed, type Receipt, verifyAggregate, verifyReceipt } from '../../receipts/index.ts';
import { receiptCrypto } from './crypto.ts';
import { sha256 } from './piece-hashes.ts';

const bls = getBackend('blst');
const downloader = keyPairFromSeed(bls, 'crypto-downloader');
const uploader = keyPairFromSeed(bls, 'crypto-uploader');
const PIECE = 64 * 1024;
const worker = receiptCrypto(bls, downloader);
const inline = receiptCrypto(getBackend('noble'), downloader);
afterAll(() => Promise.all([worker.close(), inline.close()]));

const fields = (index: number) => ({
  infohash: new Uint8Array(20).fill(1),
  senderPk: uploader.publicKey,
  receiverPk: downloader.publicKey,
  pieceHash: sha256(new Uint8Array(PIECE).fill(index)),
  pieceIndex: index,
  pieceSize: PIECE,
  epoch: currentEpoch(),
});

describe('receiptCrypto', () => {
  test('default', async () => {
    // On the worker: signed in order, as the tracker verifies them.
    const receipts = await worker.sign([fields(2), fields(3)]);
    expect(receipts.map((r) => r.pieceIndex)).toEqual([2, 3]);
    expect(receipts.every((r) => verifyReceipt(bls, r))).toBe(true);
    expect(receipts[0]).toMatchObject(fields(2));
    expect(await worker.verify(receipts[1]!)).toBe(true);
  });

  test('behavior: a batch with a forged and a junk signature rejects exactly those two', async () => {
    const receipts = await worker.sign([0, 1, 2, 3, 4, 5].map(fields));
    const forged: Receipt = { ...receipts[1]!, pieceIndex: 99 };
    const junk: Receipt = { ...receipts[4]!, signature: new Uint8Array(96).fill(7) };
    const checked = await Promise.all([receipts[0]!, forged, receipts[2]!, receipts[3]!, junk, receipts[5]!].map((r) => worker.verify(r)));
    expect(checked).toEqual([true, false, true, true, false, true]);
  });

  test('behavior: receipts arriving apart are verified together, in one job on the worker', async () => {
    const receipts = await worker.sign([0, 1, 2].map(fields));
    const run = vi.spyOn(WorkerPool.prototype, 'run');
    const checked: Promise<boolean>[] = [];
    for (const receipt of receipts) {
      checked.push(worker.verify(receipt));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(checked)).toEqual([true, true, true]);
    expect(run.mock.calls.filter(([job]) => (job as { op: string }).op === 'verify').map(([job]) => (job as { messages: unknown[] }).messages.length)).toEqual([3]);
    run.mockRestore();
  });

  test('behavior: other backends do the same work inline', async () => {
    const [receipt] = await inline.sign([fields(7)]);
    expect(await worker.verify(receipt!)).toBe(true);
    expect(await inline.verify({ ...receipt!, epoch: receipt!.epoch + 1 })).toBe(false);
  });

  test('behavior: the aggregate of a report is the one the tracker computes', async () => {
    const receipts = await worker.sign([1, 2, 3].map(fields));
    const signatures = receipts.map((r) => r.signature);
    expect(await worker.aggregate(signatures)).toEqual(aggregateReceipts(bls, receipts));
    expect(await inline.aggregate(signatures)).toEqual(aggregateReceipts(bls, receipts));
    expect(verifyAggregate(bls, receipts, await worker.aggregate(signatures))).toBe(true);
  });

  test('error: fields a receipt cannot carry are refused before any signing; junk does not aggregate', async () => {
    await expect(worker.sign([fields(1), { ...fields(2), pieceSize: 1 }])).rejects.toThrow();
    await expect(worker.aggregate([new Uint8Array(96).fill(7)])).rejects.toThrow();
    await expect(worker.aggregate([])).rejects.toThrow('empty');
  });
});
