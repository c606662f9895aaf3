/**
 * Receipts: the BLS scheme behind two backends, keys, the receipt and registration messages,
 * aggregation and off-thread verification.
 * @module
 */
export * from './bls.ts';
export { getBackend, isBackendName } from './backend.ts';
export { generateKeyPair, keyPairFromSeed, keygen, type KeyPair } from './keys.ts';
export * from './receipt.ts';
export { MAX_REGISTRATION_ID_BYTES, REGISTRATION_TAG, registrationMessage, signRegistration } from './registration.ts';
export { VerifyPool, type VerifyPoolOptions } from './pool.ts';
