/**
 * dstack's event log and RTMR arithmetic, for verifiers. Runtime events (RTMR3) have the digest
 * sha384(u32_le(event_type) ":" event ":" payload), and a register is extended as
 * rtmr = sha384(rtmr || digest). From guest agent 0.5.7 on, `GetQuote` returns the log stripped:
 * runtime entries keep their payload but lose their digest, boot entries the reverse; a verifier
 * must therefore recompute runtime digests rather than trust the `digest` field (tee-notes 1.6).
 * @module
 */
import { sha384 } from '@noble/hashes/sha2';
import { concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';

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

/** Error for an event log that is not dstack's JSON shape. */
export class EventLogError extends Error {
  override name = 'EventLogError';
}

/** Digest a runtime event extends RTMR3 with. */
export function runtimeEventDigest(event: string, payload: Uint8Array): Uint8Array {
  const eventType = new Uint8Array(4);
  new DataView(eventType.buffer).setUint32(0, DSTACK_RUNTIME_EVENT_TYPE, true);
  return sha384(concatBytes(eventType, utf8ToBytes(':'), utf8ToBytes(event), utf8ToBytes(':'), payload));
}

/** `register` extended with `digest`; short digests are right-padded with zeros, as the SDK does. */
export function extendMeasurement(register: Uint8Array, digest: Uint8Array): Uint8Array {
  const padded = new Uint8Array(MEASUREMENT_LENGTH);
  padded.set(digest.subarray(0, MEASUREMENT_LENGTH));
  return sha384(concatBytes(register, padded));
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

const HEX = /^[0-9a-f]*$/i;

/**
 * The entries of an event log given as dstack's JSON string or as the parsed array, checked for
 * shape (IMR 0..3, integer type, even-length hex); throws {@link EventLogError} otherwise.
 */
export function parseEventLog(log: string | readonly unknown[]): EventLogEntry[] {
  let value: unknown = log;
  if (typeof log === 'string') {
    try {
      value = JSON.parse(log);
    } catch {
      throw new EventLogError('event log is not JSON');
    }
  }
  if (!Array.isArray(value)) throw new EventLogError('event log must be an array');
  return value.map((raw, i) => {
    const entry = raw as Partial<Record<keyof EventLogEntry, unknown>> | null;
    if (typeof entry !== 'object' || entry === null) throw new EventLogError(`event ${i} is not an object`);
    const { imr, event_type: eventType, digest = '', event = '', event_payload: payload = '' } = entry;
    if (typeof imr !== 'number' || !Number.isInteger(imr) || imr < 0 || imr > 3) throw new EventLogError(`event ${i}: bad imr`);
    if (typeof eventType !== 'number' || !Number.isInteger(eventType)) throw new EventLogError(`event ${i}: bad event_type`);
    for (const [name, text] of [['digest', digest], ['event_payload', payload]] as const) {
      if (typeof text !== 'string' || text.length % 2 !== 0 || !HEX.test(text)) throw new EventLogError(`event ${i}: ${name} is not hex`);
    }
    if (typeof event !== 'string') throw new EventLogError(`event ${i}: event is not a string`);
    return { imr, event_type: eventType, digest: digest as string, event, event_payload: payload as string };
  });
}

/** Payload (hex) of the first runtime event named `event`, e.g. `app-id` or `compose-hash`. */
export function runtimeEventPayload(entries: readonly EventLogEntry[], event: string): string | undefined {
  return entries.find((entry) => entry.imr === 3 && entry.event_type === DSTACK_RUNTIME_EVENT_TYPE && entry.event === event)
    ?.event_payload;
}
