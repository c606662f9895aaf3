/**
 * secp256k1 as the simulator's `GetKey` and `Sign` need it, on libsecp256k1 (tiny-secp256k1's
 * WebAssembly build): the public key of a secret key, and the deterministic (RFC 6979) low-s
 * recoverable signature, byte for byte what Rust's k256 in the dstack agent and @noble/curves
 * produce. The real agent does this natively; pure-JS noble made each simulated `GetKey` cost
 * about 0.45 ms more (0.2 ms here), which the TEE experiment would have charged to dstack.
 * (OpenSSL 3.0's secp256k1, through node:crypto, is slower than noble: 0.33 ms per multiplication.)
 * @module
 */
import { pointFromScalar, signRecoverable } from 'tiny-secp256k1';

/** The public key of `secretKey` (32 bytes, 0 < key < n): 33 bytes compressed, or 65 uncompressed. */
export function publicKeyOf(secretKey: Uint8Array, compressed = true): Uint8Array {
  // tiny-secp256k1 throws "Expected Private" for a key of the wrong length or outside [1, n),
  // so its null (not a point) cannot happen for a valid key.
  const point = pointFromScalar(secretKey, compressed);
  if (point === null) throw new Error('unreachable: a valid secret key has a public key');
  return point;
}

/**
 * ECDSA over the 32-byte `digest` with `secretKey`: r || s (low s) || recovery id, the nonce per
 * RFC 6979 so the same input always gives the same signature.
 */
export function signDigestRecoverable(secretKey: Uint8Array, digest: Uint8Array): Uint8Array {
  const { signature, recoveryId } = signRecoverable(digest, secretKey);
  const out = new Uint8Array(65);
  out.set(signature);
  out[64] = recoveryId;
  return out;
}
