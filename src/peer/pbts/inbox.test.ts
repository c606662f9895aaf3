import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { getBackend, keyPairFromSeed, type Receipt, receiptId, signReceipt } from '../../receipts/index.ts';
import { Inbox, INBOX_FILE } from './inbox.ts';

const bls = getBackend('blst');
const uploader = keyPairFromSeed(bls, 'inbox-uploader');
const downloader = keyPairFromSeed(bls, 'inbox-downloader');
const TORRENT = new Uint8Array(20).fill(1);
const OTHER = new Uint8Array(20).fill(2);

function receipt(index: number, epoch = 500_000, infohash = TORRENT): Receipt {
  const fields = { infohash, senderPk: uploader.publicKey, receiverPk: downloader.publicKey, pieceHash: new Uint8Array(32).fill(index), pieceIndex: index, pieceSize: 16384, epoch };
  return signReceipt(bls, fields, downloader.secretKey);
}

const dirs: string[] = [];
const opened: Inbox[] = [];
function open(dir = mkdtempSync(join(tmpdir(), 'pbts-inbox-'))): { inbox: Inbox; dir: string } {
  dirs.push(dir);
  const inbox = Inbox.open(dir);
  opened.push(inbox);
  return { inbox, dir };
}
afterEach(() => {
  for (const inbox of opened.splice(0)) {
    try {
      inbox.close();
    } catch {
      // closed by the test
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('Inbox', () => {
  test('default', () => {
    const { inbox } = open();
    const receipts = [receipt(0), receipt(1), receipt(2)];
    expect(inbox.add(receipts, 1000)).toBe(3);
    expect(inbox.pendingCount(TORRENT)).toBe(3);
    expect(inbox.oldestPending(TORRENT)).toBe(1000);
    const pending = inbox.list(TORRENT, 'pending', 2);
    expect(pending.map((stored) => stored.receipt)).toEqual(receipts.slice(0, 2));
    expect(pending[0]!.id).toEqual(receiptId(receipts[0]!));
    inbox.settle([pending[0]!.id, pending[1]!.id], 'credited');
    expect(inbox.list(TORRENT, 'pending', 10).map((stored) => stored.receipt.pieceIndex)).toEqual([2]);
    expect(inbox.list(TORRENT, 'credited', 10).map((stored) => stored.receipt.pieceIndex)).toEqual([0, 1]);
    inbox.settle([pending[0]!.id], 'dropped', 'late');
    expect(inbox.list(TORRENT, 'dropped', 10)).toEqual([]);
  });

  test('behavior: a receipt stored twice is kept once, even after it was answered', () => {
    const { inbox } = open();
    expect(inbox.add([receipt(0), receipt(0)])).toBe(1);
    inbox.settle([receiptId(receipt(0))], 'credited');
    expect(inbox.add([receipt(0), receipt(1)])).toBe(1);
    expect(inbox.pendingCount(TORRENT)).toBe(1);
  });

  test('behavior: pending receipts survive closing and reopening, in WAL mode with synchronous FULL', () => {
    const { inbox, dir } = open();
    inbox.add([receipt(0), receipt(1)]);
    inbox.close();
    const again = open(dir).inbox;
    expect(again.list(TORRENT, 'pending', 10).map((stored) => stored.receipt)).toEqual([receipt(0), receipt(1)]);
    const db = new Database(join(dir, INBOX_FILE), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  test('behavior: counts up to a seq, per torrent; old receipts expire and answered ones are pruned', () => {
    const { inbox } = open();
    inbox.add([receipt(0, 100), receipt(1, 200), receipt(2, 300, OTHER)]);
    const seq = inbox.lastSeq();
    inbox.add([receipt(3, 300)]);
    expect(inbox.pendingCount(TORRENT, seq)).toBe(2);
    expect(inbox.pendingCount(TORRENT)).toBe(3);
    expect(inbox.pendingCount(OTHER)).toBe(1);
    expect(inbox.expire(TORRENT, 200)).toBe(1);
    expect(inbox.list(TORRENT, 'dropped', 10).map((stored) => stored.receipt.pieceIndex)).toEqual([0]);
    expect(inbox.prune(150)).toBe(1);
    expect(inbox.prune(1000)).toBe(0);
  });

  test('error: an inbox written by a newer PBTS is refused', () => {
    const { inbox, dir } = open();
    inbox.close();
    const db = new Database(join(dir, INBOX_FILE));
    db.pragma('user_version = 99');
    db.close();
    expect(() => Inbox.open(dir)).toThrow(/newer/);
  });
});
