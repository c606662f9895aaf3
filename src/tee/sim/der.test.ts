import { bytesToHex } from '@noble/hashes/utils';
import { describe, expect, test } from 'vitest';
import { boolean, enumerated, integer, objectIdentifier, octetString, sequence, tlv } from './der.ts';

describe('DER encoder', () => {
  test('default: the SGX extension OID encodes as in Intel PCK certificates', () => {
    expect(bytesToHex(objectIdentifier('1.2.840.113741.1.13.1'))).toBe('06092a864886f84d010d01');
    expect(bytesToHex(objectIdentifier('1.2.840.113741.1.13.1.2.17'))).toBe('060b2a864886f84d010d010211');
  });

  test('behavior: integers are minimal and stay positive', () => {
    expect(bytesToHex(integer(0))).toBe('020100');
    expect(bytesToHex(integer(11))).toBe('02010b');
    expect(bytesToHex(integer(127))).toBe('02017f');
    expect(bytesToHex(integer(128))).toBe('02020080');
    expect(bytesToHex(integer(256))).toBe('02020100');
    expect(bytesToHex(enumerated(1))).toBe('0a0101');
  });

  test('behavior: long contents use the long length form', () => {
    expect(bytesToHex(tlv(0x04, new Uint8Array(127))).slice(0, 4)).toBe('047f');
    expect(bytesToHex(tlv(0x04, new Uint8Array(128))).slice(0, 6)).toBe('048180');
    expect(bytesToHex(tlv(0x04, new Uint8Array(300))).slice(0, 8)).toBe('0482012c');
  });

  test('behavior: sequences, octet strings and booleans', () => {
    expect(bytesToHex(sequence(octetString(new Uint8Array([0xab])), boolean(true), boolean(false)))).toBe(
      '300904' + '01ab' + '0101ff' + '010100',
    );
  });

  test('error: bad OIDs and negative integers are refused', () => {
    expect(() => objectIdentifier('1')).toThrow(RangeError);
    expect(() => objectIdentifier('1.2.x')).toThrow(RangeError);
    expect(() => integer(-1)).toThrow(RangeError);
    expect(() => integer(1.5)).toThrow(RangeError);
  });
});
