import { bls12_381 } from '@noble/curves/bls12-381';
import { equalBytes } from '@noble/curves/abstract/utils';
import {
  type BlsBackend,
  BlsError,
  POP_DST,
  PUBLIC_KEY_LENGTH,
  SIG_DST,
  SIGNATURE_LENGTH,
  checkCanonical,
  checkLength,
  validateSecretKey,
} from './bls.ts';

// "Long signatures" is noble's name for G1 keys with G2 signatures: the layout of this scheme.
const long = bls12_381.longSignatures;
const G1 = bls12_381.G1.Point;
const G2 = bls12_381.G2.Point;
type G1Point = ReturnType<typeof G1.fromBytes>;
type G2Point = ReturnType<typeof G2.fromBytes>;

function parsePublicKey(bytes: Uint8Array): G1Point {
  checkLength(bytes, PUBLIC_KEY_LENGTH, 'public-key');
  // noble reduces coordinates mod p and reads flags loosely: refuse every other spelling first.
  checkCanonical(bytes, 'public-key');
  let point: G1Point;
  try {
    // A copy: noble clears the flag bits of what it is given in place, and a Buffer's `slice`
    // inside it shares the caller's memory.
    point = G1.fromBytes(Uint8Array.from(bytes));
    // assertValidity checks the curve equation and the prime-order subgroup.
    point.assertValidity();
  } catch (error) {
    throw new BlsError('public-key', `invalid public key: ${(error as Error).message}`);
  }
  if (point.is0()) throw new BlsError('public-key', 'public key is the point at infinity');
  // Belt and braces: the bytes must be exactly what this point encodes to.
  if (!equalBytes(point.toBytes(true), bytes)) {
    throw new BlsError('public-key', 'public key is not the canonical encoding of its point');
  }
  return point;
}

function parseSignature(bytes: Uint8Array): G2Point {
  checkLength(bytes, SIGNATURE_LENGTH, 'signature');
  checkCanonical(bytes, 'signature');
  let point: G2Point;
  try {
    point = G2.fromBytes(Uint8Array.from(bytes));
    point.assertValidity();
  } catch (error) {
    throw new BlsError('signature', `invalid signature: ${(error as Error).message}`);
  }
  if (point.is0()) throw new BlsError('signature', 'signature is the point at infinity');
  if (!equalBytes(point.toBytes(true), bytes)) {
    throw new BlsError('signature', 'signature is not the canonical encoding of its point');
  }
  return point;
}

function signWithDst(secretKey: Uint8Array, message: Uint8Array, dst: string): Uint8Array {
  validateSecretKey(secretKey);
  return long.sign(long.hash(message, dst), secretKey).toBytes(true);
}

function verifyWithDst(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  dst: string,
): boolean {
  try {
    return long.verify(parseSignature(signature), long.hash(message, dst), parsePublicKey(publicKey));
  } catch {
    return false;
  }
}

/** Pure-JavaScript backend on `@noble/curves`: slow, portable, and the cross-check for blst. */
export const noble: BlsBackend = {
  name: 'noble',
  publicKey(secretKey) {
    validateSecretKey(secretKey);
    return long.getPublicKey(secretKey).toBytes(true);
  },
  sign: (secretKey, message) => signWithDst(secretKey, message, SIG_DST),
  verify: (publicKey, message, signature) => verifyWithDst(publicKey, message, signature, SIG_DST),
  aggregate(signatures) {
    if (signatures.length === 0) throw new BlsError('empty', 'cannot aggregate an empty list');
    return long.aggregateSignatures(signatures.map(parseSignature)).toBytes(true);
  },
  aggregateVerify(publicKeys, messages, signature) {
    if (publicKeys.length === 0 || publicKeys.length !== messages.length) return false;
    try {
      return long.verifyBatch(
        parseSignature(signature),
        messages.map((message) => long.hash(message, SIG_DST)),
        publicKeys.map(parsePublicKey),
      );
    } catch {
      return false;
    }
  },
  validatePublicKey: (publicKey) => void parsePublicKey(publicKey),
  validateSignature: (signature) => void parseSignature(signature),
  popProve(secretKey) {
    return signWithDst(secretKey, noble.publicKey(secretKey), POP_DST);
  },
  popVerify: (publicKey, proof) => verifyWithDst(publicKey, publicKey, proof, POP_DST),
};
