import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  AlreadySpentError,
  DuplicateUserError,
  ExpiredReceiptError,
  InvalidReportError,
  openStore,
  SCHEMA_VERSION,
  type SpendReceipt,
  type Store,
  STORE_FILE,
  UnknownKeyError,
} from './index.ts';

const key = (n: number) => new Uint8Array(48).fill(n);
const id = () => new Uint8Array(randomBytes(32));
const KiB = 1024;

function receipt(sender: number, receiver: number, pieceSize = 16 * KiB, epoch = 100): SpendReceipt {
  return { id: id(), epoch, senderPk: key(sender), receiverPk: key(receiver), pieceSize };
}

describe('memory store', () => {
  let store: Store;
  beforeEach(() => {
    store = openStore({ dataDir: ':memory:' });
    store.createUser({ userId: 'alice', publicKey: key(1), uploaded: 1000, now: 5 });
    store.createUser({ userId: 'bob', publicKey: key(2) });
    store.createUser({ userId: 'carol', publicKey: key(3) });
  });
  afterEach(() => store.close());

  test('default', () => {
    const alice = store.userById('alice')!;
    expect(alice).toMatchObject({ userId: 'alice', uploaded: 1000, downloaded: 0, createdAt: 5 });
    expect(alice.publicKey).toEqual(key(1));
    expect(alice.passkey).toMatch(/^[0-9a-f]{32}$/);
    expect(store.userByPublicKey(key(1))?.userId).toBe('alice');
    expect(store.userByPasskey(alice.passkey)?.userId).toBe('alice');
    expect(store.userById('nobody')).toBeUndefined();
    expect(store.userByPublicKey(key(9))).toBeUndefined();
    expect(store.userByPasskey('0'.repeat(32))).toBeUndefined();
    expect(store.stats()).toEqual({ users: 3, uploaded: 1000, downloaded: 0, spentIds: 0, reports: 0 });
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
  });

  test('behavior: passkeys differ between users', () => {
    expect(store.userById('alice')!.passkey).not.toBe(store.userById('bob')!.passkey);
  });

  test('error: duplicate user id or public key', () => {
    const before = store.stats();
    expect(() => store.createUser({ userId: 'alice', publicKey: key(7) })).toThrow(
      expect.objectContaining({ name: 'DuplicateUserError', field: 'user_id' }),
    );
    expect(() => store.createUser({ userId: 'dave', publicKey: key(1) })).toThrow(DuplicateUserError);
    expect(() => store.createUser({ userId: 'dave', publicKey: key(1) })).toThrow(
      expect.objectContaining({ field: 'public_key' }),
    );
    expect(store.stats()).toEqual(before);
  });

  test('behavior: applyReport credits the sender, debits each receiver, records the ledger', () => {
    const receipts = [receipt(1, 2, 16 * KiB), receipt(1, 3, 32 * KiB), receipt(1, 2, 64 * KiB)];
    const outcome = store.applyReport({ receipts, now: 42 });
    expect(outcome).toMatchObject({ reportId: 1, accepted: 3, creditedBytes: 112 * KiB });
    expect(outcome.sender).toMatchObject({ userId: 'alice', uploaded: 1000 + 112 * KiB, downloaded: 0 });
    expect(outcome.receivers.map((u) => [u.userId, u.uploaded, u.downloaded])).toEqual([
      ['bob', 0, 80 * KiB],
      ['carol', 0, 32 * KiB],
    ]);
    expect(store.userById('bob')!.downloaded).toBe(80 * KiB);
    for (const r of receipts) expect(store.isSpent(r.id)).toBe(true);
    expect(store.ledger()).toEqual([
      { reportId: 1, senderUserId: 'alice', receipts: 3, creditedBytes: 112 * KiB, appliedAt: 42 },
    ]);
    expect(store.stats()).toEqual({
      users: 3,
      uploaded: 1000 + 112 * KiB,
      downloaded: 112 * KiB,
      spentIds: 3,
      reports: 1,
    });
  });

  test('error: an already spent id fails the whole report and changes nothing', () => {
    const spent = receipt(1, 2);
    store.applyReport({ receipts: [spent] });
    const before = store.stats();
    const fresh = receipt(1, 3);
    let error: unknown;
    try {
      store.applyReport({ receipts: [fresh, { ...spent, pieceSize: 64 * KiB }] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AlreadySpentError);
    expect((error as AlreadySpentError).index).toBe(1);
    expect((error as AlreadySpentError).id).toEqual(spent.id);
    expect(store.isSpent(fresh.id)).toBe(false);
    expect(store.stats()).toEqual(before);
    expect(store.userById('carol')!.downloaded).toBe(0);
  });

  test('error: the same id twice in one report is spent once at most', () => {
    const r = receipt(1, 2);
    expect(() => store.applyReport({ receipts: [r, r] })).toThrow(
      expect.objectContaining({ name: 'AlreadySpentError', index: 1 }),
    );
    expect(store.isSpent(r.id)).toBe(false);
    expect(store.stats().spentIds).toBe(0);
  });

  test('error: unknown sender or receiver changes nothing', () => {
    const before = store.stats();
    const unknownReceiver = receipt(1, 9);
    expect(() => store.applyReport({ receipts: [receipt(1, 2), unknownReceiver] })).toThrow(
      expect.objectContaining({ name: 'UnknownKeyError', role: 'receiver', index: 1 }),
    );
    expect(() => store.applyReport({ receipts: [receipt(9, 2)] })).toThrow(UnknownKeyError);
    expect(store.stats()).toEqual(before);
  });

  test('error: empty report or mixed senders', () => {
    expect(() => store.applyReport({ receipts: [] })).toThrow(InvalidReportError);
    expect(() => store.applyReport({ receipts: [receipt(1, 3), receipt(2, 3)] })).toThrow(
      'receipt 1 has another sender',
    );
    expect(store.stats().spentIds).toBe(0);
  });

  test('behavior: gcSpent forgets only epochs below the one kept', () => {
    const old = receipt(1, 2, 16 * KiB, 10);
    const kept = receipt(1, 2, 16 * KiB, 11);
    const newer = receipt(1, 2, 16 * KiB, 12);
    store.applyReport({ receipts: [old, kept, newer] });
    expect(store.gcSpent(11)).toBe(1);
    expect(store.isSpent(old.id)).toBe(false);
    expect(store.isSpent(kept.id)).toBe(true);
    expect(store.isSpent(newer.id)).toBe(true);
    expect(store.gcSpent(11)).toBe(0);
    // Collecting ids never touches the credits they earned.
    expect(store.userById('alice')!.uploaded).toBe(1000 + 48 * KiB);

    // At most `limit` per call (epoch 10 is below the horizon now: refused, see the file store).
    const more = Array.from({ length: 4 }, () => receipt(1, 2, 16 * KiB, 11));
    store.applyReport({ receipts: more });
    expect(store.gcSpent(12, 3)).toBe(3);
    expect(store.gcSpent(12, 3)).toBe(2);
  });
});

describe('file store', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pbts-store-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  test('behavior: a WAL file with the schema version', () => {
    openStore({ dataDir }).close();
    const db = new Database(join(dataDir, STORE_FILE));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
    const store = openStore({ dataDir });
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    store.close();
  });

  test('behavior: a reopened store still knows users and spent ids', () => {
    const first = openStore({ dataDir: join(dataDir, 'nested') });
    const alice = first.createUser({ userId: 'alice', publicKey: key(1) });
    first.createUser({ userId: 'bob', publicKey: key(2) });
    const r = receipt(1, 2);
    first.applyReport({ receipts: [r] });
    first.close();

    const second = openStore({ dataDir: join(dataDir, 'nested') });
    expect(second.isSpent(r.id)).toBe(true);
    expect(second.userByPasskey(alice.passkey)?.uploaded).toBe(16 * KiB);
    expect(() => second.applyReport({ receipts: [r] })).toThrow(AlreadySpentError);
    second.close();
  });

  test('behavior: two connections to one file never spend an id twice', () => {
    const tracker = openStore({ dataDir });
    tracker.createUser({ userId: 'alice', publicKey: key(1) });
    tracker.createUser({ userId: 'bob', publicKey: key(2) });
    const other = openStore({ dataDir });
    const r = receipt(1, 2);
    tracker.applyReport({ receipts: [r] });
    expect(() => other.applyReport({ receipts: [r] })).toThrow(AlreadySpentError);
    expect(other.userById('alice')!.uploaded).toBe(16 * KiB);
    other.close();
    tracker.close();
  });

  test('behavior: collecting raises the spent-id horizon, durably, and a collected receipt is refused after reopening', () => {
    const first = openStore({ dataDir });
    first.createUser({ userId: 'alice', publicKey: key(1) });
    first.createUser({ userId: 'bob', publicKey: key(2) });
    expect(first.spentHorizon()).toBe(0);
    const old = receipt(1, 2, 16 * KiB, 10);
    first.applyReport({ receipts: [old] });
    expect(first.gcSpent(12)).toBe(1);
    expect(first.spentHorizon()).toBe(12);
    // Never lowered by a collection with an older bound (a larger window).
    first.gcSpent(5);
    expect(first.spentHorizon()).toBe(12);
    first.close();

    const second = openStore({ dataDir });
    expect(second.spentHorizon()).toBe(12);
    expect(second.isSpent(old.id)).toBe(false);
    const before = second.stats();
    expect(() => second.applyReport({ receipts: [receipt(1, 2, 16 * KiB, 12), old] })).toThrow(ExpiredReceiptError);
    expect(() => second.applyReport({ receipts: [old] })).toThrow(expect.objectContaining({ index: 0, epoch: 10, horizon: 12 }));
    expect(second.stats()).toEqual(before);
    expect(second.applyReport({ receipts: [receipt(1, 2, 16 * KiB, 12)] }).accepted).toBe(1);
    second.close();
  });

  test('behavior: a store collected before the horizon existed starts at its oldest kept epoch', () => {
    const first = openStore({ dataDir });
    first.createUser({ userId: 'alice', publicKey: key(1) });
    first.createUser({ userId: 'bob', publicKey: key(2) });
    first.applyReport({ receipts: [receipt(1, 2, 16 * KiB, 40), receipt(1, 2, 16 * KiB, 41)] });
    first.close();
    // Back to schema 2, as an older tracker left it.
    const db = new Database(join(dataDir, STORE_FILE));
    db.exec('DROP TABLE spent_horizon');
    db.pragma('user_version = 2');
    db.close();
    const second = openStore({ dataDir });
    expect(second.spentHorizon()).toBe(40);
    second.close();
  });

  test('behavior: snatch counts are kept per torrent, only ever raised, and survive reopening', () => {
    const [a, b] = [new Uint8Array(20).fill(1), new Uint8Array(20).fill(2)];
    const first = openStore({ dataDir });
    expect(first.snatches(a)).toBe(0);
    first.recordSnatches([{ infohash: a, downloaded: 3 }, { infohash: b, downloaded: 1 }]);
    // A total written late (or twice) never lowers or adds to the count.
    first.recordSnatches([{ infohash: a, downloaded: 2 }, { infohash: b, downloaded: 1 }]);
    expect([first.snatches(a), first.snatches(b)]).toEqual([3, 1]);
    first.recordSnatches([{ infohash: a, downloaded: 4 }]);
    first.close();
    const second = openStore({ dataDir });
    expect([second.snatches(a), second.snatches(b)]).toEqual([4, 1]);
    expect(() => second.recordSnatches([{ infohash: new Uint8Array(19), downloaded: 1 }])).toThrow(/CHECK constraint/);
    expect(second.snatches(a)).toBe(4);
    second.close();
  });

  test('error: a database from a newer schema is refused', () => {
    openStore({ dataDir }).close();
    const db = new Database(join(dataDir, STORE_FILE));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openStore({ dataDir })).toThrow(/newer than this tracker/);
  });
});
