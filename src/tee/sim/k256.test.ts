import { randomBytes } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1';
import { describe, expect, test } from 'vitest';
import { publicKeyOf, signDigestRecoverable } from './k256.ts';

/** noble's recoverable signature, the reference the native path must equal byte for byte. */
function nobleRecoverable(secretKey: Uint8Array, digest: Uint8Array): Uint8Array {
  const signature = secp256k1.sign(digest, secretKey);
  return Uint8Array.from([...signature.toCompactRawBytes(), signature.recovery]);
}

const N = secp256k1.CURVE.n;

describe('k256', () => {
  test('default: public keys equal noble\'s, compressed and uncompressed', () => {
    for (let i = 0; i < 50; i++) {
      const key = secp256k1.utils.randomPrivateKey();
      expect(publicKeyOf(key)).toEqual(secp256k1.getPublicKey(key, true));
      expect(publicKeyOf(key, false)).toEqual(secp256k1.getPublicKey(key, false));
    }
  });

  test('default: RFC 6979 signatures equal noble\'s byte for byte, recovery id included, over 300 random inputs', () => {
    let oddRecovery = 0;
    for (let i = 0; i < 300; i++) {
      const key = secp256k1.utils.randomPrivateKey();
      const digest = new Uint8Array(randomBytes(32));
      const ours = signDigestRecoverable(key, digest);
      expect(ours).toEqual(nobleRecoverable(key, digest));
      // Recovers to the signer, so the recovery id is right and not just equal.
      const recovered = secp256k1.Signature.fromCompact(ours.slice(0, 64)).addRecoveryBit(ours[64]!).recoverPublicKey(digest);
      expect(recovered.toRawBytes(true)).toEqual(publicKeyOf(key));
      if (ours[64] === 1) oddRecovery++;
    }
    // Both recovery ids occur, so the low-s flip and the parity are both exercised.
    expect(oddRecovery).toBeGreaterThan(50);
    expect(oddRecovery).toBeLessThan(250);
  });

  test('behavior: digests at or above the group order are reduced as noble reduces them', () => {
    const key = secp256k1.utils.randomPrivateKey();
    for (const digest of [new Uint8Array(32).fill(0xff), Uint8Array.from(Buffer.from(N.toString(16), 'hex')), new Uint8Array(32)]) {
      expect(signDigestRecoverable(key, digest)).toEqual(nobleRecoverable(key, digest));
    }
  });

  test('error: keys outside [1, n) and digests of the wrong length are refused', () => {
    const digest = new Uint8Array(32);
    // libsecp256k1's checks, with its messages.
    expect(() => signDigestRecoverable(new Uint8Array(32), digest)).toThrow('Expected Private');
    expect(() => signDigestRecoverable(Uint8Array.from(Buffer.from(N.toString(16), 'hex')), digest)).toThrow('Expected Private');
    expect(() => signDigestRecoverable(new Uint8Array(31).fill(1), digest)).toThrow('Expected Private');
    expect(() => signDigestRecoverable(secp256k1.utils.randomPrivateKey(), new Uint8Array(31))).toThrow('Expected Hash');
    expect(() => publicKeyOf(new Uint8Array(32))).toThrow('Expected Private');
  });
});
