import { ed25519 } from '@noble/curves/ed25519';
import { secp256k1 } from '@noble/curves/secp256k1';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';
import { describe, expect, test } from 'vitest';
import {
  DSTACK_SIMULATOR_APP_KEYS,
  appPublicKey,
  dstackKdf,
  getKey,
  issueAppKeys,
  kmsRootPublicKey,
  normalizeKeyAlgorithm,
  normalizeSignAlgorithm,
  recoverSigner,
  signData,
  verifyData,
} from './keys.ts';

// Upstream conformance vectors: dstack's Go SDK test (sdk/go/dstack, TestGetKeySignatureVerification)
// pins these for GetKey("/test/path", "test-purpose") against the official simulator.
const UPSTREAM_APP_PUBKEY = '02818494263695e8839122dbd88e281d7380622999df4e60a14befa0f2d096fc7c';
const UPSTREAM_KMS_PUBKEY = '0321529e458424ab1f710a3a57ec4dad2fb195ddca572f7469242ba6c7563085b6';
const keys = DSTACK_SIMULATOR_APP_KEYS;

describe('dstack key derivation', () => {
  test('default: the signature chain recovers the upstream app and KMS public keys', () => {
    const { key, signatureChain } = getKey(keys, '/test/path', 'test-purpose', 'secp256k1');
    const derivedPublicKey = bytesToHex(secp256k1.getPublicKey(key, true));
    const appKey = recoverSigner(utf8ToBytes(`test-purpose:${derivedPublicKey}`), signatureChain[0]);
    expect(bytesToHex(appKey)).toBe(UPSTREAM_APP_PUBKEY);
    const kmsKey = recoverSigner(concatBytes(utf8ToBytes('dstack-kms-issued:'), keys.appId, appKey), signatureChain[1]);
    expect(bytesToHex(kmsKey)).toBe(UPSTREAM_KMS_PUBKEY);
    expect(bytesToHex(appPublicKey(keys))).toBe(UPSTREAM_APP_PUBKEY);
    expect(bytesToHex(kmsRootPublicKey(keys))).toBe(UPSTREAM_KMS_PUBKEY);
    expect(bytesToHex(keys.appId)).toBe('5bb4ff9a3837357f19dc176407a5709c62eb6c56');
  });

  test('behavior: keys are HKDF-SHA256(salt "RATLS", app key, path), deterministic', () => {
    const { key } = getKey(keys, 'tracker/identity/v1', 'p', 'secp256k1');
    expect(key).toEqual(dstackKdf(keys.k256Key, [utf8ToBytes('tracker/identity/v1')]));
    expect(getKey(keys, 'tracker/identity/v1', 'p', 'secp256k1')).toEqual(getKey(keys, 'tracker/identity/v1', 'p', 'secp256k1'));
    expect(getKey(keys, 'other', 'p', 'secp256k1').key).not.toEqual(key);
  });

  test('behavior: purpose and algorithm change the chain, never the key bytes', () => {
    const a = getKey(keys, 'path', 'one', 'secp256k1');
    const b = getKey(keys, 'path', 'two', 'secp256k1');
    const c = getKey(keys, 'path', 'one', 'ed25519');
    expect(b.key).toEqual(a.key);
    expect(c.key).toEqual(a.key);
    expect(b.signatureChain[0]).not.toEqual(a.signatureChain[0]);
    // For ed25519 the app key signs the 32-byte ed25519 public key.
    const edPublicKey = bytesToHex(ed25519.getPublicKey(c.key));
    expect(bytesToHex(recoverSigner(utf8ToBytes(`one:${edPublicKey}`), c.signatureChain[0]))).toBe(UPSTREAM_APP_PUBKEY);
  });

  test('behavior: another KMS root issues app keys whose chain recovers that root', () => {
    const kmsRoot = sha256(utf8ToBytes('test kms root'));
    const appId = hexToBytes('00112233445566778899aabbccddeeff00112233');
    const issued = issueAppKeys(kmsRoot, appId);
    expect(issued.k256Key).toEqual(dstackKdf(kmsRoot, [appId, utf8ToBytes('app-key')]));
    expect(kmsRootPublicKey(issued)).toEqual(secp256k1.getPublicKey(kmsRoot, true));
    const { signatureChain } = getKey(issued, 'x', 'y', 'secp256k1');
    expect(signatureChain[1]).toEqual(issued.k256Signature);
  });

  test('behavior: Sign uses the ("vms", "signing") key and Verify accepts its signatures', () => {
    const data = utf8ToBytes('hello');
    const signingKey = getKey(keys, 'vms', 'signing', 'secp256k1');
    for (const algorithm of ['secp256k1', 'ed25519'] as const) {
      const signed = signData(keys, algorithm, data);
      expect(signed.signatureChain.slice(1)).toEqual(getKey(keys, 'vms', 'signing', algorithm).signatureChain);
      expect(verifyData(algorithm, data, signed.signature, signed.publicKey)).toBe(true);
      expect(verifyData(algorithm, utf8ToBytes('other'), signed.signature, signed.publicKey)).toBe(false);
    }
    const plain = signData(keys, 'secp256k1', data);
    expect(plain.publicKey).toEqual(secp256k1.getPublicKey(signingKey.key, true));
    expect(secp256k1.verify(plain.signature, sha256(data), plain.publicKey)).toBe(true);
    const digest = sha256(data);
    const prehashed = signData(keys, 'secp256k1_prehashed', digest);
    expect(prehashed.signature).toEqual(plain.signature);
    expect(verifyData('secp256k1_prehashed', digest, prehashed.signature, prehashed.publicKey)).toBe(true);
  });

  test('behavior: algorithm aliases follow dstack', () => {
    expect(['', 'k256', 'secp256k1', 'ed25519'].map(normalizeKeyAlgorithm)).toEqual(['secp256k1', 'secp256k1', 'secp256k1', 'ed25519']);
    expect(normalizeSignAlgorithm('k256')).toBe('secp256k1');
    expect(normalizeSignAlgorithm('secp256k1_prehashed')).toBe('secp256k1_prehashed');
  });

  test('error: unsupported algorithms, short digests and malformed keys are refused', () => {
    expect(() => normalizeKeyAlgorithm('rsa')).toThrow('Unsupported algorithm');
    expect(() => normalizeSignAlgorithm('')).toThrow('Unsupported algorithm');
    expect(() => signData(keys, 'secp256k1_prehashed', new Uint8Array(31))).toThrow(/32-byte digest/);
    expect(() => verifyData('secp256k1', new Uint8Array(1), new Uint8Array(64), new Uint8Array(33))).toThrow();
    expect(() => verifyData('ed25519', new Uint8Array(1), new Uint8Array(63), new Uint8Array(32))).toThrow();
    expect(() => recoverSigner(new Uint8Array(1), new Uint8Array(64))).toThrow(RangeError);
  });
});
