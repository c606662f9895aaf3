/**
 * dstack key derivation, byte for byte as the guest agent (0.5.x) does it: `GetKey` keys are
 * HKDF-SHA256(salt "RATLS", ikm app key, info path), and the signature chain is the app key's
 * recoverable secp256k1 signature over keccak256(purpose ":" hex(pubkey)) followed by the KMS
 * root's signature over keccak256("dstack-kms-issued:" app_id compressed(app pubkey)).
 * `Sign` and `Verify` use the `GetKey("vms", "signing")` key, as the agent does.
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519';
import { secp256k1 } from '@noble/curves/secp256k1';
import { hkdf } from '@noble/hashes/hkdf';
import { sha256 } from '@noble/hashes/sha2';
import { keccak_256 } from '@noble/hashes/sha3';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';
import { publicKeyOf, signDigestRecoverable } from './k256.ts';

/** What the KMS hands a dstack app: its id, its secp256k1 app key, and the KMS root's signature over it. */
export interface AppKeys {
  /** App id, 20 bytes. */
  appId: Uint8Array;
  /** secp256k1 app key, 32 bytes: the HKDF input of every `GetKey`. */
  k256Key: Uint8Array;
  /** 65-byte r||s||v signature by the KMS root key binding the app key to the app id. */
  k256Signature: Uint8Array;
}

/**
 * The public, fixed keys of dstack's official simulator (`sdk/simulator/appkeys.json`, with the app
 * id its fixture attests): keys derived from them equal the official simulator's, and are public.
 */
export const DSTACK_SIMULATOR_APP_KEYS: AppKeys = Object.freeze({
  appId: hexToBytes('5bb4ff9a3837357f19dc176407a5709c62eb6c56'),
  k256Key: hexToBytes('d6e88992cdeeee35fe70b5db61ab66cdb191fb9b6ec9313757ef162dd7214d5d'),
  k256Signature: hexToBytes(
    '9e618603e72d01fedb82deff6daf2d62a572becf0059eec3f89c1ab40e1f2e59' +
      '4d2a283f843f34e8f39e4cc49a612496ce67223a12ac923f8efe330346dfc6c500',
  ),
});

/** Key algorithms `GetKey` accepts (after dstack's alias normalisation). */
export type KeyAlgorithm = 'secp256k1' | 'ed25519';
/** Algorithms `Sign` and `Verify` accept. */
export type SignAlgorithm = KeyAlgorithm | 'secp256k1_prehashed';

const KMS_ISSUED_PREFIX = utf8ToBytes('dstack-kms-issued:');

/** dstack's KDF: HKDF-SHA256 with salt "RATLS" over the concatenated context parts. */
export function dstackKdf(inputKey: Uint8Array, context: Uint8Array[], length = 32): Uint8Array {
  return hkdf(sha256, inputKey, utf8ToBytes('RATLS'), concatBytes(...context), length);
}

/** 65-byte r||s||v secp256k1 signature over keccak256(message), deterministic like k256's. */
export function signRecoverable(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return signDigestRecoverable(secretKey, keccak_256(message));
}

/** Compressed secp256k1 public key that made `signature` (r||s||v) over keccak256(message). */
export function recoverSigner(message: Uint8Array, signature: Uint8Array): Uint8Array {
  if (signature.length !== 65) throw new RangeError('recoverable signature must be 65 bytes');
  return secp256k1.Signature.fromCompact(signature.slice(0, 64))
    .addRecoveryBit(signature[64]!)
    .recoverPublicKey(keccak_256(message))
    .toRawBytes(true);
}

/** The KMS's issuance of an app key, as dstack's KMS does it: for tests of other KMS roots. */
export function issueAppKeys(kmsRootKey: Uint8Array, appId: Uint8Array): AppKeys {
  const k256Key = dstackKdf(kmsRootKey, [appId, utf8ToBytes('app-key')]);
  const appPublicKey = publicKeyOf(k256Key);
  return { appId, k256Key, k256Signature: signRecoverable(kmsRootKey, concatBytes(KMS_ISSUED_PREFIX, appId, appPublicKey)) };
}

/** Compressed public key of the app key. */
export function appPublicKey(keys: AppKeys): Uint8Array {
  return publicKeyOf(keys.k256Key);
}

/** Compressed public key of the KMS root that issued `keys`, recovered from its signature. */
export function kmsRootPublicKey(keys: AppKeys): Uint8Array {
  return recoverSigner(concatBytes(KMS_ISSUED_PREFIX, keys.appId, appPublicKey(keys)), keys.k256Signature);
}

/** dstack's algorithm aliases: "", "k256" and "secp256k1" name the same thing. */
export function normalizeKeyAlgorithm(algorithm: string): KeyAlgorithm {
  if (algorithm === '' || algorithm === 'k256' || algorithm === 'secp256k1') return 'secp256k1';
  if (algorithm === 'ed25519') return 'ed25519';
  throw new Error('Unsupported algorithm');
}

/** `Sign`/`Verify` algorithm names, with dstack's one alias ("k256"). */
export function normalizeSignAlgorithm(algorithm: string): SignAlgorithm {
  const name = algorithm === 'k256' ? 'secp256k1' : algorithm;
  if (name === 'secp256k1' || name === 'secp256k1_prehashed' || name === 'ed25519') return name;
  throw new Error('Unsupported algorithm');
}

/** A `GetKey` answer: the derived key and its two-link signature chain. */
export interface DerivedKey {
  key: Uint8Array;
  signatureChain: [Uint8Array, Uint8Array];
}

/** `GetKey(path, purpose, algorithm)`: only `path` changes the key bytes, exactly as in dstack. */
export function getKey(keys: AppKeys, path: string, purpose: string, algorithm: KeyAlgorithm): DerivedKey {
  const key = dstackKdf(keys.k256Key, [utf8ToBytes(path)]);
  const publicKey = algorithm === 'ed25519' ? ed25519.getPublicKey(key) : publicKeyOf(key);
  const appSignature = signRecoverable(keys.k256Key, utf8ToBytes(`${purpose}:${bytesToHex(publicKey)}`));
  return { key, signatureChain: [appSignature, keys.k256Signature] };
}

/** A `Sign` answer. */
export interface Signed {
  signature: Uint8Array;
  /** The signature, then the signing key's `GetKey` chain. */
  signatureChain: [Uint8Array, Uint8Array, Uint8Array];
  publicKey: Uint8Array;
}

/** `Sign(algorithm, data)` with the `GetKey("vms", "signing")` key. */
export function signData(keys: AppKeys, algorithm: SignAlgorithm, data: Uint8Array): Signed {
  const keyAlgorithm = algorithm === 'secp256k1_prehashed' ? 'secp256k1' : algorithm;
  const { key, signatureChain } = getKey(keys, 'vms', 'signing', keyAlgorithm);
  let signature: Uint8Array;
  let publicKey: Uint8Array;
  if (algorithm === 'ed25519') {
    signature = ed25519.sign(data, key);
    publicKey = ed25519.getPublicKey(key);
  } else {
    if (algorithm === 'secp256k1_prehashed' && data.length !== 32) {
      throw new Error(`Pre-hashed signing requires a 32-byte digest, but received ${data.length} bytes`);
    }
    // k256's plain `sign` hashes with SHA-256; the prehashed variant signs the digest as given.
    const digest = algorithm === 'secp256k1' ? sha256(data) : data;
    signature = signDigestRecoverable(key, digest).slice(0, 64);
    publicKey = publicKeyOf(key);
  }
  return { signature, signatureChain: [signature, ...signatureChain], publicKey };
}

/** `Verify(algorithm, data, signature, publicKey)`; throws on malformed keys or signatures, as dstack does. */
export function verifyData(algorithm: SignAlgorithm, data: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (algorithm === 'ed25519') {
    if (publicKey.length !== 32 || signature.length !== 64) throw new Error('invalid public key or signature');
    return ed25519.verify(signature, data, publicKey);
  }
  secp256k1.Point.fromHex(publicKey);
  if (signature.length !== 64) throw new Error('invalid signature');
  const digest = algorithm === 'secp256k1' ? sha256(data) : data;
  return secp256k1.verify(signature, digest, publicKey);
}
