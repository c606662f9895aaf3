import { randomBytes } from 'node:crypto';
import { extract, expand } from '@noble/hashes/hkdf';
import { sha256 } from '@noble/hashes/sha2';
import { BlsError, CURVE_ORDER, SECRET_KEY_LENGTH, type BlsBackend } from './bls.ts';

/** A BLS key pair; the secret key never leaves the machine that made it. */
export interface KeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

const KEYGEN_SALT = new TextEncoder().encode('BLS-SIG-KEYGEN-SALT-');

function bytesToScalar(bytes: Uint8Array): bigint {
  let scalar = 0n;
  for (const byte of bytes) scalar = (scalar << 8n) | BigInt(byte);
  return scalar;
}

function scalarToBytes(scalar: bigint): Uint8Array {
  const out = new Uint8Array(SECRET_KEY_LENGTH);
  for (let i = SECRET_KEY_LENGTH - 1; i >= 0; i--) {
    out[i] = Number(scalar & 0xffn);
    scalar >>= 8n;
  }
  return out;
}

/**
 * KeyGen of the IETF BLS signature draft (HKDF-SHA-256, as blst's `fromKeygen` and EIP-2333):
 * the same input key material gives the same secret key on every backend.
 */
export function keygen(ikm: Uint8Array, keyInfo: Uint8Array = new Uint8Array()): Uint8Array {
  if (ikm.length < 32) throw new BlsError('secret-key', 'key material must be at least 32 bytes');
  const L = 48;
  const input = new Uint8Array(ikm.length + 1);
  input.set(ikm);
  const info = new Uint8Array(keyInfo.length + 2);
  info.set(keyInfo);
  info[keyInfo.length + 1] = L;
  let salt: Uint8Array = KEYGEN_SALT;
  for (;;) {
    salt = sha256(salt);
    const scalar = bytesToScalar(expand(sha256, extract(sha256, input, salt), info, L)) % CURVE_ORDER;
    if (scalar !== 0n) return scalarToBytes(scalar);
  }
}

/** A key pair from 32 bytes of secure randomness. */
export function generateKeyPair(backend: BlsBackend): KeyPair {
  const secretKey = keygen(randomBytes(32));
  return { secretKey, publicKey: backend.publicKey(secretKey) };
}

/** A reproducible key pair: the `index`-th key of `seed` (for benchmarks and tests only). */
export function keyPairFromSeed(backend: BlsBackend, seed: string, index = 0): KeyPair {
  const secretKey = keygen(sha256(new TextEncoder().encode(`pbts-seed:${seed}:${index}`)));
  return { secretKey, publicKey: backend.publicKey(secretKey) };
}
