import blst from '@chainsafe/blst';
import { describe, expect, test } from 'vitest';
import { getBackend } from './backend.ts';
import { BACKEND_NAMES, BlsError, CURVE_ORDER, PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH } from './bls.ts';
import { keyPairFromSeed, keygen } from './keys.ts';

const [blstB, nobleB] = [getBackend('blst'), getBackend('noble')];
const message = new TextEncoder().encode('PBTS test message');
const keys = [0, 1, 2].map((i) => keyPairFromSeed(blstB, 'bls-test', i));

// Compressed encodings of points that are on no curve, not in the subgroup, or at infinity.
const infinityG1 = Uint8Array.from([0xc0, ...new Uint8Array(PUBLIC_KEY_LENGTH - 1)]);
const infinityG2 = Uint8Array.from([0xc0, ...new Uint8Array(SIGNATURE_LENGTH - 1)]);
function notOnCurveG1(): Uint8Array {
  // x = 3 gives y^2 = 31, a non-residue mod p: no point has this x.
  const bytes = new Uint8Array(PUBLIC_KEY_LENGTH);
  bytes[0] = 0x80;
  bytes[PUBLIC_KEY_LENGTH - 1] = 3;
  return bytes;
}
function notInSubgroupG1(): Uint8Array {
  // x = 4 gives y^2 = 68, a residue: a curve point of E(Fp) outside the order-r subgroup.
  const bytes = new Uint8Array(PUBLIC_KEY_LENGTH);
  bytes[0] = 0x80;
  bytes[PUBLIC_KEY_LENGTH - 1] = 4;
  return bytes;
}

describe('keys', () => {
  test('default: keygen matches blst SecretKey.fromKeygen', () => {
    const ikm = new Uint8Array(32).fill(7);
    expect(keygen(ikm)).toEqual(blst.SecretKey.fromKeygen(ikm).toBytes());
  });

  test('behavior: both backends derive byte-identical public keys', () => {
    for (const { secretKey, publicKey } of keys) {
      expect(nobleB.publicKey(secretKey)).toEqual(publicKey);
    }
  });

  test('error: secret keys of zero, >= r or the wrong length are refused', () => {
    const order = Uint8Array.from(Buffer.from(CURVE_ORDER.toString(16).padStart(64, '0'), 'hex'));
    for (const backend of [blstB, nobleB]) {
      for (const bad of [new Uint8Array(32), order, new Uint8Array(31).fill(1)]) {
        expect(() => backend.publicKey(bad)).toThrow(BlsError);
        expect(() => backend.sign(bad, message)).toThrow(BlsError);
      }
    }
  });
});

describe.each(BACKEND_NAMES)('backend %s', (name) => {
  const backend = getBackend(name);
  const other = name === 'blst' ? nobleB : blstB;
  const key = keys[0]!;

  test('default: signs byte-identically to the other backend and accepts its signatures', () => {
    const signature = backend.sign(key.secretKey, message);
    expect(signature).toEqual(other.sign(key.secretKey, message));
    expect(backend.verify(key.publicKey, message, other.sign(key.secretKey, message))).toBe(true);
  });

  test('behavior: proof of possession is identical across backends and verifies', () => {
    const proof = backend.popProve(key.secretKey);
    expect(proof).toEqual(other.popProve(key.secretKey));
    expect(backend.popVerify(key.publicKey, proof)).toBe(true);
    expect(backend.popVerify(keys[1]!.publicKey, proof)).toBe(false);
  });

  test('behavior: a signature under the PoP tag is not a signature, and vice versa', () => {
    const proof = backend.popProve(key.secretKey);
    expect(backend.verify(key.publicKey, key.publicKey, proof)).toBe(false);
    expect(backend.popVerify(key.publicKey, backend.sign(key.secretKey, key.publicKey))).toBe(false);
  });

  test('behavior: a wrong message, key or flipped signature bit fails', () => {
    const signature = backend.sign(key.secretKey, message);
    const flipped = signature.slice();
    flipped[50]! ^= 1;
    expect(backend.verify(key.publicKey, message.slice(1), signature)).toBe(false);
    expect(backend.verify(keys[1]!.publicKey, message, signature)).toBe(false);
    expect(backend.verify(key.publicKey, message, flipped)).toBe(false);
  });

  test('behavior: aggregate verification of distinct messages and keys', () => {
    const messages = keys.map((_, i) => new TextEncoder().encode(`message ${i}`));
    const signatures = keys.map((k, i) => backend.sign(k.secretKey, messages[i]!));
    const aggregate = backend.aggregate(signatures);
    expect(aggregate).toEqual(other.aggregate(signatures));
    const publicKeys = keys.map((k) => k.publicKey);
    expect(backend.aggregateVerify(publicKeys, messages, aggregate)).toBe(true);
    // Swapping two keys' messages must fail even though the multiset of messages is the same.
    const swapped = [messages[1]!, messages[0]!, messages[2]!];
    expect(backend.aggregateVerify(publicKeys, swapped, aggregate)).toBe(false);
    // One wrong signature inside the aggregate fails the whole batch.
    const oneWrong = backend.aggregate([signatures[0]!, signatures[1]!, backend.sign(key.secretKey, messages[2]!)]);
    expect(backend.aggregateVerify(publicKeys, messages, oneWrong)).toBe(false);
    expect(backend.aggregateVerify(publicKeys.slice(1), messages, aggregate)).toBe(false);
    expect(backend.aggregateVerify([], [], aggregate)).toBe(false);
  });

  test('error: invalid public keys are rejected with BlsError and never verify', () => {
    const signature = backend.sign(key.secretKey, message);
    const cases = {
      'wrong length': key.publicKey.slice(1),
      'not on curve': notOnCurveG1(),
      'not in subgroup': notInSubgroupG1(),
      infinity: infinityG1,
    };
    for (const [what, bad] of Object.entries(cases)) {
      expect(() => backend.validatePublicKey(bad), what).toThrow(BlsError);
      expect(backend.verify(bad, message, signature), what).toBe(false);
      expect(backend.aggregateVerify([bad], [message], signature), what).toBe(false);
      expect(backend.popVerify(bad, signature), what).toBe(false);
    }
  });

  test('error: invalid signatures are rejected with BlsError and never verify', () => {
    const signature = backend.sign(key.secretKey, message);
    const garbage = signature.slice();
    garbage.fill(0xff, 1, 48);
    const cases = { 'wrong length': signature.slice(0, 95), infinity: infinityG2, 'not a point': garbage };
    for (const [what, bad] of Object.entries(cases)) {
      expect(() => backend.validateSignature(bad), what).toThrow(BlsError);
      expect(backend.verify(key.publicKey, message, bad), what).toBe(false);
      expect(() => backend.aggregate([signature, bad]), what).toThrow(BlsError);
    }
    expect(() => backend.aggregate([])).toThrow(BlsError);
  });
});

test('error: an unknown backend name is refused', () => {
  expect(() => getBackend('openssl')).toThrow(/unknown BLS backend "openssl"/);
});
