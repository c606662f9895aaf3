/**
 * The chain {@link Outbox} on the store's SQLite database: entries are written by the store's own
 * transactions (registration, report), batches are cut and confirmed in IMMEDIATE transactions,
 * so the log and the users' chain figures never disagree, whatever crashes when.
 * @module
 */
import type Database from 'better-sqlite3';
import {
  type BatchProof,
  type ChainBatch,
  type ChainState,
  DuplicateUserError,
  type MigratedRecord,
  type Outbox,
  type OutboxEntry,
  type OutboxStats,
} from './types.ts';

interface BatchRow {
  sequence: number;
  entries: number;
  created_at: number;
  tx_hash: string | null;
  block_number: number | null;
  confirmed_at: number | null;
}

interface EntryRow {
  entry_id: number;
  user_id: string;
  kind: 'register' | 'update';
  public_key: Buffer;
  uploaded: number;
  downloaded: number;
}

interface StateRow {
  factory: string | null;
  contract: string | null;
  referrer: string | null;
  confirmed_sequence: number;
  created_block: number | null;
}

/** A finished migration as registration needs it. */
export interface MigrationRow {
  status: 'pending' | 'done';
  public_key: Buffer | null;
  uploaded: number | null;
  downloaded: number | null;
}

function toBatch(row: BatchRow): ChainBatch {
  return {
    sequence: row.sequence,
    entries: row.entries,
    createdAt: row.created_at,
    txHash: row.tx_hash,
    blockNumber: row.block_number,
    confirmedAt: row.confirmed_at,
  };
}

// Adds (sign 1) or removes (sign -1) the entries of the batches in [from, to] to users' chain figures.
const MOVE_CHAIN_FIGURES = `
  UPDATE users SET chain_uploaded = chain_uploaded + :sign * t.up,
                   chain_downloaded = chain_downloaded + :sign * t.down
  FROM (SELECT user_id, sum(uploaded) AS up, sum(downloaded) AS down FROM chain_outbox
        WHERE sequence BETWEEN :from AND :to GROUP BY user_id) AS t
  WHERE users.user_id = t.user_id`;

/** The outbox of one open database; the store calls the `record*` methods inside its transactions. */
export class SqliteOutbox implements Outbox {
  private readonly listeners = new Set<() => void>();
  private readonly insertEntry;
  private readonly countQueued;
  private readonly selectQueuedTail;
  private readonly assignBatch;
  private readonly insertBatch;
  private readonly selectBatch;
  private readonly selectLastSequence;
  private readonly selectEntries;
  private readonly selectNextUnconfirmed;
  private readonly markConfirmed;
  private readonly markUnconfirmed;
  private readonly moveFigures;
  private readonly selectState;
  private readonly updateConfirmed;
  private readonly updateFactory;
  private readonly updateContract;
  private readonly recordContractBlock;
  private readonly countUnconfirmedEntries;
  private readonly countUnconfirmedBatches;
  private readonly selectMigration;
  private readonly insertMigration;
  private readonly completeMigration;
  private readonly deleteMigration;
  private readonly selectUserExists;
  private readonly cutTransaction;
  private readonly confirmTransaction;
  private readonly rewindTransaction;
  private readonly contractTransaction;
  private readonly beginMigrationTransaction;

  constructor(db: Database.Database) {
    this.insertEntry = db.prepare<[string, string, number, number]>(
      'INSERT INTO chain_outbox (user_id, kind, uploaded, downloaded) VALUES (?, ?, ?, ?)',
    );
    this.countQueued = db
      .prepare<[number], number>('SELECT count(*) FROM (SELECT 1 FROM chain_outbox WHERE sequence IS NULL LIMIT ?)')
      .pluck();
    this.selectQueuedTail = db
      .prepare<[number], number>(
        'SELECT max(entry_id) FROM (SELECT entry_id FROM chain_outbox WHERE sequence IS NULL ORDER BY entry_id LIMIT ?)',
      )
      .pluck();
    this.assignBatch = db.prepare<[number, number]>(
      'UPDATE chain_outbox SET sequence = ? WHERE sequence IS NULL AND entry_id <= ?',
    );
    this.insertBatch = db.prepare<[number, number, number]>(
      'INSERT INTO chain_batches (sequence, entries, created_at) VALUES (?, ?, ?)',
    );
    this.selectBatch = db.prepare<[number], BatchRow>('SELECT * FROM chain_batches WHERE sequence = ?');
    this.selectLastSequence = db.prepare<[], number>('SELECT coalesce(max(sequence), 0) FROM chain_batches').pluck();
    this.selectEntries = db.prepare<[number], EntryRow>(
      `SELECT o.entry_id, o.user_id, o.kind, u.public_key, o.uploaded, o.downloaded
       FROM chain_outbox o JOIN users u ON u.user_id = o.user_id
       WHERE o.sequence = ? ORDER BY o.entry_id`,
    );
    this.selectNextUnconfirmed = db
      .prepare<[], number>('SELECT min(sequence) FROM chain_batches WHERE confirmed_at IS NULL')
      .pluck();
    this.markConfirmed = db.prepare<[string | null, number | null, number, number]>(
      'UPDATE chain_batches SET tx_hash = ?, block_number = ?, confirmed_at = ? WHERE sequence = ?',
    );
    this.markUnconfirmed = db.prepare<[number]>(
      'UPDATE chain_batches SET tx_hash = NULL, block_number = NULL, confirmed_at = NULL WHERE sequence > ?',
    );
    this.moveFigures = db.prepare<{ sign: number; from: number; to: number }>(MOVE_CHAIN_FIGURES);
    this.selectState = db.prepare<[], StateRow>(
      `SELECT s.factory, s.contract, s.referrer, s.confirmed_sequence, c.created_block
       FROM chain_state s LEFT JOIN chain_contracts c ON c.contract = s.contract WHERE s.id = 1`,
    );
    this.updateConfirmed = db.prepare<[number]>('UPDATE chain_state SET confirmed_sequence = ? WHERE id = 1');
    this.updateFactory = db.prepare<[string]>('UPDATE chain_state SET factory = ? WHERE id = 1');
    this.updateContract = db.prepare<[string, string | null]>(
      'UPDATE chain_state SET contract = ?, referrer = ? WHERE id = 1',
    );
    this.recordContractBlock = db.prepare<[string, number]>(
      'INSERT OR REPLACE INTO chain_contracts (contract, created_block) VALUES (?, ?)',
    );
    this.countUnconfirmedEntries = db
      .prepare<[number], number>('SELECT count(*) FROM chain_outbox WHERE sequence IS NULL OR sequence > ?')
      .pluck();
    this.countUnconfirmedBatches = db
      .prepare<[], number>('SELECT count(*) FROM chain_batches WHERE confirmed_at IS NULL')
      .pluck();
    this.selectMigration = db.prepare<[string], MigrationRow>(
      'SELECT status, public_key, uploaded, downloaded FROM chain_migrations WHERE user_id = ?',
    );
    this.insertMigration = db.prepare<[string, string]>(
      "INSERT INTO chain_migrations (user_id, contract, status) VALUES (?, ?, 'pending')",
    );
    this.completeMigration = db.prepare<[Uint8Array, number, number, string | null, number, string]>(
      `UPDATE chain_migrations SET status = 'done', public_key = ?, uploaded = ?, downloaded = ?, tx_hash = ?,
       migrated_at = ? WHERE user_id = ? AND status = 'pending'`,
    );
    this.deleteMigration = db.prepare<[string]>("DELETE FROM chain_migrations WHERE user_id = ? AND status = 'pending'");
    this.selectUserExists = db.prepare<[string], number>('SELECT 1 FROM users WHERE user_id = ?').pluck();

    this.cutTransaction = db.transaction((maxEntries: number, now: number): ChainBatch | undefined => {
      const tail = this.selectQueuedTail.get(maxEntries);
      if (tail === null || tail === undefined) return undefined;
      const sequence = this.selectLastSequence.get()! + 1;
      // The batch row first: the entries' foreign key points at it.
      this.insertBatch.run(sequence, this.countQueued.get(maxEntries)!, now);
      this.assignBatch.run(sequence, tail);
      return this.batch(sequence);
    });
    this.confirmTransaction = db.transaction((sequence: number, proof: BatchProof) => {
      const confirmed = this.selectState.get()!.confirmed_sequence;
      if (sequence !== confirmed + 1) {
        throw new Error(`batch ${sequence} cannot be confirmed after batch ${confirmed}: batches confirm in order`);
      }
      const changed = this.markConfirmed.run(proof.txHash ?? null, proof.blockNumber ?? null, proof.now ?? Date.now(), sequence);
      if (changed.changes !== 1) throw new Error(`batch ${sequence} was never cut`);
      this.moveFigures.run({ sign: 1, from: sequence, to: sequence });
      this.updateConfirmed.run(sequence);
    });
    this.rewindTransaction = db.transaction((sequence: number): number => {
      const confirmed = this.selectState.get()!.confirmed_sequence;
      if (sequence >= confirmed) return 0;
      this.moveFigures.run({ sign: -1, from: sequence + 1, to: confirmed });
      this.markUnconfirmed.run(sequence);
      this.updateConfirmed.run(sequence);
      return confirmed - sequence;
    });
    this.contractTransaction = db.transaction((contract: string, referrer: string | null, createdBlock: number | undefined) => {
      this.rewindTransaction(0);
      this.updateContract.run(contract, referrer);
      if (createdBlock !== undefined) this.recordContractBlock.run(contract, createdBlock);
    });
    this.beginMigrationTransaction = db.transaction((userId: string, contract: string) => {
      const migration = this.selectMigration.get(userId);
      if (this.selectUserExists.get(userId) !== undefined || migration?.status === 'done') {
        throw new DuplicateUserError('user_id');
      }
      // A pending row is an earlier attempt whose outcome was unknown: this one settles it.
      if (migration === undefined) this.insertMigration.run(userId, contract);
    });
  }

  /** Queues the registration of `userId` with its initial credit (inside the store's transaction). */
  recordRegistration(userId: string, uploaded: number): void {
    this.insertEntry.run(userId, 'register', uploaded, 0);
  }

  /** Queues a user's share of a report (inside the store's transaction). */
  recordUpdate(userId: string, uploaded: number, downloaded: number): void {
    this.insertEntry.run(userId, 'update', uploaded, downloaded);
  }

  /** The migration of `userId`, if one was begun. */
  migrationOf(userId: string): MigrationRow | undefined {
    return this.selectMigration.get(userId);
  }

  /** Tells the listeners that entries were committed. */
  notify(): void {
    for (const listener of this.listeners) listener();
  }

  queued(limit: number): number {
    return this.countQueued.get(limit)!;
  }

  cutBatch(maxEntries: number, now = Date.now()): ChainBatch | undefined {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new Error('a batch holds at least one entry');
    return this.cutTransaction.immediate(maxEntries, now);
  }

  batch(sequence: number): ChainBatch | undefined {
    const row = this.selectBatch.get(sequence);
    return row && toBatch(row);
  }

  batchEntries(sequence: number): OutboxEntry[] {
    return this.selectEntries.all(sequence).map((row) => ({
      entryId: row.entry_id,
      userId: row.user_id,
      kind: row.kind,
      publicKey: new Uint8Array(row.public_key),
      uploaded: row.uploaded,
      downloaded: row.downloaded,
    }));
  }

  nextUnconfirmed(): number | undefined {
    return this.selectNextUnconfirmed.get() ?? undefined;
  }

  confirmBatch(sequence: number, proof: BatchProof = {}): void {
    this.confirmTransaction.immediate(sequence, proof);
  }

  rewind(sequence: number): number {
    return this.rewindTransaction.immediate(Math.max(0, sequence));
  }

  state(): ChainState {
    const row = this.selectState.get()!;
    return {
      factory: row.factory,
      contract: row.contract,
      referrer: row.referrer,
      contractBlock: row.created_block,
      confirmedSequence: row.confirmed_sequence,
      lastSequence: this.selectLastSequence.get()!,
    };
  }

  setFactory(factory: string): void {
    this.updateFactory.run(factory);
  }

  setContract(contract: string, referrer: string | null, createdBlock?: number): void {
    this.contractTransaction.immediate(contract, referrer, createdBlock);
  }

  stats(): OutboxStats {
    const confirmedSequence = this.selectState.get()!.confirmed_sequence;
    return {
      pendingEntries: this.countUnconfirmedEntries.get(confirmedSequence)!,
      queuedEntries: this.countQueued.get(Number.MAX_SAFE_INTEGER)!,
      pendingBatches: this.countUnconfirmedBatches.get()!,
      confirmedSequence,
    };
  }

  beginMigration(userId: string, contract: string): void {
    this.beginMigrationTransaction.immediate(userId, contract);
  }

  finishMigration(userId: string, record: MigratedRecord, now = Date.now()): void {
    const changed = this.completeMigration.run(record.publicKey, record.uploaded, record.downloaded, record.txHash, now, userId);
    if (changed.changes !== 1) throw new Error(`no migration of ${userId} is pending`);
  }

  abortMigration(userId: string): void {
    this.deleteMigration.run(userId);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
