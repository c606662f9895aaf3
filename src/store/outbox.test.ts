import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { MIGRATIONS } from './schema.ts';
import { AlreadySpentError, DuplicateUserError, openStore, type SpendReceipt, type Store, STORE_FILE } from './index.ts';

const key = (n: number) => new Uint8Array(48).fill(n);
const KiB = 1024;

function receipt(sender: number, receiver: number, pieceSize = 16 * KiB): SpendReceipt {
  return { id: new Uint8Array(randomBytes(32)), epoch: 1, senderPk: key(sender), receiverPk: key(receiver), pieceSize };
}

const entries = (store: Store, sequence: number) =>
  store.outbox.batchEntries(sequence).map(({ userId, kind, uploaded, downloaded }) => ({ userId, kind, uploaded, downloaded }));

describe('outbox', () => {
  let store: Store;
  beforeEach(() => {
    store = openStore({ dataDir: ':memory:' });
    store.createUser({ userId: 'alice', publicKey: key(1), uploaded: 1000 });
    store.createUser({ userId: 'bob', publicKey: key(2), uploaded: 1000 });
    store.createUser({ userId: 'carol', publicKey: key(3), uploaded: 1000 });
  });
  afterEach(() => store.close());

  test('default', () => {
    store.applyReport({ receipts: [receipt(1, 2), receipt(1, 3), receipt(1, 2, 32 * KiB)] });
    expect(store.outbox.queued(100)).toBe(6);
    const batch = store.outbox.cutBatch(100, 7)!;
    expect(batch).toEqual({ sequence: 1, entries: 6, createdAt: 7, txHash: null, blockNumber: null, confirmedAt: null });
    // The report is aggregated per user: one credit for the sender, one debit per receiver.
    expect(entries(store, 1)).toEqual([
      { userId: 'alice', kind: 'register', uploaded: 1000, downloaded: 0 },
      { userId: 'bob', kind: 'register', uploaded: 1000, downloaded: 0 },
      { userId: 'carol', kind: 'register', uploaded: 1000, downloaded: 0 },
      { userId: 'alice', kind: 'update', uploaded: 64 * KiB, downloaded: 0 },
      { userId: 'bob', kind: 'update', uploaded: 0, downloaded: 48 * KiB },
      { userId: 'carol', kind: 'update', uploaded: 0, downloaded: 16 * KiB },
    ]);
    expect(store.outbox.batchEntries(1)[0]!.publicKey).toEqual(key(1));
    expect(store.outbox.stats()).toEqual({ pendingEntries: 6, queuedEntries: 0, pendingBatches: 1, confirmedSequence: 0 });
    expect(store.userById('alice')).toMatchObject({ chainUploaded: 0, chainDownloaded: 0 });

    store.outbox.confirmBatch(1, { txHash: '0xabc', blockNumber: 5, now: 9 });
    expect(store.outbox.batch(1)).toMatchObject({ txHash: '0xabc', blockNumber: 5, confirmedAt: 9 });
    expect(store.outbox.stats()).toEqual({ pendingEntries: 0, queuedEntries: 0, pendingBatches: 0, confirmedSequence: 1 });
    for (const id of ['alice', 'bob', 'carol']) {
      const user = store.userById(id)!;
      expect([user.chainUploaded, user.chainDownloaded]).toEqual([user.uploaded, user.downloaded]);
    }
    expect(store.outbox.cutBatch(100)).toBeUndefined();
  });

  test('behavior: batches take the oldest entries, in order, under consecutive sequences', () => {
    for (let i = 0; i < 4; i++) store.applyReport({ receipts: [receipt(1, 2)] });
    // 3 registrations + 4 reports x 2 entries.
    expect(store.outbox.queued(100)).toBe(11);
    expect(store.outbox.queued(5)).toBe(5);
    const sizes = [store.outbox.cutBatch(5)!, store.outbox.cutBatch(5)!, store.outbox.cutBatch(5)!].map((b) => [b.sequence, b.entries]);
    expect(sizes).toEqual([[1, 5], [2, 5], [3, 1]]);
    const ids = [1, 2, 3].flatMap((s) => store.outbox.batchEntries(s).map((e) => e.entryId));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(store.outbox.nextUnconfirmed()).toBe(1);
    expect(store.outbox.state()).toMatchObject({ confirmedSequence: 0, lastSequence: 3 });
  });

  test('behavior: a refused report or registration leaves no entry', () => {
    const r = receipt(1, 2);
    store.applyReport({ receipts: [r] });
    const before = store.outbox.queued(100);
    expect(() => store.applyReport({ receipts: [receipt(1, 3), r] })).toThrow(AlreadySpentError);
    expect(() => store.createUser({ userId: 'alice', publicKey: key(9) })).toThrow(DuplicateUserError);
    expect(store.outbox.queued(100)).toBe(before);
  });

  test('behavior: a rewind takes confirmed batches back out of the chain figures, to be sent again', () => {
    store.outbox.cutBatch(3);
    store.applyReport({ receipts: [receipt(1, 2, 64 * KiB)] });
    store.outbox.cutBatch(3);
    store.outbox.confirmBatch(1);
    store.outbox.confirmBatch(2);
    expect(store.userById('alice')!.chainUploaded).toBe(1000 + 64 * KiB);
    expect(store.outbox.rewind(1)).toBe(1);
    expect(store.userById('alice')).toMatchObject({ chainUploaded: 1000, uploaded: 1000 + 64 * KiB });
    expect(store.userById('bob')).toMatchObject({ chainDownloaded: 0, downloaded: 64 * KiB });
    expect(store.outbox.nextUnconfirmed()).toBe(2);
    expect(store.outbox.batch(2)!.confirmedAt).toBeNull();
    // A new contract starts from nothing: everything is sent again.
    store.outbox.setContract('0x1111111111111111111111111111111111111111', null);
    expect(store.outbox.state()).toMatchObject({ contract: '0x1111111111111111111111111111111111111111', confirmedSequence: 0 });
    expect(store.userById('alice')!.chainUploaded).toBe(0);
    expect(store.outbox.nextUnconfirmed()).toBe(1);
  });

  test('behavior: a contract is recorded with the block it was created in, kept per contract', () => {
    const [first, second] = ['0x1111111111111111111111111111111111111111', '0x2222222222222222222222222222222222222222'];
    expect(store.outbox.state().contractBlock).toBeNull();
    store.outbox.setContract(first, null, 42);
    expect(store.outbox.state()).toMatchObject({ contract: first, contractBlock: 42 });
    // Recorded without one (as before schema 5): none is known.
    store.outbox.setContract(second, null);
    expect(store.outbox.state()).toMatchObject({ contract: second, contractBlock: null });
    store.outbox.setContract(first, null);
    expect(store.outbox.state().contractBlock).toBe(42);
  });

  test('behavior: a migrated user registers with the migrated totals and no registration entry', () => {
    store.outbox.beginMigration('dave', '0xc0');
    expect(() => store.createUser({ userId: 'dave', publicKey: key(4) })).toThrow(DuplicateUserError);
    store.outbox.finishMigration('dave', { publicKey: key(4), uploaded: 500, downloaded: 200, txHash: '0x1' });
    expect(() => store.createUser({ userId: 'dave', publicKey: key(5) })).toThrow(DuplicateUserError);
    const queued = store.outbox.queued(100);
    const dave = store.createUser({ userId: 'dave', publicKey: key(4), uploaded: 1000 });
    expect(dave).toMatchObject({ uploaded: 500, downloaded: 200, chainUploaded: 500, chainDownloaded: 200 });
    expect(store.outbox.queued(100)).toBe(queued);
    expect(() => store.outbox.beginMigration('dave', '0xc0')).toThrow(DuplicateUserError);
    expect(() => store.outbox.beginMigration('alice', '0xc0')).toThrow(DuplicateUserError);
    // An aborted migration frees the id.
    store.outbox.beginMigration('erin', '0xc0');
    store.outbox.beginMigration('erin', '0xc0');
    store.outbox.abortMigration('erin');
    expect(store.createUser({ userId: 'erin', publicKey: key(6) }).uploaded).toBe(0);
  });

  test('behavior: listeners hear of committed entries only', () => {
    let calls = 0;
    const off = store.outbox.onChange(() => calls++);
    store.applyReport({ receipts: [receipt(1, 2)] });
    store.createUser({ userId: 'dave', publicKey: key(4) });
    expect(() => store.createUser({ userId: 'dave', publicKey: key(4) })).toThrow(DuplicateUserError);
    off();
    store.createUser({ userId: 'erin', publicKey: key(5) });
    expect(calls).toBe(2);
  });

  test('error: batches confirm in order, and only batches that were cut', () => {
    store.outbox.cutBatch(1);
    store.outbox.cutBatch(1);
    expect(() => store.outbox.confirmBatch(2)).toThrow(/cannot be confirmed after batch 0/);
    expect(() => store.outbox.cutBatch(0)).toThrow(/at least one entry/);
    store.outbox.confirmBatch(1);
    store.outbox.confirmBatch(2);
    expect(() => store.outbox.confirmBatch(3)).toThrow(/never cut/);
  });
});

describe('outbox schema migration', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pbts-outbox-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  test('behavior: users of a version 1 database enter the outbox with their totals', () => {
    const db = new Database(join(dataDir, STORE_FILE));
    db.exec(MIGRATIONS[0]!);
    db.pragma('user_version = 1');
    const insert = db.prepare('INSERT INTO users (user_id, public_key, passkey, uploaded, downloaded, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    insert.run('alice', key(1), 'a'.repeat(32), 5000, 0, 1);
    insert.run('bob', key(2), 'b'.repeat(32), 100, 700, 2);
    db.close();

    const store = openStore({ dataDir });
    store.outbox.cutBatch(100);
    expect(entries(store, 1)).toEqual([
      { userId: 'alice', kind: 'register', uploaded: 5000, downloaded: 0 },
      { userId: 'bob', kind: 'register', uploaded: 100, downloaded: 0 },
      { userId: 'bob', kind: 'update', uploaded: 0, downloaded: 700 },
    ]);
    store.close();
  });
});
