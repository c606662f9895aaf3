/**
 * The storage interface the tracker sees (chihaya-style): users, spent receipt ids, the report
 * ledger, the chain outbox, snatch counts. One implementation, {@link openStore} on SQLite; routes depend on this interface only.
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
  /** Part of `uploaded` in batches the chain has confirmed (the store's record, not a chain read). */
  chainUploaded: number;
  /** Part of `downloaded` in batches the chain has confirmed. */
  chainDownloaded: number;
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
  /**
   * SHA-256 of an invite code to consume in the same transaction: the user is created only if
   * the invite is usable, and then the invite is used up ({@link InviteRefusedError} otherwise).
   */
  inviteHash?: Uint8Array;
}

/** An invite code as the store keeps it: never the code, only its SHA-256. */
export interface InviteRecord {
  /** Increasing id, for listing and revoking. */
  inviteId: number;
  /** The operator's label (who it is for), if any. */
  note: string | null;
  /** Unix milliseconds. */
  createdAt: number;
  /** Unix milliseconds after which the code is refused; null: never expires. */
  expiresAt: number | null;
  revokedAt: number | null;
  usedAt: number | null;
  /** The user the code registered. */
  usedBy: string | null;
}

/** What creating an invite stores. */
export interface NewInvite {
  /** SHA-256 of the code (32 bytes). */
  codeHash: Uint8Array;
  note?: string;
  /** Unix milliseconds; default: never expires. */
  expiresAt?: number;
  /** Creation time, unix milliseconds; default now. */
  now?: number;
}

/** Why an invite cannot register a user, as of time `now` (unix milliseconds). */
export function inviteUnusable(invite: InviteRecord | undefined, now: number): InviteRefusedError['why'] | undefined {
  if (invite === undefined) return 'unknown';
  if (invite.usedAt !== null) return 'used';
  if (invite.revokedAt !== null) return 'revoked';
  if (invite.expiresAt !== null && invite.expiresAt <= now) return 'expired';
  return undefined;
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

/** A torrent's snatch count: its completed downloads (scrape's `downloaded`). */
export interface SnatchCount {
  /** Binary info hash (20 bytes). */
  infohash: Uint8Array;
  downloaded: number;
}

/** Users, spent receipt ids, the report ledger and snatch counts. */
export interface Store {
  /**
   * Registers a user; throws {@link DuplicateUserError} when the id or key is taken, and
   * {@link InviteRefusedError} when `user.inviteHash` is given and that invite is not usable.
   */
  createUser(user: NewUser): UserRecord;
  /** Stores a new invite; throws when the hash exists already. */
  createInvite(invite: NewInvite): InviteRecord;
  /** The invite whose code hashes to `codeHash`, if any. */
  inviteByHash(codeHash: Uint8Array): InviteRecord | undefined;
  /** Every invite, newest first, at most `limit` (default all). */
  invites(limit?: number): InviteRecord[];
  /**
   * Revokes an unused invite (a revoked or used one is left as it is); returns the invite as it
   * is now, undefined when there is none with that id.
   */
  revokeInvite(inviteId: number, now?: number): InviteRecord | undefined;
  /** The user called `userId`, if any. */
  userById(userId: string): UserRecord | undefined;
  /** The user holding `publicKey`, if any. */
  userByPublicKey(publicKey: Uint8Array): UserRecord | undefined;
  /** The user whose passkey is `passkey`, if any. */
  userByPasskey(passkey: string): UserRecord | undefined;
  /**
   * Atomically spends every receipt id and moves the bytes, or changes nothing and throws
   * {@link AlreadySpentError}, {@link ExpiredReceiptError}, {@link UnknownKeyError} or
   * {@link InvalidReportError}.
   */
  applyReport(report: ReportInput): ReportOutcome;
  /** True when the receipt id has been spent (and not yet collected). */
  isSpent(id: Uint8Array): boolean;
  /**
   * Forgets spent ids of epochs below `oldestEpochToKeep`, at most `limit` of them (default: all);
   * returns how many. Raises the {@link spentHorizon} to `oldestEpochToKeep` first, in the same
   * transaction.
   */
  gcSpent(oldestEpochToKeep: number, limit?: number): number;
  /**
   * The oldest epoch whose spent ids are all still kept (durable, never lowered): a receipt of an
   * older epoch is refused, by {@link applyReport} with {@link ExpiredReceiptError}, whatever the
   * acceptance window.
   */
  spentHorizon(): number;
  /** The last `limit` ledger rows, newest first. */
  ledger(limit?: number): LedgerEntry[];
  /** The snatch count of the torrent `infohash` (20 bytes), 0 when none was recorded. */
  snatches(infohash: Uint8Array): number;
  /** Records snatch counts in one transaction; a count never goes down (the larger one is kept). */
  recordSnatches(counts: readonly SnatchCount[]): void;
  /** Counters over the whole store. */
  stats(): StoreStats;
  /** The chain outbox, filled by {@link createUser} and {@link applyReport} in their transactions. */
  readonly outbox: Outbox;
  /** Schema version of the open database. */
  readonly schemaVersion: number;
  /** Closes the database; the store is unusable afterwards. */
  close(): void;
}

/** One outbox entry: a registration or a change of one user's totals, waiting for the chain. */
export interface OutboxEntry {
  entryId: number;
  userId: string;
  /** `register` carries the user's key and initial `uploaded`; `update` adds to the totals. */
  kind: 'register' | 'update';
  /** The user's 48-byte BLS public key. */
  publicKey: Uint8Array;
  uploaded: number;
  downloaded: number;
}

/** A batch of outbox entries under one sequence number, persisted before it is sent. */
export interface ChainBatch {
  sequence: number;
  entries: number;
  /** Unix milliseconds. */
  createdAt: number;
  /** Transaction that applied it, once confirmed (null when found applied during recovery). */
  txHash: string | null;
  blockNumber: number | null;
  /** Unix milliseconds of confirmation; null while pending. */
  confirmedAt: number | null;
}

/** The contract the outbox feeds and how far the chain has confirmed it. */
export interface ChainState {
  factory: string | null;
  contract: string | null;
  referrer: string | null;
  /** The block `contract` was created in; null when not recorded (a contract recorded before schema 5). */
  contractBlock: number | null;
  /** Highest batch sequence the chain has confirmed (0: none). */
  confirmedSequence: number;
  /** Highest batch sequence cut (0: none). */
  lastSequence: number;
}

/** Outbox counters for status pages. */
export interface OutboxStats {
  /** Entries not yet confirmed on chain (queued or in a pending batch). */
  pendingEntries: number;
  /** Entries not yet cut into a batch. */
  queuedEntries: number;
  /** Batches cut but not confirmed. */
  pendingBatches: number;
  confirmedSequence: number;
}

/** Where a confirmed batch landed. */
export interface BatchProof {
  txHash?: string;
  blockNumber?: number;
  /** Unix milliseconds; default now. */
  now?: number;
}

/** A user's record copied on chain from the referrer contract by `migrateUser`. */
export interface MigratedRecord {
  publicKey: Uint8Array;
  uploaded: number;
  downloaded: number;
  /** The migrating transaction; null when an earlier attempt landed unanswered. */
  txHash: string | null;
}

/**
 * The durable log of what the chain must learn, in order: entries, the batches they are cut
 * into (each persisted before it is sent), and the confirmed sequence.
 */
export interface Outbox {
  /** Entries not yet in a batch, counting at most `limit`. */
  queued(limit: number): number;
  /** Puts the oldest `maxEntries` queued entries in batch `lastSequence + 1`; undefined when none is queued. */
  cutBatch(maxEntries: number, now?: number): ChainBatch | undefined;
  /** Batch `sequence`, if cut. */
  batch(sequence: number): ChainBatch | undefined;
  /** Entries of batch `sequence`, in entry order. */
  batchEntries(sequence: number): OutboxEntry[];
  /** Lowest batch cut but not confirmed. */
  nextUnconfirmed(): number | undefined;
  /** Marks batch `sequence` (which must be `confirmedSequence + 1`) confirmed and adds it to users' chain figures. */
  confirmBatch(sequence: number, proof?: BatchProof): void;
  /** The chain lost the batches after `sequence`: un-confirms them so they are sent again; returns how many. */
  rewind(sequence: number): number;
  /** Contract, factory, referrer and sequences. */
  state(): ChainState;
  /** Records the factory that creates this tracker's contract. */
  setFactory(factory: string): void;
  /**
   * Records a new contract, and the block it was created in when given; every batch is
   * un-confirmed, to be applied to it from sequence 1.
   */
  setContract(contract: string, referrer: string | null, createdBlock?: number): void;
  /** Counters for status pages. */
  stats(): OutboxStats;
  /**
   * Reserves `userId` for a migration (registration is refused meanwhile); throws
   * {@link DuplicateUserError} when the id is registered or already migrated. A reservation left
   * by an attempt whose outcome was unknown is taken over.
   */
  beginMigration(userId: string, contract: string): void;
  /** Records a finished migration; a later registration of `userId` with the same key takes these totals. */
  finishMigration(userId: string, record: MigratedRecord, now?: number): void;
  /** Releases a reservation whose migration failed. */
  abortMigration(userId: string): void;
  /** Calls the listeners: entries were committed, here or by another connection (the report writer). */
  notify(): void;
  /** Calls `listener` after every commit that added entries; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** Registration refused: the user id or the public key is already registered. */
export class DuplicateUserError extends Error {
  constructor(readonly field: 'user_id' | 'public_key') {
    super(field === 'user_id' ? 'user id already registered' : 'public key already registered');
    this.name = 'DuplicateUserError';
  }
}

/** Registration refused: the invite is unknown, used, revoked or expired; nothing was changed. */
export class InviteRefusedError extends Error {
  constructor(readonly why: 'unknown' | 'used' | 'revoked' | 'expired') {
    super(
      {
        unknown: 'invite code is not valid',
        used: 'invite code was already used',
        revoked: 'invite code was revoked',
        expired: 'invite code has expired',
      }[why],
    );
    this.name = 'InviteRefusedError';
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

/**
 * Report refused: receipt `index` is of an epoch below the spent-id horizon (its id may have been
 * spent and collected since).
 */
export class ExpiredReceiptError extends Error {
  constructor(
    readonly index: number,
    readonly epoch: number,
    readonly horizon: number,
  ) {
    super(`receipt ${index}: epoch ${epoch} is before the spent-id horizon ${horizon}`);
    this.name = 'ExpiredReceiptError';
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
