/**
 * Every key and signature has exactly one accepted byte string: its canonical compressed
 * encoding. Crafted second spellings (a coordinate plus p, wrong flag bits, infinity) are refused
 * by both backends in every entry point, so one key cannot name two accounts.
 */
import { bls12_381 } from '@noble/curves/bls12-381';
import { describe, expect, test } from 'vitest';
import { getBackend } from './backend.ts';
import {
  BACKEND_NAMES,
  BlsError,
  FIELD_MODULUS,
  POP_DST,
  PUBLIC_KEY_LENGTH,
  SIGNATURE_LENGTH,
} from './bls.ts';
import { keyPairFromSeed } from './keys.ts';

const long = bls12_381.longSignatures;
const blstB = getBackend('blst');
const FIELD_BITS = (1n << 381n) - 1n;
const toBig = (value: Uint8Array) => BigInt(`0x${Buffer.from(value).toString('hex') || '0'}`);
const toBytes = (value: bigint, length: number) =>
  Uint8Array.from(Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex'));

/** `encoding` (48 bytes, flags in the top 3 bits) with p added to its 381-bit value. */
function plusP(encoding: Uint8Array): Uint8Array | undefined {
  const flags = BigInt(encoding[0]! & 0xe0) << 376n;
  const value = toBig(encoding) & FIELD_BITS;
  if (value + FIELD_MODULUS > FIELD_BITS) return undefined; // does not fit beside the flags
  return toBytes(flags | (value + FIELD_MODULUS), 48);
}

// A key whose x is small enough that x + p still fits in 381 bits (about one key in four).
const key = (() => {
  for (let i = 0; i < 64; i++) {
    const pair = keyPairFromSeed(blstB, 'canonical-test', i);
    if (plusP(pair.publicKey)) return pair;
  }
  throw new Error('no key with a small x among 64 seeds');
})();
const message = new TextEncoder().encode('PBTS canonical encoding test');
const signature = blstB.sign(key.secretKey, message);

/** A proof of possession over exactly these public-key bytes: what an attacker would send. */
const popOver = (publicKeyBytes: Uint8Array) =>
  long.sign(long.hash(publicKeyBytes, POP_DST), key.secretKey).toBytes(true);

const withFirstByte = (encoding: Uint8Array, first: number) => Uint8Array.from([first, ...encoding.subarray(1)]);

const badKeys: Record<string, Uint8Array> = {
  'x + p': plusP(key.publicKey)!,
  'compression flag clear': withFirstByte(key.publicKey, key.publicKey[0]! & 0x7f),
  'infinity flag set on a real key': withFirstByte(key.publicKey, key.publicKey[0]! | 0x40),
  infinity: Uint8Array.from([0xc0, ...new Uint8Array(PUBLIC_KEY_LENGTH - 1)]),
  'infinity with the sort flag': Uint8Array.from([0xe0, ...new Uint8Array(PUBLIC_KEY_LENGTH - 1)]),
  'infinity with a nonzero x bit': Uint8Array.from([0xc0, ...new Uint8Array(PUBLIC_KEY_LENGTH - 2), 1]),
};

// G2: x = c0 + c1*u is sent c1 first (with the flags), then c0. c0 + p always fits in 48 bytes.
const sigC0PlusP = signature.slice();
sigC0PlusP.set(toBytes(toBig(signature.subarray(48)) + FIELD_MODULUS, 48), 48);
// A signature whose c1 is small enough to add p to it too.
const smallC1 = (() => {
  for (let i = 0; i < 64; i++) {
    const m = new TextEncoder().encode(`c1 search ${i}`);
    const s = blstB.sign(key.secretKey, m);
    const c1 = plusP(s.subarray(0, 48));
    if (c1) return { message: m, signature: s, plusP: Uint8Array.from([...c1, ...s.subarray(48)]) };
  }
  throw new Error('no signature with a small c1 among 64 messages');
})();

const badSignatures: Record<string, Uint8Array> = {
  'x.c0 + p': sigC0PlusP,
  'compression flag clear': withFirstByte(signature, signature[0]! & 0x7f),
  'infinity flag set on a real signature': withFirstByte(signature, signature[0]! | 0x40),
  infinity: Uint8Array.from([0xc0, ...new Uint8Array(SIGNATURE_LENGTH - 1)]),
  'infinity with the sort flag': Uint8Array.from([0xe0, ...new Uint8Array(SIGNATURE_LENGTH - 1)]),
  'infinity with a nonzero c0 bit': Uint8Array.from([0xc0, ...new Uint8Array(SIGNATURE_LENGTH - 2), 1]),
};

test('default: the crafted x + p encodings name the same points (noble decodes them to the originals)', () => {
  // Proof that the cases below are second spellings of valid points, not just garbage.
  const G1 = bls12_381.G1.Point;
  const G2 = bls12_381.G2.Point;
  expect(G1.fromBytes(badKeys['x + p']!).equals(G1.fromBytes(key.publicKey))).toBe(true);
  expect(G2.fromBytes(sigC0PlusP).equals(G2.fromBytes(signature))).toBe(true);
  expect(G2.fromBytes(smallC1.plusP).equals(G2.fromBytes(smallC1.signature))).toBe(true);
});

describe.each(BACKEND_NAMES)('backend %s', (name) => {
  const backend = getBackend(name);

  test('default: the canonical encodings are accepted everywhere', () => {
    expect(() => backend.validatePublicKey(key.publicKey)).not.toThrow();
    expect(() => backend.validateSignature(signature)).not.toThrow();
    expect(backend.verify(key.publicKey, message, signature)).toBe(true);
    expect(backend.aggregateVerify([key.publicKey], [message], backend.aggregate([signature]))).toBe(true);
    expect(backend.popVerify(key.publicKey, popOver(key.publicKey))).toBe(true);
  });

  test('behavior: Buffers (views into a shared pool, as hex parsing makes) are accepted and left unchanged', () => {
    // noble clears flag bits in what it decodes; a Buffer's slice shares memory, so without a
    // copy the caller's key changed and its own canonical check then refused it.
    const pk = Buffer.from(Buffer.from(key.publicKey).toString('hex'), 'hex');
    const pop = Buffer.from(Buffer.from(popOver(key.publicKey)).toString('hex'), 'hex');
    const sig = Buffer.from(Buffer.from(signature).toString('hex'), 'hex');
    const before = [pk, pop, sig].map((b) => b.toString('hex'));
    expect(backend.popVerify(pk, pop)).toBe(true);
    expect(backend.verify(pk, message, sig)).toBe(true);
    expect(() => backend.validatePublicKey(pk)).not.toThrow();
    expect([pk, pop, sig].map((b) => b.toString('hex'))).toEqual(before);
  });

  test('error: a public key that is not the canonical encoding is refused by every entry point', () => {
    for (const [what, bad] of Object.entries(badKeys)) {
      expect(() => backend.validatePublicKey(bad), what).toThrow(BlsError);
      expect(backend.verify(bad, message, signature), what).toBe(false);
      expect(backend.aggregateVerify([bad], [message], signature), what).toBe(false);
      expect(backend.aggregateVerify([key.publicKey, bad], [message, message], signature), what).toBe(false);
      // A PoP signed over the non-canonical bytes themselves: registration's check.
      expect(backend.popVerify(bad, popOver(bad)), what).toBe(false);
    }
  });

  test('error: a signature that is not the canonical encoding is refused by every entry point', () => {
    const cases = { ...badSignatures, 'x.c1 + p': smallC1.plusP };
    for (const [what, bad] of Object.entries(cases)) {
      const signed = what === 'x.c1 + p' ? smallC1.message : message;
      expect(() => backend.validateSignature(bad), what).toThrow(BlsError);
      expect(backend.verify(key.publicKey, signed, bad), what).toBe(false);
      expect(() => backend.aggregate([bad]), what).toThrow(BlsError);
      expect(() => backend.aggregate([signature, bad]), what).toThrow(BlsError);
      expect(backend.aggregateVerify([key.publicKey], [signed], bad), what).toBe(false);
      expect(backend.popVerify(key.publicKey, what === 'x.c0 + p' ? plusPOfPop() : bad), what).toBe(false);
    }
  });

  test('error: the refusal says why (non-canonical coordinate, flags, infinity)', () => {
    expect(() => backend.validatePublicKey(badKeys['x + p']!)).toThrow(/not below the field modulus p/);
    expect(() => backend.validatePublicKey(badKeys['compression flag clear']!)).toThrow(/compression flag/);
    expect(() => backend.validatePublicKey(badKeys.infinity!)).toThrow(/point at infinity/);
    expect(() => backend.validateSignature(badSignatures['x.c0 + p']!)).toThrow(/not below the field modulus p/);
    expect(() => backend.validateSignature(badSignatures['infinity with the sort flag']!)).toThrow(/infinity flag/);
  });
});

/** The key's valid PoP with p added to its c0: a second spelling of a valid proof. */
function plusPOfPop(): Uint8Array {
  const pop = popOver(key.publicKey);
  const out = pop.slice();
  out.set(toBytes(toBig(pop.subarray(48)) + FIELD_MODULUS, 48), 48);
  return out;
}
