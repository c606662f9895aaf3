/**
 * The {@link Store} on embedded SQLite (better-sqlite3): one file `<dataDir>/pbts.sqlite` in WAL
 * mode, every statement prepared once, every registration and report applied in one IMMEDIATE
 * transaction together with its chain outbox entries.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteOutbox } from './outbox.ts';
import { migrate } from './schema.ts';
import {
  AlreadySpentError,
  DuplicateUserError,
  ExpiredReceiptError,
  InvalidReportError,
  InviteRefusedError,
  type InviteRecord,
  type LedgerEntry,
  type NewInvite,
  type NewUser,
  type ReportInput,
  type ReportOutcome,
  type SnatchCount,
  type Store,
  type StoreStats,
  UnknownKeyError,
  type UserRecord,
  inviteUnusable,
} from './types.ts';

/** Name of the database file inside the data directory. */
export const STORE_FILE = 'pbts.sqlite';

/** Where the store lives. */
export interface StoreOptions {
  /** Directory holding {@link STORE_FILE} (created if missing), or `':memory:'` for unit tests. */
  dataDir: string;
}

interface UserRow {
  user_id: string;
  public_key: Buffer;
  passkey: string;
  uploaded: number;
  downloaded: number;
  chain_uploaded: number;
  chain_downloaded: number;
  created_at: number;
}

interface LedgerRow {
  report_id: number;
  sender_user_id: string;
  receipts: number;
  credited_bytes: number;
  applied_at: number;
}

interface InviteRow {
  invite_id: number;
  note: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  used_at: number | null;
  used_by: string | null;
}

const INVITE_COLUMNS = 'invite_id, note, created_at, expires_at, revoked_at, used_at, used_by';

function toInvite(row: InviteRow): InviteRecord {
  return {
    inviteId: row.invite_id,
    note: row.note,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    usedAt: row.used_at,
    usedBy: row.used_by,
  };
}

const USER_COLUMNS = 'user_id, public_key, passkey, uploaded, downloaded, chain_uploaded, chain_downloaded, created_at';

function toUser(row: UserRow): UserRecord {
  return {
    userId: row.user_id,
    publicKey: new Uint8Array(row.public_key),
    passkey: row.passkey,
    uploaded: row.uploaded,
    downloaded: row.downloaded,
    chainUploaded: row.chain_uploaded,
    chainDownloaded: row.chain_downloaded,
    createdAt: row.created_at,
  };
}

/** Opens (creating and migrating as needed) the store under `options.dataDir`. */
export function openStore(options: StoreOptions): Store {
  let filename = ':memory:';
  if (options.dataDir !== ':memory:') {
    mkdirSync(options.dataDir, { recursive: true });
    filename = join(options.dataDir, STORE_FILE);
  }
  // The timeout lets a second process (a CLI next to the tracker) wait for the write lock.
  const db = new Database(filename, { timeout: 5000 });
  try {
    db.pragma('journal_mode = WAL');
    // FULL, not NORMAL: in WAL mode NORMAL skips the fsync at commit, so a power loss after the
    // HTTP answer could forget spent ids and credits that the reporter was told were applied.
    // One fsync per report (up to 1024 receipts) is cheap next to its BLS verification.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    const schemaVersion = migrate(db);
    return new SqliteStore(db, schemaVersion);
  } catch (error) {
    db.close();
    throw error;
  }
}

class SqliteStore implements Store {
  readonly outbox: SqliteOutbox;
  private readonly insertUser;
  private readonly selectById;
  private readonly selectByKey;
  private readonly selectByPasskey;
  private readonly insertSpent;
  private readonly selectSpent;
  private readonly deleteSpentBefore;
  private readonly selectHorizon;
  private readonly raiseHorizon;
  private readonly collectTransaction;
  private readonly moveBytes;
  private readonly insertLedger;
  private readonly selectLedger;
  private readonly selectUserTotals;
  private readonly countSpent;
  private readonly countReports;
  private readonly applyTransaction;
  private readonly createTransaction;
  private readonly insertInvite;
  private readonly selectInviteByHash;
  private readonly selectInviteById;
  private readonly selectInvites;
  private readonly useInvite;
  private readonly revokeInviteStatement;
  private readonly selectSnatches;
  private readonly recordSnatchesTransaction;

  constructor(
    private readonly db: Database.Database,
    readonly schemaVersion: number,
  ) {
    this.outbox = new SqliteOutbox(db);
    this.insertUser = db.prepare<[string, Uint8Array, string, number, number, number, number, number]>(
      `INSERT INTO users (user_id, public_key, passkey, uploaded, downloaded, chain_uploaded, chain_downloaded, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.selectById = db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE user_id = ?`);
    this.selectByKey = db.prepare<[Uint8Array], UserRow>(
      `SELECT ${USER_COLUMNS} FROM users WHERE public_key = ?`,
    );
    this.selectByPasskey = db.prepare<[string], UserRow>(
      `SELECT ${USER_COLUMNS} FROM users WHERE passkey = ?`,
    );
    // DO NOTHING + `changes` is the check and the spend in one statement.
    this.insertSpent = db.prepare<[Uint8Array, number]>(
      'INSERT INTO spent (id, epoch) VALUES (?, ?) ON CONFLICT (id) DO NOTHING',
    );
    this.selectSpent = db.prepare<[Uint8Array], number>('SELECT 1 FROM spent WHERE id = ?').pluck();
    this.deleteSpentBefore = db.prepare<[number, number]>(
      'DELETE FROM spent WHERE id IN (SELECT id FROM spent WHERE epoch < ? LIMIT ?)',
    );
    this.selectHorizon = db.prepare<[], number>('SELECT oldest_epoch FROM spent_horizon WHERE id = 1').pluck();
    this.raiseHorizon = db.prepare<[number]>('UPDATE spent_horizon SET oldest_epoch = max(oldest_epoch, ?) WHERE id = 1');
    // The horizon rises before any id goes, in the same transaction: no moment (nor crash) where
    // an id is forgotten but its epoch still accepted.
    this.collectTransaction = db.transaction((oldestEpochToKeep: number, limit: number) => {
      this.raiseHorizon.run(oldestEpochToKeep);
      return this.deleteSpentBefore.run(oldestEpochToKeep, limit).changes;
    });
    this.moveBytes = db.prepare<[number, number, string]>(
      'UPDATE users SET uploaded = uploaded + ?, downloaded = downloaded + ? WHERE user_id = ?',
    );
    this.insertLedger = db.prepare<[string, number, number, number]>(
      'INSERT INTO reports (sender_user_id, receipts, credited_bytes, applied_at) VALUES (?, ?, ?, ?)',
    );
    this.selectLedger = db.prepare<[number], LedgerRow>(
      `SELECT report_id, sender_user_id, receipts, credited_bytes, applied_at
       FROM reports ORDER BY report_id DESC LIMIT ?`,
    );
    this.selectUserTotals = db.prepare<[], { users: number; uploaded: number; downloaded: number }>(
      `SELECT count(*) AS users, coalesce(sum(uploaded), 0) AS uploaded,
              coalesce(sum(downloaded), 0) AS downloaded
       FROM users`,
    );
    this.countSpent = db.prepare<[], number>('SELECT count(*) FROM spent').pluck();
    this.countReports = db.prepare<[], number>('SELECT count(*) FROM reports').pluck();
    this.applyTransaction = db.transaction((report: ReportInput) => this.applyInTransaction(report));
    this.createTransaction = db.transaction((user: NewUser) => this.createInTransaction(user));
    this.insertInvite = db.prepare<[Uint8Array, string | null, number, number | null]>(
      'INSERT INTO invites (code_hash, note, created_at, expires_at) VALUES (?, ?, ?, ?)',
    );
    this.selectInviteByHash = db.prepare<[Uint8Array], InviteRow>(`SELECT ${INVITE_COLUMNS} FROM invites WHERE code_hash = ?`);
    this.selectInviteById = db.prepare<[number], InviteRow>(`SELECT ${INVITE_COLUMNS} FROM invites WHERE invite_id = ?`);
    this.selectInvites = db.prepare<[number], InviteRow>(`SELECT ${INVITE_COLUMNS} FROM invites ORDER BY invite_id DESC LIMIT ?`);
    // `used_at IS NULL` in the statement too: the spend is its own check, whatever was read before.
    this.useInvite = db.prepare<[number, string, number]>(
      'UPDATE invites SET used_at = ?, used_by = ? WHERE invite_id = ? AND used_at IS NULL AND revoked_at IS NULL',
    );
    this.revokeInviteStatement = db.prepare<[number, number]>(
      'UPDATE invites SET revoked_at = ? WHERE invite_id = ? AND revoked_at IS NULL AND used_at IS NULL',
    );
    this.selectSnatches = db.prepare<[Uint8Array], number>('SELECT downloaded FROM snatches WHERE infohash = ?').pluck();
    // Totals, not increments, under max(): a count written twice, or late, can never add up twice.
    const upsertSnatches = db.prepare<[Uint8Array, number]>(
      `INSERT INTO snatches (infohash, downloaded) VALUES (?, ?)
       ON CONFLICT (infohash) DO UPDATE SET downloaded = max(downloaded, excluded.downloaded)`,
    );
    this.recordSnatchesTransaction = db.transaction((counts: readonly SnatchCount[]) => {
      for (const { infohash, downloaded } of counts) upsertSnatches.run(infohash, downloaded);
    });
  }

  createUser(user: NewUser): UserRecord {
    try {
      this.createTransaction.immediate(user);
    } catch (error) {
      if (error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new DuplicateUserError('user_id');
      }
      if (error instanceof Database.SqliteError && error.message.includes('users.public_key')) {
        throw new DuplicateUserError('public_key');
      }
      throw error;
    }
    this.outbox.notify();
    return this.userById(user.userId)!;
  }

  createInvite(invite: NewInvite): InviteRecord {
    const id = this.insertInvite.run(invite.codeHash, invite.note ?? null, invite.now ?? Date.now(), invite.expiresAt ?? null).lastInsertRowid;
    return toInvite(this.selectInviteById.get(Number(id))!);
  }

  inviteByHash(codeHash: Uint8Array): InviteRecord | undefined {
    const row = this.selectInviteByHash.get(codeHash);
    return row && toInvite(row);
  }

  invites(limit = -1): InviteRecord[] {
    return this.selectInvites.all(limit).map(toInvite);
  }

  revokeInvite(inviteId: number, now = Date.now()): InviteRecord | undefined {
    this.revokeInviteStatement.run(now, inviteId);
    const row = this.selectInviteById.get(inviteId);
    return row && toInvite(row);
  }

  userById(userId: string): UserRecord | undefined {
    const row = this.selectById.get(userId);
    return row && toUser(row);
  }

  userByPublicKey(publicKey: Uint8Array): UserRecord | undefined {
    const row = this.selectByKey.get(publicKey);
    return row && toUser(row);
  }

  userByPasskey(passkey: string): UserRecord | undefined {
    const row = this.selectByPasskey.get(passkey);
    return row && toUser(row);
  }

  applyReport(report: ReportInput): ReportOutcome {
    // IMMEDIATE takes the write lock before the first read, so no other connection can spend
    // an id between our check and our insert.
    const outcome = this.applyTransaction.immediate(report);
    this.outbox.notify();
    return outcome;
  }

  isSpent(id: Uint8Array): boolean {
    return this.selectSpent.get(id) !== undefined;
  }

  gcSpent(oldestEpochToKeep: number, limit = -1): number {
    // LIMIT -1 is SQLite's "no limit".
    return this.collectTransaction.immediate(oldestEpochToKeep, limit);
  }

  spentHorizon(): number {
    return this.selectHorizon.get()!;
  }

  ledger(limit = 100): LedgerEntry[] {
    return this.selectLedger.all(limit).map((row) => ({
      reportId: row.report_id,
      senderUserId: row.sender_user_id,
      receipts: row.receipts,
      creditedBytes: row.credited_bytes,
      appliedAt: row.applied_at,
    }));
  }

  snatches(infohash: Uint8Array): number {
    return this.selectSnatches.get(infohash) ?? 0;
  }

  recordSnatches(counts: readonly SnatchCount[]): void {
    this.recordSnatchesTransaction.immediate(counts);
  }

  stats(): StoreStats {
    const totals = this.selectUserTotals.get()!;
    return { ...totals, spentIds: this.countSpent.get()!, reports: this.countReports.get()! };
  }

  close(): void {
    this.db.close();
  }

  /**
   * Body of {@link createUser}: the user row and its registration entry, or, for a user migrated
   * on chain from the referrer, the migrated totals, which the chain already holds.
   */
  private createInTransaction(user: NewUser): void {
    const passkey = randomBytes(16).toString('hex');
    const now = user.now ?? Date.now();
    if (user.inviteHash !== undefined) {
      // Inside the IMMEDIATE transaction: no other connection can use the invite between this
      // read and the update, and a refused user insert below rolls the use back.
      const row = this.selectInviteByHash.get(user.inviteHash);
      const invite = row && toInvite(row);
      const why = inviteUnusable(invite, now);
      if (why !== undefined) throw new InviteRefusedError(why);
      if (this.useInvite.run(now, user.userId, invite!.inviteId).changes !== 1) throw new InviteRefusedError('used');
    }
    const migration = this.outbox.migrationOf(user.userId);
    if (migration === undefined) {
      const uploaded = user.uploaded ?? 0;
      this.insertUser.run(user.userId, user.publicKey, passkey, uploaded, 0, 0, 0, now);
      this.outbox.recordRegistration(user.userId, uploaded);
      return;
    }
    // On chain the id is bound to the migrated key; another key (or a migration still in flight)
    // would make the chain and the store disagree about who this user is.
    if (migration.status !== 'done' || !Buffer.from(user.publicKey).equals(migration.public_key!)) {
      throw new DuplicateUserError('user_id');
    }
    const { uploaded, downloaded } = migration as { uploaded: number; downloaded: number };
    this.insertUser.run(user.userId, user.publicKey, passkey, uploaded, downloaded, uploaded, downloaded, now);
  }

  /** Body of {@link applyReport}; any throw rolls the whole report back. */
  private applyInTransaction(report: ReportInput): ReportOutcome {
    const { receipts } = report;
    const first = receipts[0];
    if (first === undefined) throw new InvalidReportError('a report needs at least one receipt');
    const sender = this.userByPublicKey(first.senderPk);
    if (sender === undefined) throw new UnknownKeyError('sender', first.senderPk, 0);
    const senderHex = Buffer.from(first.senderPk).toString('hex');
    const horizon = this.selectHorizon.get()!;
    // Receivers by key (hex), in order of first appearance, with the bytes each is debited.
    const receivers = new Map<string, { user: UserRecord; bytes: number }>();
    let creditedBytes = 0;
    receipts.forEach((receipt, index) => {
      if (Buffer.from(receipt.senderPk).toString('hex') !== senderHex) {
        throw new InvalidReportError(`receipt ${index} has another sender than receipt 0`);
      }
      if (receipt.epoch < horizon) throw new ExpiredReceiptError(index, receipt.epoch, horizon);
      const receiverHex = Buffer.from(receipt.receiverPk).toString('hex');
      let receiver = receivers.get(receiverHex);
      if (receiver === undefined) {
        const user = this.userByPublicKey(receipt.receiverPk);
        if (user === undefined) throw new UnknownKeyError('receiver', receipt.receiverPk, index);
        receiver = { user, bytes: 0 };
        receivers.set(receiverHex, receiver);
      }
      // A repeat inside this report hits the row inserted a moment ago, like any replay.
      if (this.insertSpent.run(receipt.id, receipt.epoch).changes === 0) {
        throw new AlreadySpentError(receipt.id, index);
      }
      receiver.bytes += receipt.pieceSize;
      creditedBytes += receipt.pieceSize;
    });
    this.moveBytes.run(creditedBytes, 0, sender.userId);
    this.outbox.recordUpdate(sender.userId, creditedBytes, 0);
    for (const { user, bytes } of receivers.values()) {
      this.moveBytes.run(0, bytes, user.userId);
      this.outbox.recordUpdate(user.userId, 0, bytes);
    }
    const reportId = Number(
      this.insertLedger.run(sender.userId, receipts.length, creditedBytes, report.now ?? Date.now())
        .lastInsertRowid,
    );
    return {
      reportId,
      accepted: receipts.length,
      creditedBytes,
      sender: this.userById(sender.userId)!,
      receivers: [...receivers.values()].map(({ user }) => this.userById(user.userId)!),
    };
  }
}
