import { sha384 } from '@noble/hashes/sha2';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils';
import { describe, expect, test } from 'vitest';
import {
  DSTACK_RUNTIME_EVENT_TYPE,
  type EventLogEntry,
  extendMeasurement,
  replayRtmrs,
  runtimeEvent,
  runtimeEventDigest,
  stripEventLog,
} from './event-log.ts';

const bootEntry = (imr: number, digestByte: number): EventLogEntry => ({
  imr,
  event_type: 0x80000001,
  digest: bytesToHex(new Uint8Array(48).fill(digestByte)),
  event: '',
  event_payload: 'abcd',
});

describe('dstack event log', () => {
  test('default: a runtime digest is sha384(u32_le(0x08000001) ":" event ":" payload)', () => {
    const expected = sha384(hexToBytes(`01000008${bytesToHex(new TextEncoder().encode(':app-id:'))}deadbeef`));
    expect(runtimeEventDigest('app-id', hexToBytes('deadbeef'))).toEqual(expected);
    expect(runtimeEvent('app-id', hexToBytes('deadbeef'))).toEqual({
      imr: 3,
      event_type: DSTACK_RUNTIME_EVENT_TYPE,
      digest: bytesToHex(expected),
      event: 'app-id',
      event_payload: 'deadbeef',
    });
  });

  test('behavior: registers fold sha384(register || digest) from zero, short digests zero-padded', () => {
    const zero = new Uint8Array(48);
    const digest = new Uint8Array(48).fill(1);
    expect(extendMeasurement(zero, digest)).toEqual(sha384(new Uint8Array([...zero, ...digest])));
    const padded = new Uint8Array(48);
    padded[0] = 1;
    expect(extendMeasurement(zero, new Uint8Array([1]))).toEqual(extendMeasurement(zero, padded));
    const log = [bootEntry(0, 7), runtimeEvent('a', new Uint8Array([1])), runtimeEvent('b', new Uint8Array())];
    const [rtmr0, rtmr1, rtmr2, rtmr3] = replayRtmrs(log);
    expect(rtmr0).toEqual(extendMeasurement(zero, new Uint8Array(48).fill(7)));
    expect(rtmr1).toEqual(zero);
    expect(rtmr2).toEqual(zero);
    expect(rtmr3).toEqual(
      extendMeasurement(extendMeasurement(zero, runtimeEventDigest('a', new Uint8Array([1]))), runtimeEventDigest('b', new Uint8Array())),
    );
  });

  test('behavior: the stripped form empties runtime digests and boot payloads, and still replays', () => {
    const log = [bootEntry(1, 2), runtimeEvent('compose-hash', new Uint8Array([9, 9]))];
    const stripped = stripEventLog(log);
    expect(stripped[0]).toEqual({ ...log[0], event_payload: '' });
    expect(stripped[1]).toEqual({ ...log[1], digest: '' });
    expect(replayRtmrs(stripped)).toEqual(replayRtmrs(log));
  });

  test('behavior: replay recomputes runtime digests, so a forged digest field changes nothing', () => {
    const honest = runtimeEvent('instance-id', new Uint8Array([1, 2]));
    const forged = { ...honest, digest: 'ff'.repeat(48) };
    expect(replayRtmrs([forged])).toEqual(replayRtmrs([honest]));
    const otherPayload = { ...honest, event_payload: '0103' };
    expect(replayRtmrs([otherPayload])[3]).not.toEqual(replayRtmrs([honest])[3]);
  });

  test('error: an IMR index outside 0..3 is refused', () => {
    expect(() => replayRtmrs([{ ...bootEntry(0, 1), imr: 4 }])).toThrow(RangeError);
  });
});
