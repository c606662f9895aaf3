/**
 * Minimal DER encoder for the few ASN.1 values the mock PKI builds by hand (the Intel SGX PCK
 * extension and an OID parameter): a schema library would need decorators for a structure that
 * is only nested SEQUENCEs of (OID, value) pairs.
 * @module
 */
import { concatBytes } from '@noble/hashes/utils';

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return new Uint8Array([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest >>>= 8) bytes.unshift(rest & 0xff);
  return new Uint8Array([0x80 | bytes.length, ...bytes]);
}

/** A DER TLV with `tag` and `content`. */
export function tlv(tag: number, content: Uint8Array): Uint8Array {
  return concatBytes(new Uint8Array([tag]), encodeLength(content.length), content);
}

/** DER SEQUENCE of already-encoded items. */
export function sequence(...items: Uint8Array[]): Uint8Array {
  return tlv(0x30, concatBytes(...items));
}

/** DER OCTET STRING. */
export function octetString(bytes: Uint8Array): Uint8Array {
  return tlv(0x04, bytes);
}

/** DER BOOLEAN. */
export function boolean(value: boolean): Uint8Array {
  return tlv(0x01, new Uint8Array([value ? 0xff : 0]));
}

function unsignedContent(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a non-negative integer: ${value}`);
  const bytes: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  // A leading zero keeps values with the top bit set positive (two's complement).
  if (bytes.length === 0 || bytes[0]! >= 0x80) bytes.unshift(0);
  return new Uint8Array(bytes);
}

/** DER INTEGER of a non-negative number. */
export function integer(value: number): Uint8Array {
  return tlv(0x02, unsignedContent(value));
}

/** DER ENUMERATED of a non-negative number. */
export function enumerated(value: number): Uint8Array {
  return tlv(0x0a, unsignedContent(value));
}

/** DER OBJECT IDENTIFIER from dotted notation. */
export function objectIdentifier(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const [first, second, ...rest] = arcs;
  if (first === undefined || second === undefined || arcs.some((arc) => !Number.isSafeInteger(arc) || arc < 0)) {
    throw new RangeError(`bad OID: ${dotted}`);
  }
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const base128 = [arc & 0x7f];
    for (let high = Math.floor(arc / 128); high > 0; high = Math.floor(high / 128)) base128.unshift((high & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, new Uint8Array(bytes));
}
