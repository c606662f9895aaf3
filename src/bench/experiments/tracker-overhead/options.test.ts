import { describe, expect, test } from 'vitest';
import { TRACKER_OVERHEAD_OPTIONS, trackerOverheadOptions } from './options.ts';

describe('trackerOverheadOptions', () => {
  test('default', () => {
    expect(trackerOverheadOptions({})).toEqual({ trackerUrl: undefined, iterations: 100, warmup: 10, confirmations: 20, users: 101, maxSeconds: 300 });
  });

  test("behavior: the specs hold the seed's options and the README defaults", () => {
    expect(TRACKER_OVERHEAD_OPTIONS.map((o) => [o.flag, o.env, o.kind, o.default, o.quick ?? null])).toEqual([
      ['tracker-url', 'PBTS_TRACKER_URL', 'value', 'none', null],
      ['iterations', 'PBTS_ITERATIONS', 'value', '100', '5'],
      ['warmup', 'PBTS_WARMUP', 'value', '10', '2'],
      ['no-auto-start', 'PBTS_NO_AUTO_START', 'boolean', 'off', null],
    ]);
  });

  test('behavior: quick, confirmations capped, an existing tracker', () => {
    expect(trackerOverheadOptions({ PBTS_QUICK: '1' })).toMatchObject({ iterations: 5, warmup: 2, confirmations: 3, maxSeconds: 60 });
    expect(trackerOverheadOptions({ PBTS_ITERATIONS: '7' }).confirmations).toBe(7);
    expect(trackerOverheadOptions({ PBTS_NO_AUTO_START: '1' }).trackerUrl).toBe('http://127.0.0.1:8000');
    expect(trackerOverheadOptions({ PBTS_NO_AUTO_START: '1', PBTS_TRACKER_URL: 'http://localhost:9000/' }).trackerUrl).toBe('http://127.0.0.1:9000');
    expect(trackerOverheadOptions({ PBTS_TRACKER_URL: 'http://127.0.0.1:9000' }).trackerUrl).toBe('http://127.0.0.1:9000');
  });

  test('error: a tracker off loopback, bad counts', () => {
    expect(() => trackerOverheadOptions({ PBTS_NO_AUTO_START: '1', PBTS_TRACKER_URL: 'http://10.0.0.1:8000' })).toThrow(/loopback/);
    expect(() => trackerOverheadOptions({ PBTS_WARMUP: '0' })).toThrow(/positive integer/);
  });
});
