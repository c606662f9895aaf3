/**
 * Seeded key material for the dstack simulator. Every key, serial number and measurement the
 * simulator uses is derived from one seed, so a seed reproduces its PKI, signers and keys byte
 * for byte. The seed is public by design: nothing derived here is ever secret.
 * @module
 */
import { p256 } from '@noble/curves/p256';
import { sha256 } from '@noble/hashes/sha2';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils';

/** Domain tag of every derivation; bump it if the derivation ever changes. */
const TAG = utf8ToBytes('pbts-dstack-sim/v1');
const SEPARATOR = new Uint8Array([0]);

function block(seed: string, label: string, counter: number): Uint8Array {
  const ctr = new Uint8Array(4);
  new DataView(ctr.buffer).setUint32(0, counter);
  // NUL separators keep ("ab", "c") and ("a", "bc") apart.
  return sha256(concatBytes(TAG, SEPARATOR, utf8ToBytes(seed), SEPARATOR, utf8ToBytes(label), SEPARATOR, ctr));
}

/** `length` bytes derived from `seed` under `label`: sha256(tag | seed | label | ctr) blocks. */
export function seededBytes(seed: string, label: string, length = 32): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (let counter = 0; blocks.length * 32 < length; counter++) blocks.push(block(seed, label, counter));
  return concatBytes(...blocks).slice(0, length);
}

/** A P-256 secret key derived from `seed` under `label`: the first candidate that is a valid scalar. */
export function seededP256Key(seed: string, label: string): Uint8Array {
  for (let counter = 0; ; counter++) {
    const candidate = block(seed, label, counter);
    if (p256.utils.isValidPrivateKey(candidate)) return candidate;
  }
}
