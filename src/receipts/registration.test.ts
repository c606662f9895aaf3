import { describe, expect, test } from 'vitest';
import { getBackend } from './backend.ts';
import { BACKEND_NAMES } from './bls.ts';
import { keyPairFromSeed } from './keys.ts';
import { RECEIPT_TAG } from './receipt.ts';
import { REGISTRATION_TAG, registrationMessage, signRegistration } from './registration.ts';

const blst = getBackend('blst');
const alice = keyPairFromSeed(blst, 'registration-test');

describe('registration message', () => {
  test('default: tag | id length | id | public key', () => {
    const message = registrationMessage('alice', alice.publicKey);
    const expected = Buffer.concat([Buffer.from('PBTS-RG1'), Buffer.from([5]), Buffer.from('alice'), alice.publicKey]);
    expect(Buffer.from(message)).toEqual(expected);
  });

  test('behavior: its tag differs from the receipt tag in the same leading bytes', () => {
    expect(REGISTRATION_TAG.length).toBe(RECEIPT_TAG.length);
    expect(Buffer.from(REGISTRATION_TAG).equals(RECEIPT_TAG)).toBe(false);
  });

  test.each(BACKEND_NAMES)('behavior: %s signs it under the signing DST; the signature is valid for its user id only', (name) => {
    const backend = getBackend(name);
    const signature = signRegistration(backend, alice, 'alice');
    expect(signature).toEqual(signRegistration(blst, alice, 'alice'));
    expect(backend.verify(alice.publicKey, registrationMessage('alice', alice.publicKey), signature)).toBe(true);
    expect(backend.verify(alice.publicKey, registrationMessage('mallory', alice.publicKey), signature)).toBe(false);
    expect(backend.popVerify(alice.publicKey, signature)).toBe(false);
  });

  test('error: a user id over 255 bytes, a key of the wrong length', () => {
    expect(() => registrationMessage('x'.repeat(256), alice.publicKey)).toThrow(RangeError);
    expect(registrationMessage('x'.repeat(255), alice.publicKey)[8]).toBe(255);
    expect(() => registrationMessage('alice', alice.publicKey.subarray(1))).toThrow(RangeError);
  });
});
