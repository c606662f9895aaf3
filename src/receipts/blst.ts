import blst from '@chainsafe/blst';
import {
  type BlsBackend,
  BlsError,
  PUBLIC_KEY_LENGTH,
  SIGNATURE_LENGTH,
  checkCanonical,
  checkLength,
  validateSecretKey,
} from './bls.ts';
import { noble } from './noble.ts';

function parsePublicKey(bytes: Uint8Array): blst.PublicKey {
  checkLength(bytes, PUBLIC_KEY_LENGTH, 'public-key');
  // blst refuses non-canonical bytes itself; the shared rule makes both backends say the same.
  checkCanonical(bytes, 'public-key');
  try {
    // `true` asks blst for the infinity and subgroup checks.
    return blst.PublicKey.fromBytes(bytes, true);
  } catch (error) {
    throw new BlsError('public-key', `invalid public key: ${(error as Error).message}`);
  }
}

function parseSignature(bytes: Uint8Array): blst.Signature {
  checkLength(bytes, SIGNATURE_LENGTH, 'signature');
  checkCanonical(bytes, 'signature');
  try {
    return blst.Signature.fromBytes(bytes, true, true);
  } catch (error) {
    throw new BlsError('signature', `invalid signature: ${(error as Error).message}`);
  }
}

function secretKeyOf(bytes: Uint8Array): blst.SecretKey {
  validateSecretKey(bytes);
  return blst.SecretKey.fromBytes(bytes);
}

/**
 * Native backend on `@chainsafe/blst` (the default). Its binding fixes the hash-to-curve tag to
 * the signature DST, so proofs of possession, which need the POP DST and happen once per
 * registration, go through the pure-JS backend, after blst has decoded both inputs.
 */
export const blstBackend: BlsBackend = {
  name: 'blst',
  publicKey: (secretKey) => secretKeyOf(secretKey).toPublicKey().toBytes(true),
  sign: (secretKey, message) => secretKeyOf(secretKey).sign(message).toBytes(true),
  verify(publicKey, message, signature) {
    try {
      return blst.verify(message, parsePublicKey(publicKey), parseSignature(signature));
    } catch {
      return false;
    }
  },
  aggregate(signatures) {
    if (signatures.length === 0) throw new BlsError('empty', 'cannot aggregate an empty list');
    return blst.aggregateSignatures(signatures.map(parseSignature)).toBytes(true);
  },
  aggregateVerify(publicKeys, messages, signature) {
    if (publicKeys.length === 0 || publicKeys.length !== messages.length) return false;
    try {
      return blst.aggregateVerify(
        messages as Uint8Array[],
        publicKeys.map(parsePublicKey),
        parseSignature(signature),
      );
    } catch {
      return false;
    }
  },
  validatePublicKey: (publicKey) => void parsePublicKey(publicKey),
  validateSignature: (signature) => void parseSignature(signature),
  popProve: (secretKey) => noble.popProve(secretKey),
  popVerify(publicKey, proof) {
    // The pairing runs in noble, but the inputs must pass blst's own decoding first, so this
    // backend's rule for what a key is holds at registration too.
    try {
      parsePublicKey(publicKey);
      parseSignature(proof);
    } catch {
      return false;
    }
    return noble.popVerify(publicKey, proof);
  },
};
