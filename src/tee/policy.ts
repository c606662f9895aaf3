/**
 * What a verifier accepts beyond a valid DCAP chain: TCB statuses, and which TD images (MRTD and
 * RTMR0-2), apps (app id, compose hash from the RTMR3 events) and KMS roots. Values are hex,
 * compared case-insensitively, with or without 0x.
 * @module
 */
import type { TcbStatus } from '@phala/dcap-qvl';

/** The TCB statuses accepted by default: only a fully patched platform. */
export const DEFAULT_ALLOWED_STATUSES: readonly TcbStatus[] = Object.freeze(['UpToDate']);

/** One acceptable TD image: the boot-time measurements. */
export interface MeasurementAllowEntry {
  mrtd: string;
  rtmr0: string;
  rtmr1: string;
  rtmr2: string;
}

/** A verifier's policy. */
export interface VerificationPolicy {
  /** TCB statuses accepted (default UpToDate only; SWHardeningNeeded is the usual addition). */
  allowedStatuses: readonly TcbStatus[];
  /**
   * Acceptable TD images, or `'any'` to skip the check (recorded as a warning in every result:
   * then any genuine TDX guest running anything passes).
   */
  measurements: readonly MeasurementAllowEntry[] | 'any';
  /** App ids (the RTMR3 `app-id` event) accepted; any when omitted. */
  appIds?: readonly string[];
  /** Compose hashes (the RTMR3 `compose-hash` event) accepted; any when omitted. */
  composeHashes?: readonly string[];
  /** KMS root public keys (compressed) the identity key's signature chain must lead to; unchecked when omitted. */
  kmsRootPublicKeys?: readonly string[];
}

/** The measurements a quote reports, lowercase hex without 0x. */
export interface Measurement {
  mrtd: string;
  rtmr0: string;
  rtmr1: string;
  rtmr2: string;
  rtmr3: string;
}

/** A policy with the default statuses and the given TD images (a strict production policy). */
export function strictPolicy(measurements: readonly MeasurementAllowEntry[], extra: Partial<VerificationPolicy> = {}): VerificationPolicy {
  return { allowedStatuses: DEFAULT_ALLOWED_STATUSES, ...extra, measurements };
}

/** Hex normalised for comparison: lowercase, no 0x. */
export function normalizeHex(value: string): string {
  return value.replace(/^0x/i, '').toLowerCase();
}

const contains = (list: readonly string[], value: string) => list.some((item) => normalizeHex(item) === normalizeHex(value));

/** True when `status` is one the policy accepts. */
export function statusAllowed(policy: VerificationPolicy, status: TcbStatus): boolean {
  return policy.allowedStatuses.includes(status);
}

/** True when the boot measurements match an allowlist entry (or the policy accepts any). */
export function measurementAllowed(policy: VerificationPolicy, measurement: Measurement): boolean {
  if (policy.measurements === 'any') return true;
  return policy.measurements.some(
    (entry) =>
      normalizeHex(entry.mrtd) === measurement.mrtd &&
      normalizeHex(entry.rtmr0) === measurement.rtmr0 &&
      normalizeHex(entry.rtmr1) === measurement.rtmr1 &&
      normalizeHex(entry.rtmr2) === measurement.rtmr2,
  );
}

/** True when the value is allowed by an optional list (an omitted list allows anything). */
export function listed(list: readonly string[] | undefined, value: string | undefined): boolean {
  return list === undefined || (value !== undefined && contains(list, value));
}

/** The allowlist entry describing `measurement`, e.g. to pin the image a tracker runs now. */
export function allowEntryOf(measurement: Measurement): MeasurementAllowEntry {
  const { mrtd, rtmr0, rtmr1, rtmr2 } = measurement;
  return { mrtd, rtmr0, rtmr1, rtmr2 };
}
