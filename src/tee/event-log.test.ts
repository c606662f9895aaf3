import { describe, expect, test } from 'vitest';
import { DSTACK_RUNTIME_EVENT_TYPE, EventLogError, parseEventLog, replayRtmrs, runtimeEventPayload } from './event-log.ts';

const stripped = [
  { imr: 0, event_type: 0x80000001, digest: '11'.repeat(48), event: '', event_payload: '' },
  { imr: 3, event_type: DSTACK_RUNTIME_EVENT_TYPE, digest: '', event: 'app-id', event_payload: 'aabb' },
  { imr: 3, event_type: DSTACK_RUNTIME_EVENT_TYPE, digest: '', event: 'compose-hash', event_payload: 'ccdd' },
];

describe('event log (verifier side)', () => {
  test("default: parses dstack's JSON string or the array, and replays the stripped form", () => {
    expect(parseEventLog(JSON.stringify(stripped))).toEqual(stripped);
    expect(parseEventLog(stripped)).toEqual(stripped);
    expect(replayRtmrs(parseEventLog(stripped))[3]).toHaveLength(48);
  });

  test('behavior: runtime event payloads are found by name, only among RTMR3 runtime events', () => {
    expect(runtimeEventPayload(stripped, 'app-id')).toBe('aabb');
    expect(runtimeEventPayload(stripped, 'compose-hash')).toBe('ccdd');
    expect(runtimeEventPayload([{ ...stripped[1]!, imr: 2 }], 'app-id')).toBeUndefined();
  });

  test('error: anything but the JSON shape is refused', () => {
    for (const bad of ['not json', '{}', JSON.stringify([1]), JSON.stringify([{ ...stripped[0], imr: 4 }])]) {
      expect(() => parseEventLog(bad)).toThrow(EventLogError);
    }
    expect(() => parseEventLog([{ ...stripped[1], event_payload: 'abc' }])).toThrow(/event_payload is not hex/);
    expect(() => parseEventLog([{ ...stripped[1], event_type: '1' }])).toThrow(/bad event_type/);
  });
});
