/**
 * Verification of tracker attestations, for peers, the factory side and benchmarks: the DCAP
 * chain and quote signature (dcap-qvl) under a trust anchor, the TCB status policy, the
 * report_data binding (all 64 bytes recomputed from identity and nonce), RTMR3 replayed from the
 * event log with recomputed digests, and the measurement and app allowlists. Every failure has
 * its own reason code. dcap-qvl is synchronous and takes ~10 ms, so {@link verifyAttestation}
 * runs it on a worker thread; the `Sync` functions are the same checks in-process.
 * @module
 */
import { bytesToHex } from '@noble/hashes/utils';
import { type Collateral, QuoteVerifier, type TcbStatus, type VerifiedReport, constants } from '@phala/dcap-qvl';
import type { CollateralSource } from './collateral.ts';
import { type EventLogEntry, parseEventLog, replayRtmrs, runtimeEventPayload } from './event-log.ts';
import { IDENTITY_KEY_PURPOSE, recoverKmsRoot } from './keys.ts';
import { type Measurement, type VerificationPolicy, listed, measurementAllowed, normalizeHex, statusAllowed } from './policy.ts';
import {
  type AttestationEvidence,
  type AttestedIdentity,
  type Hex,
  attestationReportData,
  bytesOfHex,
  canonicalIdentity,
  evidenceIdentity,
  sameIdentity,
} from './report-data.ts';
import { type VerifierPool, defaultVerifierPool } from './verify-pool.ts';

/** Which root CA quotes must chain to: Intel's SGX root, or a test root (the simulator's). */
export type TrustAnchor = 'intel' | 'test';

/** The trust anchor part of a {@link TrustConfig}: what the synchronous checks need. */
export interface VerifierTrust {
  trustAnchor: TrustAnchor;
  /** DER of the root CA. For `intel`, Intel's (the default; any other is refused); required for `test`. */
  rootCaDer?: Uint8Array;
  /** Must be true to trust a `test` root; recorded in every result. */
  allowTestRoot?: boolean;
}

/** How a verifier trusts quotes (tee-notes 4.2): only this differs between real and simulated TEEs. */
export interface TrustConfig extends VerifierTrust {
  /** Where collateral comes from (put a `CollateralCache` in front of a PCCS). */
  collateral: CollateralSource;
  /** Unix milliseconds; default `Date.now`. Pin it for fixtures. */
  clock?: () => number;
}

/** Why a verification failed; each is a distinct check. */
export type VerificationReason =
  | 'evidence_malformed'
  | 'test_root_not_allowed'
  | 'collateral_unavailable'
  | 'quote_format'
  | 'collateral_invalid'
  | 'collateral_expired'
  | 'collateral_signature'
  | 'chain_untrusted'
  | 'certificate_expired'
  | 'certificate_revoked'
  | 'qe_report_invalid'
  | 'qe_identity_mismatch'
  | 'quote_signature'
  | 'tcb_level_not_found'
  | 'tcb_status'
  | 'td_attributes'
  | 'nonce_mismatch'
  | 'identity_mismatch'
  | 'report_data_mismatch'
  | 'rtmr3_mismatch'
  | 'measurement_not_allowed'
  | 'app_id_not_allowed'
  | 'compose_hash_not_allowed'
  | 'kms_root_not_allowed'
  | 'verifier_error';

interface ResultBase {
  trustAnchor: TrustAnchor;
  /** True when a test root was trusted by explicit opt-in: such a result proves nothing about real hardware. */
  testRootOptIn: boolean;
  /** Things the caller should know even on success (test root, unchecked allowlists). */
  warnings: string[];
}

/** A passed verification. */
export interface VerificationSuccess extends ResultBase {
  ok: true;
  tcbStatus: TcbStatus;
  advisoryIds: string[];
  measurement: Measurement;
  /** From the RTMR3 events (attestations only). */
  appId?: string;
  composeHash?: string;
  /** KMS root the identity key chains to (checked only when the policy lists KMS roots). */
  kmsRoot?: Hex;
}

/** A failed verification. */
export interface VerificationFailure extends ResultBase {
  ok: false;
  reason: VerificationReason;
  /** The underlying message (dcap-qvl's, or ours). */
  detail: string;
  /** Set once dcap-qvl has accepted the chain. */
  tcbStatus?: TcbStatus;
}

/** Outcome of a verification. */
export type VerificationResult = VerificationSuccess | VerificationFailure;

/** What an attestation must match; omitted fields are unchecked (and warned about). */
export interface ExpectedAttestation {
  /** The tracker identity the verifier knows (e.g. from the chain). */
  identity?: AttestedIdentity;
  /** The nonce the verifier sent (bytes or hex). */
  nonce?: Uint8Array | string;
}

/** Inputs of the synchronous checks. */
export interface SyncVerifyOptions {
  trust: VerifierTrust;
  policy: VerificationPolicy;
  /** Verification time, Unix seconds. */
  nowSecs: number;
}

/** Inputs of {@link verifyAttestationSync}. */
export interface SyncAttestationOptions extends SyncVerifyOptions {
  expected: ExpectedAttestation;
}

/** Where the dcap-qvl work runs: a worker thread (default) or the calling thread. */
export type Executor = 'worker' | 'in-process';

/** Inputs of {@link verifyQuote} and {@link verifyAttestation}. */
export interface VerifyOptions {
  trust: TrustConfig;
  policy: VerificationPolicy;
  executor?: Executor;
  /** Worker pool; default a shared one of up to 2 threads. */
  pool?: VerifierPool;
}

const TEST_ROOT_WARNING = 'TEST root CA trusted by explicit opt-in: this quote says nothing about real TDX hardware';
const INTEL_ROOT = new Uint8Array(constants.TRUSTED_ROOT_CA_DER);

// dcap-qvl 0.3.9's error messages, in the order it checks, mapped to our reasons.
const DCAP_REASONS: Array<[RegExp, VerificationReason]> = [
  [/^Failed to decode quote|^Unsupported DCAP|TEE quote must have version/, 'quote_format'],
  [/issue date is in the future|^TCBInfo expired|^QE Identity expired/, 'collateral_expired'],
  [/^Signature is invalid for (tcb_info|qe_identity)/, 'collateral_signature'],
  [/^Failed to decode (TcbInfo|QeIdentity)|^Unsupported QE Identity|^Fmspc mismatch|non-(TDX|SGX) TCB info|too short for (TCB Info|QE Identity)/, 'collateral_invalid'],
  [/^Failed to verify certificate chain|^CaUsedAsEndEntity|PCK certificates|too short in quote|PCK cert format|Intel extension|length mismatch/, 'chain_untrusted'],
  [/^Certificate is expired or not yet valid/, 'certificate_expired'],
  [/^Certificate is revoked/, 'certificate_revoked'],
  [/^Signature is invalid for qe_report|^QE report hash mismatch/, 'qe_report_invalid'],
  [/^QE (MRSIGNER|ISVPRODID|MISCSELECT|ATTRIBUTES|ISVSVN)|No TCB levels found in QE Identity/, 'qe_identity_mismatch'],
  [/^ISV enclave report signature is invalid/, 'quote_signature'],
  [/^No matching TCB level found|No (SGX|TDX) components/, 'tcb_level_not_found'],
  [/^TCB status is invalid/, 'tcb_status'],
  [/^Debug mode is enabled|^Reserved bits in TD attributes|^SEPT_VE_DISABLE|^Invalid mr service td/, 'td_attributes'],
];

/** Our reason for a dcap-qvl error message (`verifier_error` for one we do not know). */
export function dcapReason(message: string): VerificationReason {
  return DCAP_REASONS.find(([pattern]) => pattern.test(message))?.[1] ?? 'verifier_error';
}

class Failure extends Error {
  constructor(
    readonly reason: VerificationReason,
    message: string,
    readonly tcbStatus?: TcbStatus,
  ) {
    super(message);
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** The root DER to verify with, or a `test_root_not_allowed` failure. */
function resolveRoot(trust: VerifierTrust): Uint8Array {
  if (trust.trustAnchor === 'intel') {
    if (trust.rootCaDer !== undefined && !equalBytes(trust.rootCaDer, INTEL_ROOT)) {
      throw new Failure('test_root_not_allowed', "trust anchor 'intel' refuses any root CA other than Intel's");
    }
    return INTEL_ROOT;
  }
  if (trust.allowTestRoot !== true) {
    throw new Failure('test_root_not_allowed', "trust anchor 'test' needs allowTestRoot: true (explicit opt-in)");
  }
  if (trust.rootCaDer === undefined) throw new Failure('test_root_not_allowed', "trust anchor 'test' needs rootCaDer");
  return trust.rootCaDer;
}

function baseOf(trust: VerifierTrust): ResultBase {
  const testRootOptIn = trust.trustAnchor === 'test' && trust.allowTestRoot === true;
  return { trustAnchor: trust.trustAnchor, testRootOptIn, warnings: testRootOptIn ? [TEST_ROOT_WARNING] : [] };
}

function failure(base: ResultBase, error: unknown): VerificationFailure {
  if (error instanceof Failure) {
    return { ...base, ok: false, reason: error.reason, detail: error.message, ...(error.tcbStatus && { tcbStatus: error.tcbStatus }) };
  }
  return { ...base, ok: false, reason: 'verifier_error', detail: error instanceof Error ? error.message : String(error) };
}

function measurementOf(report: VerifiedReport): { measurement: Measurement; reportData: Uint8Array } {
  // asTd10 also gives the TD 1.0 part of a TD 1.5 body: never read report_data at a fixed offset.
  const td = report.report.asTd10();
  if (!td) throw new Failure('quote_format', 'not a TD quote');
  return {
    measurement: {
      mrtd: bytesToHex(td.mrTd),
      rtmr0: bytesToHex(td.rtMr0),
      rtmr1: bytesToHex(td.rtMr1),
      rtmr2: bytesToHex(td.rtMr2),
      rtmr3: bytesToHex(td.rtMr3),
    },
    reportData: td.reportData,
  };
}

/** dcap-qvl's verdict on the chain, signatures and TCB level, then the status and measurement policy. */
function checkQuote(quote: Uint8Array, collateral: Collateral, options: SyncVerifyOptions, base: ResultBase) {
  const root = resolveRoot(options.trust);
  let report: VerifiedReport;
  try {
    report = QuoteVerifier.newWithRootCa(Buffer.from(root)).verify(quote, collateral, options.nowSecs);
  } catch (error) {
    const message = (error as Error).message;
    throw new Failure(dcapReason(message), message);
  }
  const status = report.status;
  if (!statusAllowed(options.policy, status)) {
    const advisories = report.advisory_ids.length > 0 ? ` (advisories ${report.advisory_ids.join(', ')})` : '';
    throw new Failure('tcb_status', `TCB status ${status} is not allowed by policy${advisories}`, status);
  }
  if (status !== 'UpToDate') base.warnings.push(`TCB status ${status} accepted by policy (advisories: ${report.advisory_ids.join(', ') || 'none'})`);
  const { measurement, reportData } = measurementOf(report);
  if (!measurementAllowed(options.policy, measurement)) {
    throw new Failure('measurement_not_allowed', `MRTD ${measurement.mrtd.slice(0, 16)}... / RTMR0-2 are not in the allowlist`, status);
  }
  if (options.policy.measurements === 'any') base.warnings.push('no measurement allowlist: any TD image is accepted');
  return { report, measurement, reportData };
}

/** Chain, signatures, TCB status and measurement allowlist of a bare quote (no report_data binding). */
export function verifyQuoteSync(quote: Uint8Array, collateral: Collateral, options: SyncVerifyOptions): VerificationResult {
  const base = baseOf(options.trust);
  try {
    const { report, measurement } = checkQuote(quote, collateral, options, base);
    return { ...base, ok: true, tcbStatus: report.status, advisoryIds: report.advisory_ids, measurement };
  } catch (error) {
    return failure(base, error);
  }
}

interface DecodedEvidence {
  quote: Uint8Array;
  log: EventLogEntry[];
  nonce: Uint8Array;
  reportData: Uint8Array;
  identity: AttestedIdentity;
}

function decodeEvidence(evidence: AttestationEvidence): DecodedEvidence {
  try {
    const identity = evidenceIdentity(evidence);
    canonicalIdentity(identity);
    const log = parseEventLog(evidence.event_log);
    return {
      quote: bytesOfHex(evidence.quote, 'quote'),
      log,
      nonce: bytesOfHex(evidence.nonce, 'nonce'),
      reportData: bytesOfHex(evidence.report_data, 'report_data'),
      identity,
    };
  } catch (error) {
    throw new Failure('evidence_malformed', (error as Error).message);
  }
}

/**
 * The cheap comparisons, made first: a replay (another nonce) or a stranger's quote (another
 * identity) is refused before any signature work.
 */
function compareExpected(decoded: DecodedEvidence, expected: ExpectedAttestation, base: ResultBase): void {
  if (expected.nonce === undefined) base.warnings.push('no expected nonce: freshness not checked');
  else {
    let nonce: Uint8Array;
    try {
      nonce = typeof expected.nonce === 'string' ? bytesOfHex(expected.nonce, 'expected nonce') : expected.nonce;
    } catch (error) {
      throw new Failure('nonce_mismatch', (error as Error).message);
    }
    if (!equalBytes(nonce, decoded.nonce)) throw new Failure('nonce_mismatch', 'the attestation was made for another nonce');
  }
  if (expected.identity === undefined) base.warnings.push('no expected identity: the claimed identity is bound but not compared');
  else if (!sameIdentity(expected.identity, decoded.identity)) {
    throw new Failure('identity_mismatch', 'the attestation claims another chain account, contract or identity key');
  }
}

/** Every check of a tracker attestation, in-process (what the worker runs). */
export function verifyAttestationSync(
  evidence: AttestationEvidence,
  collateral: Collateral,
  options: SyncAttestationOptions,
): VerificationResult {
  const base = baseOf(options.trust);
  try {
    const decoded = decodeEvidence(evidence);
    compareExpected(decoded, options.expected, base);
    const { report, measurement, reportData } = checkQuote(decoded.quote, collateral, options, base);
    const status = report.status;
    const bound = attestationReportData(decoded.identity, decoded.nonce);
    if (!equalBytes(reportData, bound) || !equalBytes(decoded.reportData, bound)) {
      throw new Failure('report_data_mismatch', "the quote's report_data does not bind the claimed identity and nonce", status);
    }
    let replayed: Uint8Array;
    try {
      replayed = replayRtmrs(decoded.log)[3];
    } catch (error) {
      throw new Failure('evidence_malformed', (error as Error).message, status);
    }
    if (bytesToHex(replayed) !== measurement.rtmr3) {
      throw new Failure('rtmr3_mismatch', "RTMR3 replayed from the event log differs from the quote's", status);
    }
    // The events are now known to be the measured ones, so their payloads can be trusted.
    const appId = runtimeEventPayload(decoded.log, 'app-id');
    const composeHash = runtimeEventPayload(decoded.log, 'compose-hash');
    if (!listed(options.policy.appIds, appId)) throw new Failure('app_id_not_allowed', `app id ${appId ?? '(none)'} is not allowed`, status);
    if (!listed(options.policy.composeHashes, composeHash)) {
      throw new Failure('compose_hash_not_allowed', `compose hash ${composeHash ?? '(none)'} is not allowed`, status);
    }
    let kmsRoot: Hex | undefined;
    const kmsRoots = options.policy.kmsRootPublicKeys;
    // Two secp256k1 recoveries cost more than the rest of these checks: only when the policy asks.
    if (kmsRoots !== undefined) {
      try {
        kmsRoot = recoverKmsRoot({
          publicKey: decoded.identity.identityPublicKey,
          purpose: IDENTITY_KEY_PURPOSE,
          signatureChain: evidence.identity_signature_chain,
          appId: appId ?? '',
        });
      } catch (error) {
        throw new Failure('kms_root_not_allowed', `identity key signature chain: ${(error as Error).message}`, status);
      }
      if (!listed(kmsRoots, kmsRoot)) throw new Failure('kms_root_not_allowed', `identity key chains to KMS root ${kmsRoot}, not an allowed one`, status);
    }
    return {
      ...base,
      ok: true,
      tcbStatus: status,
      advisoryIds: report.advisory_ids,
      measurement,
      ...(appId !== undefined && { appId: normalizeHex(appId) }),
      ...(composeHash !== undefined && { composeHash: normalizeHex(composeHash) }),
      ...(kmsRoot !== undefined && { kmsRoot }),
    };
  } catch (error) {
    return failure(base, error);
  }
}

async function collateralFor(trust: TrustConfig, quote: Uint8Array, nowMs: number): Promise<Collateral> {
  try {
    return await trust.collateral.get(quote, nowMs);
  } catch (error) {
    throw new Failure('collateral_unavailable', (error as Error).message);
  }
}

function syncTrust(trust: TrustConfig): VerifierTrust {
  const { trustAnchor, rootCaDer, allowTestRoot } = trust;
  return { trustAnchor, ...(rootCaDer && { rootCaDer }), ...(allowTestRoot !== undefined && { allowTestRoot }) };
}

/** {@link verifyQuoteSync} with collateral from the trust config, off the event loop by default. */
export async function verifyQuote(quote: Uint8Array, options: VerifyOptions): Promise<VerificationResult> {
  const trust = syncTrust(options.trust);
  const nowMs = (options.trust.clock ?? Date.now)();
  let collateral: Collateral;
  try {
    resolveRoot(trust);
    collateral = await collateralFor(options.trust, quote, nowMs);
  } catch (error) {
    return failure(baseOf(trust), error);
  }
  const sync = { trust, policy: options.policy, nowSecs: nowMs / 1000 };
  if (options.executor === 'in-process') return verifyQuoteSync(quote, collateral, sync);
  return (options.pool ?? defaultVerifierPool()).run({ kind: 'quote', quote, collateral, options: sync });
}

/**
 * Verifies a tracker attestation against `expected` (its identity and the nonce the verifier
 * sent): {@link verifyAttestationSync} with collateral from the trust config, off the event loop
 * by default. Never rejects for a bad attestation: the result says why.
 */
export async function verifyAttestation(
  evidence: AttestationEvidence,
  options: VerifyOptions & { expected: ExpectedAttestation },
): Promise<VerificationResult> {
  const trust = syncTrust(options.trust);
  const nowMs = (options.trust.clock ?? Date.now)();
  let collateral: Collateral;
  try {
    resolveRoot(trust);
    const decoded = decodeEvidence(evidence);
    compareExpected(decoded, options.expected, baseOf(trust));
    collateral = await collateralFor(options.trust, decoded.quote, nowMs);
  } catch (error) {
    return failure(baseOf(trust), error);
  }
  const sync = { trust, policy: options.policy, expected: options.expected, nowSecs: nowMs / 1000 };
  if (options.executor === 'in-process') return verifyAttestationSync(evidence, collateral, sync);
  return (options.pool ?? defaultVerifierPool()).run({ kind: 'attestation', evidence, collateral, options: sync });
}

let testRootAnnounced = false;

/** Trust in Intel's root CA (production), with collateral from `collateral`. */
export function intelTrust(collateral: CollateralSource, clock?: () => number): TrustConfig {
  return { trustAnchor: 'intel', collateral, ...(clock && { clock }) };
}

/**
 * Trust in a TEST root CA (the dstack simulator's), by explicit opt-in: results say so, and the
 * first such config in a process logs it.
 */
export function testTrust(options: { rootCaDer: Uint8Array; collateral: CollateralSource; clock?: () => number }): TrustConfig {
  if (!testRootAnnounced) {
    testRootAnnounced = true;
    console.warn('pbts tee: trusting a TEST root CA (explicit opt-in); such attestations prove nothing about real TDX hardware');
  }
  return { trustAnchor: 'test', allowTestRoot: true, ...options };
}
