/**
 * Versioned schema: `PRAGMA user_version` holds how many {@link MIGRATIONS} have run. A migration
 * is never edited once released; changes are new entries at the end.
 * @module
 */
import type Database from 'better-sqlite3';

/** Migrations in order; entry i takes the schema from version i to i + 1. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE users (
    user_id    TEXT    PRIMARY KEY,
    public_key BLOB    NOT NULL UNIQUE CHECK (length(public_key) = 48),
    passkey    TEXT    NOT NULL UNIQUE CHECK (length(passkey) = 32),
    uploaded   INTEGER NOT NULL DEFAULT 0 CHECK (uploaded >= 0),
    downloaded INTEGER NOT NULL DEFAULT 0 CHECK (downloaded >= 0),
    created_at INTEGER NOT NULL
  );
  -- WITHOUT ROWID: the 32-byte id is the key, so each spent id is stored once, in one b-tree.
  CREATE TABLE spent (
    id    BLOB    PRIMARY KEY CHECK (length(id) = 32),
    epoch INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX spent_by_epoch ON spent (epoch);
  CREATE TABLE reports (
    report_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    sender_user_id TEXT    NOT NULL REFERENCES users (user_id),
    receipts       INTEGER NOT NULL,
    credited_bytes INTEGER NOT NULL,
    applied_at     INTEGER NOT NULL
  );
  `,
  // 2: the chain outbox. Every registration and verified report adds entries in the transaction
  // that creates the user or applies the report; the sync cuts them into sequenced batches.
  // Users registered before this version enter the outbox with their totals, so the chain gets them.
  `
  ALTER TABLE users ADD COLUMN chain_uploaded INTEGER NOT NULL DEFAULT 0 CHECK (chain_uploaded >= 0);
  ALTER TABLE users ADD COLUMN chain_downloaded INTEGER NOT NULL DEFAULT 0 CHECK (chain_downloaded >= 0);
  CREATE TABLE chain_batches (
    sequence     INTEGER PRIMARY KEY CHECK (sequence >= 1),
    entries      INTEGER NOT NULL CHECK (entries >= 1),
    created_at   INTEGER NOT NULL,
    tx_hash      TEXT,
    block_number INTEGER,
    confirmed_at INTEGER
  );
  CREATE TABLE chain_outbox (
    entry_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT    NOT NULL REFERENCES users (user_id),
    kind       TEXT    NOT NULL CHECK (kind IN ('register', 'update')),
    uploaded   INTEGER NOT NULL CHECK (uploaded >= 0),
    downloaded INTEGER NOT NULL CHECK (downloaded >= 0 AND (kind = 'update' OR downloaded = 0)),
    sequence   INTEGER REFERENCES chain_batches (sequence)
  );
  -- Serves both "oldest entries not yet in a batch" (sequence IS NULL) and "entries of batch n".
  CREATE INDEX chain_outbox_by_batch ON chain_outbox (sequence);
  CREATE TABLE chain_state (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    factory            TEXT,
    contract           TEXT,
    referrer           TEXT,
    confirmed_sequence INTEGER NOT NULL DEFAULT 0
  );
  INSERT INTO chain_state (id) VALUES (1);
  CREATE TABLE chain_migrations (
    user_id     TEXT    PRIMARY KEY,
    contract    TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('pending', 'done')),
    public_key  BLOB    CHECK (public_key IS NULL OR length(public_key) = 48),
    uploaded    INTEGER,
    downloaded  INTEGER,
    tx_hash     TEXT,
    migrated_at INTEGER
  );
  INSERT INTO chain_outbox (user_id, kind, uploaded, downloaded)
    SELECT user_id, 'register', uploaded, 0 FROM users ORDER BY created_at, rowid;
  INSERT INTO chain_outbox (user_id, kind, uploaded, downloaded)
    SELECT user_id, 'update', 0, downloaded FROM users WHERE downloaded > 0 ORDER BY created_at, rowid;
  `,
  // 3: the spent-id horizon, the oldest epoch still guarded. Collecting spent ids raises it (in the
  // same transaction), and a receipt older than it is refused whatever the window says, so a
  // larger window after a restart cannot re-open collected ids. A store collected before this
  // version starts at its oldest kept id's epoch: older ones may have been collected.
  `
  CREATE TABLE spent_horizon (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    oldest_epoch INTEGER NOT NULL
  );
  INSERT INTO spent_horizon (id, oldest_epoch) SELECT 1, coalesce(min(epoch), 0) FROM spent;
  `,
  // 4: invite codes for the `invite` registration policy. Only the SHA-256 of a code is kept; a
  // registration consumes its code (sets used_at and used_by) in the transaction that creates the
  // user, so one code registers one user, also under concurrent registrations. IF NOT EXISTS: a
  // database taken back to an older version by hand (as a test does) keeps its invites.
  `
  CREATE TABLE IF NOT EXISTS invites (
    invite_id  INTEGER PRIMARY KEY AUTOINCREMENT,
    code_hash  BLOB    NOT NULL UNIQUE CHECK (length(code_hash) = 32),
    note       TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    used_at    INTEGER,
    used_by    TEXT,
    CHECK ((used_at IS NULL) = (used_by IS NULL))
  );
  `,
  // 5: the block each contract this tracker created was created in, so the sync reads a
  // contract's events from there rather than from genesis. A contract recorded before this
  // version has no row (its events are read from genesis). IF NOT EXISTS: as for the invites.
  `
  CREATE TABLE IF NOT EXISTS chain_contracts (
    contract      TEXT    PRIMARY KEY,
    created_block INTEGER NOT NULL CHECK (created_block >= 0)
  );
  `,
  // 6: snatch counts (scrape's `downloaded`), one row per torrent with a completed download, so a
  // torrent's count outlives its last peer and a restart, as private trackers keep it. IF NOT
  // EXISTS for the same reason as the invites'.
  `
  CREATE TABLE IF NOT EXISTS snatches (
    infohash   BLOB    PRIMARY KEY CHECK (length(infohash) = 20),
    downloaded INTEGER NOT NULL CHECK (downloaded >= 1)
  ) WITHOUT ROWID;
  `,
];

/** Schema version this code writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings `db` to {@link SCHEMA_VERSION}, each migration in its own transaction so a crash leaves
 * a consistent version. Refuses a database written by newer code rather than misreading it.
 */
export function migrate(db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `database schema version ${current} is newer than this tracker's (${SCHEMA_VERSION}); upgrade PBTS`,
    );
  }
  for (let version = current; version < SCHEMA_VERSION; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
  return SCHEMA_VERSION;
}
