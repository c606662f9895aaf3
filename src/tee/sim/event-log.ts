/**
 * dstack's event log and RTMR arithmetic. Runtime events (RTMR3) have the digest
 * sha384(u32_le(event_type) ":" event ":" payload), and a register is extended as
 * rtmr = sha384(rtmr || digest). From guest agent 0.5.7 on, `GetQuote` returns the log stripped:
 * runtime entries keep their payload but lose their digest, boot entries the reverse; a verifier
 * must therefore recompute runtime digests rather than trust the `digest` field.
 * @module
 */
import { sha384 } from '@noble/hashes/sha2';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';

/** Event type of dstack runtime events (not a TCG type). */
export const DSTACK_RUNTIME_EVENT_TYPE = 0x08000001;
/** Size of MRTD and of each RTMR. */
export const MEASUREMENT_LENGTH = 48;

/** One event log entry in dstack's JSON form: bytes as lowercase hex, IMR index from 0. */
export interface EventLogEntry {
  imr: number;
  event_type: number;
  digest: string;
  event: string;
  event_payload: string;
}

/** The four runtime measurement registers. */
export type Rtmrs = [Uint8Array, Uint8Array, Uint8Array, Uint8Array];

/** Digest a runtime event extends RTMR3 with. */
export function runtimeEventDigest(event: string, payload: Uint8Array): Uint8Array {
  const eventType = new Uint8Array(4);
  new DataView(eventType.buffer).setUint32(0, DSTACK_RUNTIME_EVENT_TYPE, true);
  return sha384(concatBytes(eventType, utf8ToBytes(':'), utf8ToBytes(event), utf8ToBytes(':'), payload));
}

/** A runtime event as a full (unstripped) log entry. */
export function runtimeEvent(event: string, payload: Uint8Array): EventLogEntry {
  return {
    imr: 3,
    event_type: DSTACK_RUNTIME_EVENT_TYPE,
    digest: bytesToHex(runtimeEventDigest(event, payload)),
    event,
    event_payload: bytesToHex(payload),
  };
}

/** `register` extended with `digest`; short digests are right-padded with zeros, as the SDK does. */
export function extendMeasurement(register: Uint8Array, digest: Uint8Array): Uint8Array {
  const padded = new Uint8Array(MEASUREMENT_LENGTH);
  padded.set(digest.subarray(0, MEASUREMENT_LENGTH));
  return sha384(concatBytes(register, padded));
}

/** The log as the 0.5.7+ guest agent's `GetQuote` returns it. */
export function stripEventLog(entries: readonly EventLogEntry[]): EventLogEntry[] {
  return entries.map((entry) =>
    entry.event_type === DSTACK_RUNTIME_EVENT_TYPE ? { ...entry, digest: '' } : { ...entry, event_payload: '' },
  );
}

/** RTMR0-3 replayed from a log, recomputing every runtime digest from its event and payload. */
export function replayRtmrs(entries: readonly EventLogEntry[]): Rtmrs {
  const rtmrs: Rtmrs = [0, 1, 2, 3].map(() => new Uint8Array(MEASUREMENT_LENGTH)) as Rtmrs;
  for (const entry of entries) {
    if (!Number.isInteger(entry.imr) || entry.imr < 0 || entry.imr > 3) throw new RangeError(`bad IMR index ${entry.imr}`);
    const digest =
      entry.event_type === DSTACK_RUNTIME_EVENT_TYPE
        ? runtimeEventDigest(entry.event, hexToBytes(entry.event_payload))
        : hexToBytes(entry.digest);
    rtmrs[entry.imr] = extendMeasurement(rtmrs[entry.imr]!, digest);
  }
  return rtmrs;
}
