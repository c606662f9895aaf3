/**
 * Storage: users, spent receipt ids, the report ledger, the chain outbox and snatch counts,
 * behind the {@link Store} interface, on embedded SQLite.
 * @module
 */
export * from './types.ts';
export { openStore, STORE_FILE, type StoreOptions } from './sqlite.ts';
export { SCHEMA_VERSION } from './schema.ts';
export { ratioOf, USER_ID_PATTERN } from './users.ts';
export { inlineCommitter, type ReportCommitter, WriterThread } from './writer.ts';
