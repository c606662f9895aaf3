import { bytesToHex, hexToBytes } from '@noble/hashes/utils';
import { describe, expect, test } from 'vitest';
import { parseTdxQuote } from '../quote.ts';
import { callDstackMethod, type DstackApiState, SIM_AGENT_VERSION } from './dstack-api.ts';
import { DSTACK_RUNTIME_EVENT_TYPE, type EventLogEntry, replayRtmrs } from './event-log.ts';
import { DSTACK_SIMULATOR_APP_KEYS, getKey } from './keys.ts';
import { createMockPki } from './pki.ts';
import { createQuotingEnclave } from './quoting-enclave.ts';
import { SimulatedTd } from './td.ts';

const SEED = 'dstack-api-test';
const signer = createQuotingEnclave(SEED, createMockPki(SEED));
const state = (): DstackApiState => ({
  td: new SimulatedTd({ seed: SEED, appKeys: DSTACK_SIMULATOR_APP_KEYS, signer }),
  appKeys: DSTACK_SIMULATOR_APP_KEYS,
});
const call = (s: DstackApiState, method: string, request: Record<string, unknown> = {}) =>
  callDstackMethod(s, method, request) as Record<string, any>;

describe('guest agent RPC methods', () => {
  test('default: GetQuote right-pads report_data and returns the stripped event log', () => {
    const s = state();
    const reply = call(s, 'GetQuote', { report_data: '0xABcd' });
    const reportData = new Uint8Array(64);
    reportData.set([0xab, 0xcd]);
    expect(reply.report_data).toBe(bytesToHex(reportData));
    expect(parseTdxQuote(hexToBytes(reply.quote)).reportData).toEqual(reportData);
    expect(reply.vm_config).toBe(s.td.vmConfig);
    const log = JSON.parse(reply.event_log) as EventLogEntry[];
    for (const entry of log) {
      if (entry.event_type === DSTACK_RUNTIME_EVENT_TYPE) expect(entry.digest).toBe('');
      else expect(entry.event_payload).toBe('');
    }
    expect(replayRtmrs(log)).toEqual(parseTdxQuote(hexToBytes(reply.quote)).rtmrs);
  });

  test('behavior: GetKey takes proto defaults for missing fields and answers hex', () => {
    const reply = call(state(), 'GetKey', {});
    const expected = getKey(DSTACK_SIMULATOR_APP_KEYS, '', '', 'secp256k1');
    expect(reply).toEqual({ key: bytesToHex(expected.key), signature_chain: expected.signatureChain.map(bytesToHex) });
    expect(call(state(), 'GetKey', { path: 'p', algorithm: 'k256' }).key).toBe(call(state(), 'GetKey', { path: 'p' }).key);
  });

  test('behavior: EmitEvent answers {} and moves RTMR3; Version and Info answer', () => {
    const s = state();
    const before = call(s, 'Info');
    expect(call(s, 'EmitEvent', { event: 'e', payload: '00' })).toEqual({});
    expect(JSON.parse(call(s, 'Info').tcb_info).rtmr3).not.toBe(JSON.parse(before.tcb_info).rtmr3);
    expect(call(s, 'Version')).toEqual({ version: SIM_AGENT_VERSION, rev: 'pbts-dstack-sim' });
  });

  test('behavior: Sign then Verify round-trips', () => {
    const s = state();
    const signed = call(s, 'Sign', { algorithm: 'ed25519', data: 'c0ffee' });
    expect(signed.signature_chain).toHaveLength(3);
    expect(call(s, 'Verify', { algorithm: 'ed25519', data: 'c0ffee', signature: signed.signature, public_key: signed.public_key })).toEqual({
      valid: true,
    });
  });

  test('error: oversized or malformed input, unknown methods and algorithms', () => {
    const s = state();
    expect(() => call(s, 'GetQuote', { report_data: '00'.repeat(65) })).toThrow('Report data is too long');
    expect(() => call(s, 'GetQuote', { report_data: 'xyz' })).toThrow('report_data is not valid hex');
    expect(() => call(s, 'EmitEvent', { event: 5 })).toThrow('event must be a string');
    expect(() => call(s, 'GetKey', { algorithm: 'rsa' })).toThrow('Unsupported algorithm');
    expect(() => call(s, 'GetTlsKey')).toThrow('GetTlsKey is not implemented by the pbts dstack simulator');
    expect(() => call(s, '')).toThrow('(none) is not implemented');
  });
});
