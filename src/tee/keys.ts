/**
 * The tracker's GetKey paths and purposes, and the checks a verifier makes on its keys: dstack's
 * signature chain back to the KMS root, and identity-key signatures. Pure (noble only).
 * @module
 */
import { secp256k1 } from '@noble/curves/secp256k1';
import { sha256 } from '@noble/hashes/sha2';
import { keccak_256 } from '@noble/hashes/sha3';
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils';
import { type Hex, bytesOfHex } from './report-data.ts';

/** GetKey path of the tracker's secp256k1 chain account (owner of its Reputation contract). */
export const CHAIN_KEY_PATH = 'pbts/tracker/chain/v1';
/** GetKey path of the tracker's identity key (what attestations bind). */
export const IDENTITY_KEY_PATH = 'pbts/tracker/identity/v1';
/** Purpose string of the chain key; it only enters the signature chain, never the key. */
export const CHAIN_KEY_PURPOSE = 'pbts-tracker-chain';
/** Purpose string of the identity key; it only enters the signature chain, never the key. */
export const IDENTITY_KEY_PURPOSE = 'pbts-tracker-identity';

/** True when `signature` (64-byte r||s) is the identity key's signature over sha256(message). */
export function verifyIdentitySignature(publicKey: Hex, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return secp256k1.verify(signature, sha256(message), bytesOfHex(publicKey));
  } catch {
    return false;
  }
}

function recover(message: Uint8Array, signature: Uint8Array): Uint8Array {
  if (signature.length !== 65) throw new RangeError('recoverable signature must be 65 bytes');
  return secp256k1.Signature.fromCompact(signature.slice(0, 64))
    .addRecoveryBit(signature[64]!)
    .recoverPublicKey(keccak_256(message))
    .toRawBytes(true);
}

/**
 * The KMS root key (compressed, 0x-hex) that issued a GetKey key, recovered from dstack's
 * signature chain: the app key signed keccak256(purpose ":" hex(pubkey)), and the KMS root
 * signed keccak256("dstack-kms-issued:" app_id compressed(app pubkey)). Throws on a malformed chain.
 */
export function recoverKmsRoot(key: { publicKey: Hex; purpose: string; signatureChain: readonly Hex[]; appId: string }): Hex {
  const [appSignature, kmsSignature] = key.signatureChain.map((signature) => bytesOfHex(signature, 'signature'));
  if (!appSignature || !kmsSignature) throw new RangeError('signature chain needs two signatures');
  const publicKeyHex = bytesToHex(bytesOfHex(key.publicKey, 'public key'));
  const appKey = recover(utf8ToBytes(`${key.purpose}:${publicKeyHex}`), appSignature);
  const issued = concatBytes(utf8ToBytes('dstack-kms-issued:'), bytesOfHex(key.appId, 'app id'), appKey);
  return `0x${bytesToHex(recover(issued, kmsSignature))}`;
}
