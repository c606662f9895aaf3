/**
 * Event log entries as the simulated guest agent writes and returns them. The RTMR arithmetic
 * itself is production code in `../event-log.ts`, re-exported here for the simulator's modules.
 * @module
 */
import { bytesToHex } from '@noble/hashes/utils';
import { DSTACK_RUNTIME_EVENT_TYPE, type EventLogEntry, runtimeEventDigest } from '../event-log.ts';

export {
  DSTACK_RUNTIME_EVENT_TYPE,
  type EventLogEntry,
  MEASUREMENT_LENGTH,
  type Rtmrs,
  extendMeasurement,
  replayRtmrs,
  runtimeEventDigest,
} from '../event-log.ts';

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

/** The log as the 0.5.7+ guest agent's `GetQuote` returns it. */
export function stripEventLog(entries: readonly EventLogEntry[]): EventLogEntry[] {
  return entries.map((entry) =>
    entry.event_type === DSTACK_RUNTIME_EVENT_TYPE ? { ...entry, digest: '' } : { ...entry, event_payload: '' },
  );
}
