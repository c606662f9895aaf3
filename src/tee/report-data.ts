/**
 * What a tracker attestation binds, and the evidence it is published as. report_data follows
 * dstack's tag:content + sha512 convention:
 *
 *   report_data = sha512("pbts-tracker-attest-v1:" || chain address (20) || contract address (20,
 *                        zeros before the contract exists) || identity public key (33) || nonce)
 *
 * Every field before the nonce has a fixed length, so the encoding is unambiguous. Pure (noble
 * only), so verification workers load it quickly.
 * @module
 */
import { sha512 } from '@noble/hashes/sha2';
import { concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';
import type { EventLogEntry } from './event-log.ts';

/** A 0x-prefixed hex string. */
export type Hex = `0x${string}`;

/** Domain tag of the tracker's report_data. */
export const ATTESTATION_DOMAIN = 'pbts-tracker-attest-v1:';
/** Shortest nonce accepted (bytes): enough that a verifier's random nonce never repeats. */
export const MIN_NONCE_BYTES = 16;
/** Longest nonce accepted (bytes). */
export const MAX_NONCE_BYTES = 64;
/** Length of a compressed secp256k1 public key, the identity key's encoding. */
export const IDENTITY_PUBLIC_KEY_LENGTH = 33;
/** The address bound before the tracker's Reputation contract exists. */
export const ZERO_ADDRESS: Hex = `0x${'00'.repeat(20)}`;

/** What a tracker attestation binds besides the nonce. */
export interface AttestedIdentity {
  /** The tracker's chain account (derived in the TEE). */
  chainAddress: Hex;
  /** The tracker's Reputation contract; {@link ZERO_ADDRESS} (the default) before it exists. */
  contractAddress?: Hex;
  /** The tracker's identity key, compressed secp256k1. */
  identityPublicKey: Hex;
}

/** An attestation as the tracker publishes it (`GET /tee/attestation`); hex fields are 0x-prefixed. */
export interface AttestationEvidence {
  /** The TDX quote. */
  quote: Hex;
  /** dstack's event log (RTMR0-3) as the guest agent returned it, parsed from its JSON string. */
  event_log: EventLogEntry[];
  /** The 64 report_data bytes the quote was requested with. */
  report_data: Hex;
  chain_address: Hex;
  contract_address: Hex;
  identity_public_key: Hex;
  /** dstack's signature chain of the identity key: app key signature, KMS signature. */
  identity_signature_chain: Hex[];
  nonce: Hex;
}

/** Error for a nonce that is not 16-64 bytes of hex. */
export class NonceError extends Error {
  override name = 'NonceError';
}

/** Bytes of a hex string, 0x optional; throws a TypeError on anything else. */
export function bytesOfHex(hex: string, what = 'value'): Uint8Array {
  const digits = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (digits.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(digits)) throw new TypeError(`${what} must be hex`);
  return hexToBytes(digits);
}

/** Nonce bytes from hex (0x optional); throws {@link NonceError} unless 16-64 bytes. */
export function parseNonce(hex: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = bytesOfHex(hex, 'nonce');
  } catch (error) {
    throw new NonceError((error as Error).message);
  }
  if (bytes.length < MIN_NONCE_BYTES || bytes.length > MAX_NONCE_BYTES) {
    throw new NonceError(`nonce must be ${MIN_NONCE_BYTES}-${MAX_NONCE_BYTES} bytes, got ${bytes.length}`);
  }
  return bytes;
}

function addressBytes(address: string, what: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new TypeError(`${what} is not an address: ${address}`);
  return hexToBytes(address.slice(2));
}

/** The fixed-length identity encoding inside report_data: chain address, contract address, identity key. */
export function canonicalIdentity(identity: AttestedIdentity): Uint8Array {
  const key = bytesOfHex(identity.identityPublicKey, 'identity public key');
  if (key.length !== IDENTITY_PUBLIC_KEY_LENGTH) throw new TypeError(`identity public key must be ${IDENTITY_PUBLIC_KEY_LENGTH} bytes`);
  return concatBytes(
    addressBytes(identity.chainAddress, 'chain address'),
    addressBytes(identity.contractAddress ?? ZERO_ADDRESS, 'contract address'),
    key,
  );
}

/** The 64 report_data bytes binding `identity` and `nonce`. */
export function attestationReportData(identity: AttestedIdentity, nonce: Uint8Array): Uint8Array {
  return sha512(concatBytes(utf8ToBytes(ATTESTATION_DOMAIN), canonicalIdentity(identity), nonce));
}

/** The identity an evidence object claims. */
export function evidenceIdentity(evidence: AttestationEvidence): AttestedIdentity {
  return {
    chainAddress: evidence.chain_address,
    contractAddress: evidence.contract_address,
    identityPublicKey: evidence.identity_public_key,
  };
}

/** True when two identities bind the same bytes (addresses compare case-insensitively). */
export function sameIdentity(a: AttestedIdentity, b: AttestedIdentity): boolean {
  const bytes = (identity: AttestedIdentity) => canonicalIdentity(identity).join(',');
  return bytes(a) === bytes(b);
}
