/**
 * The registration signature: a user's key signs, under the signing DST, the user id it
 * registers. The proof of possession (Ethereum's, the rogue-key defence) signs the public key
 * alone, so whoever has seen a key and its proof could register them under any user id before
 * their owner does; this second signature names the user id, so a key registers only under the
 * id its owner signed for.
 * @module
 */
import { type BlsBackend, PUBLIC_KEY_LENGTH } from './bls.ts';
import type { KeyPair } from './keys.ts';

/**
 * Domain tag at the start of every registration message: format version 1. Its 8 bytes differ
 * from the receipt tag `PBTS-RC1`, so no registration message is a receipt message.
 */
export const REGISTRATION_TAG = new TextEncoder().encode('PBTS-RG1');
/** Longest user id a registration message can carry, in UTF-8 bytes (its length is one byte). */
export const MAX_REGISTRATION_ID_BYTES = 255;

/**
 * The message a registration signs: tag(8) | user id length u8 | user id (UTF-8) | public key(48).
 * The length prefix and the fixed-length key leave one reading of every message. Which user
 * ids are allowed is the tracker's rule, not the message's.
 */
export function registrationMessage(userId: string, publicKey: Uint8Array): Uint8Array {
  const id = new TextEncoder().encode(userId);
  if (id.length > MAX_REGISTRATION_ID_BYTES) {
    throw new RangeError(`user id must be at most ${MAX_REGISTRATION_ID_BYTES} bytes, got ${id.length}`);
  }
  if (publicKey.length !== PUBLIC_KEY_LENGTH) throw new RangeError(`public key must be ${PUBLIC_KEY_LENGTH} bytes`);
  const out = new Uint8Array(REGISTRATION_TAG.length + 1 + id.length + PUBLIC_KEY_LENGTH);
  out.set(REGISTRATION_TAG);
  out[REGISTRATION_TAG.length] = id.length;
  out.set(id, REGISTRATION_TAG.length + 1);
  out.set(publicKey, REGISTRATION_TAG.length + 1 + id.length);
  return out;
}

/** The key pair's registration signature for `userId`. */
export function signRegistration(backend: BlsBackend, keys: KeyPair, userId: string): Uint8Array {
  return backend.sign(keys.secretKey, registrationMessage(userId, keys.publicKey));
}
