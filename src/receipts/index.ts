/**
 * Receipts: the BLS scheme behind two backends, keys, the receipt format, aggregation and
 * off-thread verification.
 * @module
 */
export * from './bls.ts';
export { getBackend, isBackendName } from './backend.ts';
export { generateKeyPair, keyPairFromSeed, keygen, type KeyPair } from './keys.ts';
export * from './receipt.ts';
export { VerifyPool, type VerifyPoolOptions } from './pool.ts';
