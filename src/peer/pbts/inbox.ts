/**
 * The uploader's receipt inbox: every receipt it accepted, in SQLite under its state folder,
 * until the tracker has answered for it. A receipt is committed before it counts for anything,
 * so a crash or a restart of the peer loses no credit; its id is the primary key, so a receipt
 * stored twice is kept once. Commits do not wait for the disk (WAL, `synchronous = NORMAL`):
 * an fsync per commit held the upload's event loop 4-6 ms per receipt on this project's VMs.
 * The log is synced to disk every few seconds instead (see `SYNC_EVERY_MS`), so a power cut
 * (not a crash of the process) loses at most the receipts of those last seconds.
 * @module
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type Receipt, receiptId } from '../../receipts/index.ts';

/** File of the inbox inside the state folder. */
export const INBOX_FILE = 'receipts.sqlite';

/** Where a stored receipt stands: waiting for a report, credited by the tracker, or given up. */
export type InboxState = 'pending' | 'credited' | 'dropped';

/** A receipt as the inbox keeps it. */
export interface StoredReceipt {
  /** Order of arrival (SQLite rowid): older receipts are reported first. */
  seq: number;
  id: Uint8Array;
  receipt: Receipt;
  /** When it was stored, ms since the epoch. */
  receivedAt: number;
}

/** After a commit, the log goes to disk (a checkpoint, which syncs it first) within this time. */
export const SYNC_EVERY_MS = 2000;

const SCHEMA_VERSION = 1;
const SCHEMA = `
CREATE TABLE receipts (
  id BLOB PRIMARY KEY,
  infohash BLOB NOT NULL,
  sender_pk BLOB NOT NULL,
  receiver_pk BLOB NOT NULL,
  piece_hash BLOB NOT NULL,
  piece_index INTEGER NOT NULL,
  piece_size INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  signature BLOB NOT NULL,
  received_at INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'credited', 'dropped')),
  reason TEXT
);
-- Rows of the index are ordered by (infohash, rowid): the oldest pending receipts come first.
CREATE INDEX receipts_pending ON receipts (infohash) WHERE state = 'pending';
CREATE INDEX receipts_epoch ON receipts (epoch);
`;

interface Row {
  seq: number;
  id: Buffer;
  infohash: Buffer;
  sender_pk: Buffer;
  receiver_pk: Buffer;
  piece_hash: Buffer;
  piece_index: number;
  piece_size: number;
  epoch: number;
  signature: Buffer;
  received_at: number;
}

const bytes = (buffer: Buffer) => new Uint8Array(buffer);

/** The inbox of one state folder; open with {@link Inbox.open}. */
export class Inbox {
  readonly #db: Database.Database;
  readonly #insert;
  readonly #list;
  readonly #count;
  readonly #oldest;
  readonly #last;
  readonly #mark;
  readonly #expire;
  readonly #prune;
  readonly #add;
  #sync: NodeJS.Timeout | undefined;

  /** Opens (creating) the inbox in `stateDir`. */
  static open(stateDir: string): Inbox {
    mkdirSync(stateDir, { recursive: true });
    // The timeout lets two peers of one state folder (two torrents) take turns at the write lock.
    const db = new Database(join(stateDir, INBOX_FILE), { timeout: 5000 });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) throw new Error(`receipt inbox schema ${version} is newer than this PBTS (${SCHEMA_VERSION}); upgrade PBTS`);
      if (version < SCHEMA_VERSION) {
        db.transaction(() => {
          db.exec(SCHEMA);
          db.pragma(`user_version = ${SCHEMA_VERSION}`);
        }).immediate();
      }
      return new Inbox(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  private constructor(db: Database.Database) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT OR IGNORE INTO receipts (id, infohash, sender_pk, receiver_pk, piece_hash, piece_index, piece_size, epoch, signature, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#list = db.prepare<[Uint8Array, string, number], Row>(
      `SELECT rowid AS seq, id, infohash, sender_pk, receiver_pk, piece_hash, piece_index, piece_size, epoch, signature, received_at
       FROM receipts WHERE infohash = ? AND state = ? ORDER BY rowid LIMIT ?`,
    );
    this.#count = db.prepare<[Uint8Array, number], { n: number }>(
      `SELECT count(*) AS n FROM receipts WHERE infohash = ? AND state = 'pending' AND rowid <= ?`,
    );
    this.#oldest = db.prepare<[Uint8Array], { at: number }>(
      `SELECT received_at AS at FROM receipts WHERE infohash = ? AND state = 'pending' ORDER BY rowid LIMIT 1`,
    );
    this.#last = db.prepare<[], { seq: number | null }>(`SELECT max(rowid) AS seq FROM receipts`);
    this.#mark = db.prepare(`UPDATE receipts SET state = ?, reason = ? WHERE id = ? AND state = 'pending'`);
    this.#expire = db.prepare(`UPDATE receipts SET state = 'dropped', reason = 'expired' WHERE infohash = ? AND state = 'pending' AND epoch < ?`);
    this.#prune = db.prepare(`DELETE FROM receipts WHERE state != 'pending' AND epoch < ?`);
    this.#add = db.transaction((receipts: readonly Receipt[], now: number) => {
      let added = 0;
      for (const r of receipts) {
        const row = [receiptId(r), r.infohash, r.senderPk, r.receiverPk, r.pieceHash, r.pieceIndex, r.pieceSize, r.epoch, r.signature, now];
        added += this.#insert.run(...row).changes;
      }
      return added;
    });
  }

  /** Stores `receipts` in one durable transaction; returns how many were new (duplicates are ignored). */
  add(receipts: readonly Receipt[], now = Date.now()): number {
    if (receipts.length === 0) return 0;
    const added = this.#add.immediate(receipts, now);
    this.#syncSoon();
    return added;
  }

  /** Up to `limit` receipts of torrent `infohash` in `state`, oldest first. */
  list(infohash: Uint8Array, state: InboxState, limit: number): StoredReceipt[] {
    return this.#list.all(infohash, state, limit).map((row) => ({
      seq: row.seq,
      id: bytes(row.id),
      receivedAt: row.received_at,
      receipt: {
        infohash: bytes(row.infohash),
        senderPk: bytes(row.sender_pk),
        receiverPk: bytes(row.receiver_pk),
        pieceHash: bytes(row.piece_hash),
        pieceIndex: row.piece_index,
        pieceSize: row.piece_size,
        epoch: row.epoch,
        signature: bytes(row.signature),
      },
    }));
  }

  /** Pending receipts of `infohash`, those stored up to `seq` only when given. */
  pendingCount(infohash: Uint8Array, seq = Number.MAX_SAFE_INTEGER): number {
    return this.#count.get(infohash, seq)!.n;
  }

  /** When the oldest pending receipt of `infohash` was stored (ms), if there is one. */
  oldestPending(infohash: Uint8Array): number | undefined {
    return this.#oldest.get(infohash)?.at;
  }

  /** The latest `seq` handed out (0 for an empty inbox). */
  lastSeq(): number {
    return this.#last.get()!.seq ?? 0;
  }

  /** Marks pending receipts done: credited, or dropped for `reason`. */
  settle(ids: readonly Uint8Array[], state: 'credited' | 'dropped', reason: string | null = null): void {
    this.#db.transaction(() => {
      for (const id of ids) this.#mark.run(state, reason, id);
    }).immediate();
  }

  /** Drops the pending receipts of `infohash` older than `oldestEpoch`, which no tracker takes any more; returns how many. */
  expire(infohash: Uint8Array, oldestEpoch: number): number {
    return this.#expire.run(infohash, oldestEpoch).changes;
  }

  /** Forgets answered receipts of epochs before `epoch`; their ids can no longer come back as new. */
  prune(epoch: number): number {
    return this.#prune.run(epoch).changes;
  }

  /** Closes the inbox (closing checkpoints the log: what was stored is on disk). */
  close(): void {
    clearTimeout(this.#sync);
    this.#db.close();
  }

  #syncSoon(): void {
    if (this.#sync) return;
    this.#sync = setTimeout(() => {
      this.#sync = undefined;
      this.#db.pragma('wal_checkpoint(PASSIVE)');
    }, SYNC_EVERY_MS);
    this.#sync.unref();
  }
}
