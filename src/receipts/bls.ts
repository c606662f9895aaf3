/**
 * BLS12-381 "minimal public key" signatures with the proof-of-possession ciphersuite, as in
 * Ethereum's consensus layer: 48-byte compressed G1 public keys, 96-byte compressed G2
 * signatures. Every backend implements {@link BlsBackend} and produces byte-identical output.
 * @module
 */

/** Length of a secret key: a 32-byte big-endian scalar in [1, r). */
export const SECRET_KEY_LENGTH = 32;
/** Length of a compressed G1 public key. */
export const PUBLIC_KEY_LENGTH = 48;
/** Length of a compressed G2 signature. */
export const SIGNATURE_LENGTH = 96;
/** Hash-to-curve domain separation tag for signatures (POP ciphersuite). */
export const SIG_DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
/** Hash-to-curve domain separation tag for proofs of possession. */
export const POP_DST = 'BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
/** Order of the BLS12-381 groups; secret keys are scalars below it. */
export const CURVE_ORDER = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

/** Names of the available backends. */
export type BackendName = 'blst' | 'noble';
/** Every backend name, in the order benchmarks list them. */
export const BACKEND_NAMES: readonly BackendName[] = ['blst', 'noble'];

/** What was wrong with a key or signature. */
export type BlsErrorCode = 'secret-key' | 'public-key' | 'signature' | 'empty';

/** A key, signature or input the scheme refuses; never thrown by the `verify*` methods. */
export class BlsError extends Error {
  constructor(
    readonly code: BlsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BlsError';
  }
}

/** One implementation of the scheme. Inputs and outputs are raw bytes. */
export interface BlsBackend {
  /** Backend name, as chosen by option or `PBTS_BLS_BACKEND`. */
  readonly name: BackendName;
  /** Public key of a secret key; throws {@link BlsError} for an invalid secret key. */
  publicKey(secretKey: Uint8Array): Uint8Array;
  /** Signs `message` under {@link SIG_DST}. */
  sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** True when `signature` is valid for `message` and `publicKey`; false for any invalid input. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** Sum of signatures; throws {@link BlsError} on an empty list or an invalid signature. */
  aggregate(signatures: readonly Uint8Array[]): Uint8Array;
  /** Verifies one aggregate signature over (public key, message) pairs; false for any invalid input. */
  aggregateVerify(
    publicKeys: readonly Uint8Array[],
    messages: readonly Uint8Array[],
    signature: Uint8Array,
  ): boolean;
  /** Throws {@link BlsError} unless `publicKey` is a valid, non-infinity, prime-order G1 point. */
  validatePublicKey(publicKey: Uint8Array): void;
  /** Throws {@link BlsError} unless `signature` is a valid, non-infinity, prime-order G2 point. */
  validateSignature(signature: Uint8Array): void;
  /** Proof of possession: the secret key's signature over its own public key under {@link POP_DST}. */
  popProve(secretKey: Uint8Array): Uint8Array;
  /** True when `proof` proves possession of the secret key behind `publicKey`. */
  popVerify(publicKey: Uint8Array, proof: Uint8Array): boolean;
}

/** Throws {@link BlsError} unless `secretKey` is 32 bytes encoding a scalar in [1, r). */
export function validateSecretKey(secretKey: Uint8Array): void {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== SECRET_KEY_LENGTH) {
    throw new BlsError('secret-key', `secret key must be ${SECRET_KEY_LENGTH} bytes`);
  }
  let scalar = 0n;
  for (const byte of secretKey) scalar = (scalar << 8n) | BigInt(byte);
  if (scalar === 0n || scalar >= CURVE_ORDER) {
    throw new BlsError('secret-key', 'secret key is not a scalar in [1, r)');
  }
}

/** Throws {@link BlsError} unless `bytes` has the expected length. */
export function checkLength(
  bytes: Uint8Array,
  length: number,
  code: 'public-key' | 'signature',
): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    const what = code === 'public-key' ? 'public key' : 'signature';
    throw new BlsError(code, `${what} must be ${length} bytes, got ${bytes?.length ?? 'none'}`);
  }
}
