import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  AlreadySpentError,
  ExpiredReceiptError,
  InvalidReportError,
  inlineCommitter,
  openStore,
  type SpendReceipt,
  type Store,
  UnknownKeyError,
  WriterThread,
} from './index.ts';
import { COLLECT_STEP } from './writer.ts';

const key = (n: number) => new Uint8Array(48).fill(n);
const KiB = 1024;

function receipt(sender: number, receiver: number, pieceSize = 16 * KiB, epoch = 100): SpendReceipt {
  return { id: new Uint8Array(randomBytes(32)), epoch, senderPk: key(sender), receiverPk: key(receiver), pieceSize };
}

describe('WriterThread', () => {
  let dataDir: string;
  let store: Store;
  let writer: WriterThread;
  let commits: number;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pbts-writer-'));
    store = openStore({ dataDir });
    store.createUser({ userId: 'alice', publicKey: key(1) });
    store.createUser({ userId: 'bob', publicKey: key(2) });
    store.createUser({ userId: 'carol', publicKey: key(3) });
    commits = 0;
    writer = await WriterThread.start(dataDir, () => commits++);
  });
  afterEach(async () => {
    await writer.close();
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('default: a report committed on the writer is visible to the tracker connection at once', async () => {
    const receipts = [receipt(1, 2), receipt(1, 3, 32 * KiB)];
    const outcome = await writer.commit({ receipts, now: 42 });
    expect(outcome).toMatchObject({ accepted: 2, creditedBytes: 48 * KiB });
    expect(outcome.sender).toMatchObject({ userId: 'alice', uploaded: 48 * KiB });
    expect(outcome.sender.publicKey).toEqual(key(1));
    expect(outcome.receivers.map((user) => [user.userId, user.downloaded])).toEqual([
      ['bob', 16 * KiB],
      ['carol', 32 * KiB],
    ]);
    expect(store.userById('alice')!.uploaded).toBe(48 * KiB);
    expect(receipts.every((r) => store.isSpent(r.id))).toBe(true);
    expect(store.ledger(1)[0]).toMatchObject({ senderUserId: 'alice', receipts: 2, appliedAt: 42 });
    // The chain sync's wake-up: once per successful commit.
    expect(commits).toBe(1);
  });

  test('behavior: 20 concurrent commits of one receipt spend it once', async () => {
    const r = receipt(1, 2);
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => writer.commit({ receipts: [r] })));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(refused).toHaveLength(19);
    for (const { reason } of refused) {
      expect(reason).toBeInstanceOf(AlreadySpentError);
      expect(reason).toMatchObject({ index: 0, id: r.id });
    }
    expect(store.userById('alice')!.uploaded).toBe(16 * KiB);
    expect(commits).toBe(1);
  });

  test('behavior: the writer and the tracker connection race for the same id and only one wins', async () => {
    const r = receipt(1, 2);
    store.applyReport({ receipts: [r] });
    await expect(writer.commit({ receipts: [r] })).rejects.toBeInstanceOf(AlreadySpentError);
  });

  test('error: refusals cross the thread as the store throws them, and change nothing', async () => {
    const before = store.stats();
    const unknown = writer.commit({ receipts: [receipt(1, 2), receipt(1, 9)] });
    await expect(unknown).rejects.toBeInstanceOf(UnknownKeyError);
    await expect(unknown).rejects.toMatchObject({ role: 'receiver', index: 1, publicKey: key(9) });
    await expect(writer.commit({ receipts: [] })).rejects.toBeInstanceOf(InvalidReportError);
    await expect(writer.commit({ receipts: [receipt(1, 2), receipt(3, 2)] })).rejects.toThrow(/another sender/);
    await writer.collect(50);
    const expired = writer.commit({ receipts: [receipt(1, 2, 16 * KiB, 50), receipt(1, 2, 16 * KiB, 49)] });
    await expect(expired).rejects.toBeInstanceOf(ExpiredReceiptError);
    await expect(expired).rejects.toMatchObject({ index: 1, epoch: 49, horizon: 50 });
    expect(store.stats()).toEqual(before);
    expect(commits).toBe(0);
  });

  test('behavior: collect forgets old spent ids in steps, and commits go on meanwhile', async () => {
    const old = Array.from({ length: 2 * COLLECT_STEP + 500 }, () => receipt(1, 2, 1, 99));
    store.applyReport({ receipts: old });
    const kept = receipt(1, 2, 1, 100);
    store.applyReport({ receipts: [kept] });
    const collecting = writer.collect(100);
    const during = writer.commit({ receipts: [receipt(1, 3, 1, 100)] });
    // Every id of epoch 99 in three steps: one step alone would have stopped at COLLECT_STEP.
    expect(await collecting).toBe(2 * COLLECT_STEP + 500);
    expect((await during).accepted).toBe(1);
    expect(store.isSpent(old[0]!.id) || store.isSpent(old.at(-1)!.id)).toBe(false);
    expect(store.isSpent(kept.id)).toBe(true);
    expect(store.stats().spentIds).toBe(2);
    expect(await writer.collect(100)).toBe(0);
  });

  test('behavior: close waits for commits in flight, then refuses new ones', async () => {
    const pending = Array.from({ length: 10 }, () => writer.commit({ receipts: [receipt(1, 2)] }));
    await writer.close();
    expect((await Promise.allSettled(pending)).every((result) => result.status === 'fulfilled')).toBe(true);
    expect(store.stats().reports).toBe(10);
    await expect(writer.commit({ receipts: [receipt(1, 2)] })).rejects.toThrow('the report writer pool is closed');
  });
});

describe('inlineCommitter', () => {
  test('default: commits on the store connection itself (an in-memory store cannot be shared)', async () => {
    const store = openStore({ dataDir: ':memory:' });
    store.createUser({ userId: 'alice', publicKey: key(1) });
    store.createUser({ userId: 'bob', publicKey: key(2) });
    const outcome = await inlineCommitter(store).commit({ receipts: [receipt(1, 2)] });
    expect(outcome.creditedBytes).toBe(16 * KiB);
    expect(store.userById('bob')!.downloaded).toBe(16 * KiB);
    store.close();
  });
});
