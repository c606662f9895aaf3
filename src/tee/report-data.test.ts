import { sha256, sha512 } from '@noble/hashes/sha2';
import { keccak_256 } from '@noble/hashes/sha3';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';
import { describe, expect, test } from 'vitest';
import { attestationHash } from './attestation.ts';
import { type AttestedIdentity, NonceError, attestationReportData, canonicalIdentity, parseNonce, sameIdentity } from './report-data.ts';

const identity: AttestedIdentity = {
  chainAddress: '0x9Ff2A509CA4c310f79b326a203230D16A8c49404',
  identityPublicKey: `0x02${'ab'.repeat(32)}`,
};

describe('attestation report_data', () => {
  test('default: sha512("pbts-tracker-attest-v1:" || chain (20) || contract (20, zero) || key (33) || nonce)', () => {
    const nonce = new Uint8Array(16).fill(5);
    const expected = sha512(
      concatBytes(
        utf8ToBytes('pbts-tracker-attest-v1:'),
        hexToBytes('9ff2a509ca4c310f79b326a203230d16a8c49404'),
        new Uint8Array(20),
        hexToBytes(`02${'ab'.repeat(32)}`),
        nonce,
      ),
    );
    expect(attestationReportData(identity, nonce)).toEqual(expected);
    expect(canonicalIdentity(identity)).toHaveLength(73);
  });

  test('behavior: every field changes the binding; address case does not', () => {
    const nonce = new Uint8Array(32);
    const base = bytesToHex(attestationReportData(identity, nonce));
    const variants: AttestedIdentity[] = [
      { ...identity, contractAddress: `0x${'00'.repeat(19)}01` },
      { ...identity, chainAddress: `0x${'00'.repeat(20)}` },
      { ...identity, identityPublicKey: `0x03${'ab'.repeat(32)}` },
    ];
    for (const variant of variants) expect(bytesToHex(attestationReportData(variant, nonce))).not.toBe(base);
    expect(bytesToHex(attestationReportData(identity, new Uint8Array(33)))).not.toBe(base);
    const lower = { ...identity, chainAddress: identity.chainAddress.toLowerCase() as `0x${string}` };
    expect(sameIdentity(lower, identity)).toBe(true);
  });

  test('behavior: parseNonce takes 16-64 bytes of hex, 0x optional', () => {
    expect(parseNonce('ab'.repeat(16))).toHaveLength(16);
    expect(parseNonce(`0x${'AB'.repeat(64)}`)).toHaveLength(64);
    for (const bad of ['', 'ab'.repeat(15), 'ab'.repeat(65), 'zz'.repeat(16), 'a'.repeat(33)]) {
      expect(() => parseNonce(bad)).toThrow(NonceError);
    }
  });

  test('behavior: attestationHash is keccak256 (or sha256) of the quote bytes', () => {
    const quote = new Uint8Array([1, 2, 3]);
    expect(attestationHash(quote)).toBe(`0x${bytesToHex(keccak_256(quote))}`);
    expect(attestationHash('0x010203')).toBe(attestationHash(quote));
    expect(attestationHash(quote, 'sha256')).toBe(`0x${bytesToHex(sha256(quote))}`);
  });

  test('error: malformed identities are refused', () => {
    expect(() => canonicalIdentity({ ...identity, chainAddress: '0x1234' })).toThrow(/not an address/);
    expect(() => canonicalIdentity({ ...identity, identityPublicKey: '0x02ab' })).toThrow(/33 bytes/);
  });
});
