/**
 * The storage interface the tracker sees (chihaya-style): users, spent receipt ids, the report
 * ledger. One implementation, {@link openStore} on SQLite; routes depend on this interface only.
 * @module
 */

/** A registered user. `passkey` is a bearer secret: never send it to anyone but its owner. */
export interface UserRecord {
  /** Unique name chosen at registration. */
  userId: string;
  /** 48-byte compressed BLS public key, unique. */
  publicKey: Uint8Array;
  /** 32 lowercase hex characters, unique; authenticates announces. */
  passkey: string;
  /** Bytes credited as uploaded (verified receipts plus the initial credit). */
  uploaded: number;
  /** Bytes debited as downloaded (verified receipts). */
  downloaded: number;
  /** Registration time, unix milliseconds. */
  createdAt: number;
}

/** What registration stores; the store draws the passkey. */
export interface NewUser {
  userId: string;
  publicKey: Uint8Array;
  /** Initial `uploaded` credit in bytes, so a new user passes the ratio gate; default 0. */
  uploaded?: number;
  /** Registration time, unix milliseconds; default now. */
  now?: number;
}

/** One verified receipt as the store needs it. */
export interface SpendReceipt {
  /** Receipt id (SHA-256, 32 bytes): the double-spend key. */
  id: Uint8Array;
  epoch: number;
  /** Uploader, credited `pieceSize` to `uploaded`. */
  senderPk: Uint8Array;
  /** Downloader, debited `pieceSize` to `downloaded`. */
  receiverPk: Uint8Array;
  pieceSize: number;
}

/** A verified report: receipts that all share one sender (the reporter). */
export interface ReportInput {
  receipts: readonly SpendReceipt[];
  /** Time recorded in the ledger, unix milliseconds; default now. */
  now?: number;
}

/** What an applied report changed, with the totals after it. */
export interface ReportOutcome {
  /** Ledger row id, increasing. */
  reportId: number;
  /** Receipts spent. */
  accepted: number;
  /** Sum of piece sizes credited to the sender (and debited to the receivers). */
  creditedBytes: number;
  sender: UserRecord;
  /** Each distinct receiver once, in order of first appearance. */
  receivers: UserRecord[];
}

/** A row of the ledger of applied reports. */
export interface LedgerEntry {
  reportId: number;
  senderUserId: string;
  receipts: number;
  creditedBytes: number;
  /** Unix milliseconds. */
  appliedAt: number;
}

/** Counters for `/stats` and for before/after comparisons in tests. */
export interface StoreStats {
  users: number;
  /** Sum of every user's `uploaded`. */
  uploaded: number;
  /** Sum of every user's `downloaded`. */
  downloaded: number;
  spentIds: number;
  reports: number;
}

/** Users, spent receipt ids and the report ledger. */
export interface Store {
  /** Registers a user; throws {@link DuplicateUserError} when the id or key is taken. */
  createUser(user: NewUser): UserRecord;
  /** The user called `userId`, if any. */
  userById(userId: string): UserRecord | undefined;
  /** The user holding `publicKey`, if any. */
  userByPublicKey(publicKey: Uint8Array): UserRecord | undefined;
  /** The user whose passkey is `passkey`, if any. */
  userByPasskey(passkey: string): UserRecord | undefined;
  /**
   * Atomically spends every receipt id and moves the bytes, or changes nothing and throws
   * {@link AlreadySpentError}, {@link UnknownKeyError} or {@link InvalidReportError}.
   */
  applyReport(report: ReportInput): ReportOutcome;
  /** True when the receipt id has been spent (and not yet collected). */
  isSpent(id: Uint8Array): boolean;
  /** Forgets spent ids of epochs below `oldestEpochToKeep`; returns how many. */
  gcSpent(oldestEpochToKeep: number): number;
  /** The last `limit` ledger rows, newest first. */
  ledger(limit?: number): LedgerEntry[];
  /** Counters over the whole store. */
  stats(): StoreStats;
  /** Schema version of the open database. */
  readonly schemaVersion: number;
  /** Closes the database; the store is unusable afterwards. */
  close(): void;
}

/** Registration refused: the user id or the public key is already registered. */
export class DuplicateUserError extends Error {
  constructor(readonly field: 'user_id' | 'public_key') {
    super(field === 'user_id' ? 'user id already registered' : 'public key already registered');
    this.name = 'DuplicateUserError';
  }
}

/** Report refused: receipt `index` has an id that is already spent (possibly earlier in the same report). */
export class AlreadySpentError extends Error {
  constructor(
    readonly id: Uint8Array,
    readonly index: number,
  ) {
    super(`receipt ${index} (id ${Buffer.from(id).toString('hex')}) is already spent`);
    this.name = 'AlreadySpentError';
  }
}

/** Report refused: a key named by receipt `index` belongs to no registered user. */
export class UnknownKeyError extends Error {
  constructor(
    readonly role: 'sender' | 'receiver',
    readonly publicKey: Uint8Array,
    readonly index: number,
  ) {
    super(`receipt ${index}: ${role} key ${Buffer.from(publicKey).toString('hex')} is not registered`);
    this.name = 'UnknownKeyError';
  }
}

/** Report refused: empty, or receipts with different senders (a report is one uploader's). */
export class InvalidReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidReportError';
  }
}
