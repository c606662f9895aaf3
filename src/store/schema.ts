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
