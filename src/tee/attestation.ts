/**
 * The tracker's side of attestation: a dstack quote over the report_data binding its identity and
 * a caller's nonce (format in `report-data.ts`), and the bytes32 commitment to a quote that the
 * ReputationFactory records.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2';
import { keccak_256 } from '@noble/hashes/sha3';
import { bytesToHex } from '@noble/hashes/utils';
import type { DstackClient } from '@phala/dstack-sdk';
import { getAddress } from 'viem';
import { parseEventLog } from './event-log.ts';
import {
  type AttestationEvidence,
  type AttestedIdentity,
  type Hex,
  MAX_NONCE_BYTES,
  MIN_NONCE_BYTES,
  NonceError,
  ZERO_ADDRESS,
  attestationReportData,
  bytesOfHex,
} from './report-data.ts';

export * from './report-data.ts';

/** The tracker key material {@link attest} needs (a `TeeIdentity` has it). */
export interface AttestingIdentity {
  chainAccount: { address: Hex };
  identityPublicKey: Hex;
  signatureChain: readonly Hex[];
}

/** Asks dstack for a quote binding `identity`, `contract` (default zero) and `nonce` (16-64 bytes). */
export async function attest(options: {
  client: DstackClient;
  identity: AttestingIdentity;
  contract?: Hex;
  nonce: Uint8Array;
}): Promise<AttestationEvidence> {
  const { client, identity, nonce } = options;
  if (nonce.length < MIN_NONCE_BYTES || nonce.length > MAX_NONCE_BYTES) {
    throw new NonceError(`nonce must be ${MIN_NONCE_BYTES}-${MAX_NONCE_BYTES} bytes, got ${nonce.length}`);
  }
  const claimed: AttestedIdentity = {
    chainAddress: identity.chainAccount.address,
    contractAddress: options.contract ?? ZERO_ADDRESS,
    identityPublicKey: identity.identityPublicKey,
  };
  const reportData = attestationReportData(claimed, nonce);
  // Bytes, never a string: the SDK would UTF-8 encode a string (tee-notes 1.4).
  const response = await client.getQuote(reportData);
  return {
    quote: `0x${response.quote.replace(/^0x/, '')}`,
    event_log: parseEventLog(response.event_log),
    report_data: `0x${bytesToHex(reportData)}`,
    chain_address: getAddress(claimed.chainAddress),
    contract_address: getAddress(claimed.contractAddress!),
    identity_public_key: identity.identityPublicKey,
    identity_signature_chain: [...identity.signatureChain],
    nonce: `0x${bytesToHex(nonce)}`,
  };
}

/** Which hash {@link attestationHash} uses. */
export type AttestationHashAlgorithm = 'keccak256' | 'sha256';

/** bytes32 commitment to a quote for `ReputationFactory.createReputation` (default keccak256, as Solidity hashes). */
export function attestationHash(quote: Hex | Uint8Array, algorithm: AttestationHashAlgorithm = 'keccak256'): Hex {
  const bytes = typeof quote === 'string' ? bytesOfHex(quote, 'quote') : quote;
  return `0x${bytesToHex(algorithm === 'keccak256' ? keccak_256(bytes) : sha256(bytes))}`;
}
