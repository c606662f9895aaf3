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
  /**
   * Throws {@link BlsError} unless `publicKey` is the canonical compressed encoding
   * ({@link checkCanonical}) of a non-infinity, prime-order G1 point. Every entry point that
   * takes a public key applies the same rule.
   */
  validatePublicKey(publicKey: Uint8Array): void;
  /** Throws {@link BlsError} unless `signature` is the canonical compressed encoding of a non-infinity, prime-order G2 point. */
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

/** The base field modulus p of BLS12-381, 48 bytes big-endian: every coordinate is below it. */
export const FIELD_MODULUS =
  0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaabn;
const FIELD_MODULUS_BYTES = Uint8Array.from(Buffer.from(FIELD_MODULUS.toString(16).padStart(96, '0'), 'hex'));
/** Flag bits in the first byte of a compressed point (ZCash / IETF serialization). */
const COMPRESSED_FLAG = 0x80;
const INFINITY_FLAG = 0x40;
const FLAG_MASK = 0xe0;

/** True when the 48-byte field element at `offset` (flag bits of its first byte masked off) is below p. */
function belowModulus(bytes: Uint8Array, offset: number, firstByteMask: number): boolean {
  for (let i = 0; i < FIELD_MODULUS_BYTES.length; i++) {
    const byte = bytes[offset + i]! & (i === 0 ? firstByteMask : 0xff);
    const limit = FIELD_MODULUS_BYTES[i]!;
    if (byte !== limit) return byte < limit;
  }
  return false; // equal to p
}

/**
 * Throws {@link BlsError} unless `bytes` (already of the right length) is the canonical
 * compressed encoding of a point other than infinity: compression flag set, infinity flag clear,
 * every coordinate (x for G1; both halves of x for G2) below p. Every point has exactly one such
 * encoding (the sort flag picks y), so one key or signature has exactly one byte string; without
 * this check a decoder that reduces mod p would accept x + p as a second name for the same key.
 * Curve and subgroup membership are the decoder's job.
 */
export function checkCanonical(bytes: Uint8Array, code: 'public-key' | 'signature'): void {
  const what = code === 'public-key' ? 'public key' : 'signature';
  const flags = bytes[0]! & FLAG_MASK;
  if ((flags & COMPRESSED_FLAG) === 0) {
    throw new BlsError(code, `${what} is not a compressed point encoding (compression flag clear)`);
  }
  if ((flags & INFINITY_FLAG) !== 0) {
    const rest = bytes.subarray(1).every((byte) => byte === 0) && (bytes[0]! & ~INFINITY_FLAG & ~COMPRESSED_FLAG) === 0;
    throw new BlsError(
      code,
      rest ? `${what} is the point at infinity` : `${what} has the infinity flag with other bits set`,
    );
  }
  if (!belowModulus(bytes, 0, ~FLAG_MASK & 0xff)) {
    throw new BlsError(code, `${what} is not canonical: a coordinate is not below the field modulus p`);
  }
  if (code === 'signature' && !belowModulus(bytes, FIELD_MODULUS_BYTES.length, 0xff)) {
    throw new BlsError(code, `${what} is not canonical: a coordinate is not below the field modulus p`);
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
