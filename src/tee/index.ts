/**
 * The tracker's TEE integration (production code; the TEST ONLY simulator is `./sim/`): keys from
 * dstack, attestation, and verification for peers and the factory side (the routes serving
 * attestations are the tracker's, `src/tracker/tee-routes.ts`).
 * @module
 */
export * from './attestation.ts';
export * from './collateral.ts';
export * from './docker.ts';
export * from './event-log.ts';
export * from './identity.ts';
export * from './keys.ts';
export * from './policy.ts';
export { type ParsedTdxQuote, QuoteFormatError, parseTdxQuote } from './quote.ts';
export * from './runtime.ts';
export { type VerifyJob, VerifierPool, defaultVerifierPool } from './verify-pool.ts';
export * from './verify.ts';
