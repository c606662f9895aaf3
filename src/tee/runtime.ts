/**
 * The tracker's TEE at start-up: keys from dstack (or mode `none`), one attestation made at boot
 * (what the ReputationFactory call commits to), and what `/tee/status` reports: mode, the root
 * CA the quotes chain to, the measurements, and warnings.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { bytesToHex } from '@noble/hashes/utils';
import { Quote, constants, utils } from '@phala/dcap-qvl';
import { type AttestationEvidence, type Hex, attest, attestationHash, bytesOfHex } from './attestation.ts';
import { type LoadTeeIdentityOptions, type TeeIdentity, type TeeMode, TeeUnavailableError, loadTeeIdentity } from './identity.ts';
import type { Measurement } from './policy.ts';
import { parseTdxQuote } from './quote.ts';
import type { TrustAnchor } from './verify.ts';

/** What `GET /tee/status` answers. */
export interface TeeStatus {
  mode: TeeMode;
  /** Root CA the tracker's quotes chain to; null without a TEE. */
  trust_anchor: TrustAnchor | null;
  chain_account: Hex | null;
  identity_public_key: Hex | null;
  /** MRTD and RTMR0-3 of the boot quote (lowercase hex); null without a TEE. */
  measurement: Measurement | null;
  app_id: Hex | null;
  compose_hash: Hex | null;
  warnings: string[];
}

/** The tracker's TEE after start-up. */
export interface TeeRuntime {
  mode: TeeMode;
  /** The TEE-derived keys; undefined in mode `none` (use the configured keys). */
  identity?: TeeIdentity;
  /** Attestation made at start-up, binding the zero contract address and `bootNonce`. */
  bootAttestation?: AttestationEvidence;
  /** `attestationHash(bootAttestation.quote)`: the bytes32 for `ReputationFactory.createReputation`. */
  bootAttestationHash?: Hex;
  trustAnchor: TrustAnchor | null;
  measurement: Measurement | null;
  warnings: string[];
  /** A fresh attestation binding `nonce` and `contract`; throws {@link TeeUnavailableError} in mode `none`. */
  attest(nonce: Uint8Array, contract?: Hex): Promise<AttestationEvidence>;
}

/** Options of {@link startTee}. */
export interface StartTeeOptions extends LoadTeeIdentityOptions {
  /**
   * Nonce of the boot attestation (16-64 bytes); default 32 random bytes. A value the factory's
   * verifiers can check (e.g. a recent block hash) makes the boot attestation provably fresh.
   */
  bootNonce?: Uint8Array;
}

/** Root CA of the PCK chain a quote carries: Intel's, or some other (a test root). */
export function quoteTrustAnchor(quote: Uint8Array): TrustAnchor {
  const chain = utils.extractCerts(Buffer.from(Quote.parse(quote).rawCertChain()));
  const root = chain.at(-1);
  return root !== undefined && Buffer.from(root).equals(constants.TRUSTED_ROOT_CA_DER) ? 'intel' : 'test';
}

function measurementOf(quote: Uint8Array): Measurement {
  const parsed = parseTdxQuote(quote);
  const [rtmr0, rtmr1, rtmr2, rtmr3] = parsed.rtmrs.map(bytesToHex) as [string, string, string, string];
  return { mrtd: bytesToHex(parsed.mrTd), rtmr0, rtmr1, rtmr2, rtmr3 };
}

/**
 * Loads the TEE identity and makes the boot attestation. The mode is corrected by what the quotes
 * show: an agent whose quotes do not chain to Intel's root is a simulator, whatever its socket.
 */
export async function startTee(options: StartTeeOptions = {}): Promise<TeeRuntime> {
  const log = options.log ?? console.info;
  const loaded = await loadTeeIdentity({ ...options, log });
  if (loaded.mode === 'none') {
    return {
      mode: 'none',
      trustAnchor: null,
      measurement: null,
      warnings: [`no TEE: ${loaded.reason}; the tracker uses its configured keys and cannot attest`],
      attest: () => Promise.reject(new TeeUnavailableError(`no TEE: ${loaded.reason}`)),
    };
  }
  const identity = loaded;
  const attestNow = (nonce: Uint8Array, contract?: Hex) => attest({ client: identity.client, identity, nonce, ...(contract && { contract }) });
  const bootAttestation = await attestNow(options.bootNonce ?? randomBytes(32));
  const quote = bytesOfHex(bootAttestation.quote);
  const trustAnchor = quoteTrustAnchor(quote);
  const warnings: string[] = [];
  if (identity.mode === 'tee' && trustAnchor === 'test') {
    identity.mode = 'simulator';
    warnings.push(`the dstack agent at ${identity.endpoint.endpoint} issues quotes under a non-Intel root: treated as a simulator`);
  }
  if (identity.mode === 'simulator') {
    warnings.push('SIMULATOR: the keys are public and the quotes prove nothing about TDX hardware; never use in production');
    if (trustAnchor === 'intel') {
      warnings.push("this simulator replays a genuine Intel quote: its signature fails for any report_data but zeros (dstack's official simulator)");
    }
  }
  for (const warning of warnings) log(`TEE warning: ${warning}`);
  return {
    mode: identity.mode,
    identity,
    bootAttestation,
    bootAttestationHash: attestationHash(quote),
    trustAnchor,
    measurement: measurementOf(quote),
    warnings,
    attest: attestNow,
  };
}

/** `/tee/status` of a runtime; `chainAccount` is the configured account reported in mode `none`. */
export function teeStatus(tee: TeeRuntime, chainAccount?: Hex): TeeStatus {
  return {
    mode: tee.mode,
    trust_anchor: tee.trustAnchor,
    chain_account: tee.identity?.chainAccount.address ?? chainAccount ?? null,
    identity_public_key: tee.identity?.identityPublicKey ?? null,
    measurement: tee.measurement,
    app_id: tee.identity?.app.appId ?? null,
    compose_hash: tee.identity?.app.composeHash ?? null,
    warnings: [...tee.warnings],
  };
}
