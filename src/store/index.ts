/**
 * Storage: users, spent receipt ids and the report ledger behind the {@link Store} interface,
 * on embedded SQLite.
 * @module
 */
export * from './types.ts';
export { openStore, STORE_FILE, type StoreOptions } from './sqlite.ts';
export { SCHEMA_VERSION } from './schema.ts';
