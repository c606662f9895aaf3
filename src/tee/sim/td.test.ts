import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils';
import { describe, expect, test } from 'vitest';
import { parseTdxQuote } from '../quote.ts';
import { SIM_TEE_TCB_SVN_OUT_OF_DATE } from './collateral.ts';
import { extendMeasurement, replayRtmrs, runtimeEventDigest } from './event-log.ts';
import { DSTACK_SIMULATOR_APP_KEYS, kmsRootPublicKey } from './keys.ts';
import { createMockPki } from './pki.ts';
import { createQuotingEnclave } from './quoting-enclave.ts';
import { SIM_APP_COMPOSE, SimulatedTd, type SimulatedTdOptions } from './td.ts';

const SEED = 'td-test';
const signer = createQuotingEnclave(SEED, createMockPki(SEED));
const options: SimulatedTdOptions = { seed: SEED, appKeys: DSTACK_SIMULATOR_APP_KEYS, signer };
const hex = bytesToHex;

describe('simulated TD', () => {
  test('default: Info reports the app identity dstack records in RTMR3, and consistent measurements', () => {
    const td = new SimulatedTd(options);
    const info = td.info();
    const tcbInfo = JSON.parse(info.tcb_info);
    const { mrTd, rtmrs } = td.measurements();
    expect(info.app_id).toBe(hex(DSTACK_SIMULATOR_APP_KEYS.appId));
    expect(info.compose_hash).toBe(hex(sha256(utf8ToBytes(SIM_APP_COMPOSE))));
    expect(info.app_name).toBe('pbts-dstack-sim');
    expect(info.device_id).toBe(hex(sha256(signer.userData)));
    expect(JSON.parse(info.key_provider_info)).toEqual({ name: 'kms', id: hex(kmsRootPublicKey(DSTACK_SIMULATOR_APP_KEYS)) });
    expect(JSON.parse(info.vm_config).os_image_hash).toBe(info.os_image_hash);
    expect([tcbInfo.mrtd, tcbInfo.rtmr0, tcbInfo.rtmr1, tcbInfo.rtmr2, tcbInfo.rtmr3]).toEqual([mrTd, ...rtmrs].map(hex));
    expect(info.mr_aggregated).toBe(hex(sha256(concatBytes(mrTd, ...rtmrs))));
    expect(tcbInfo.app_compose).toBe(SIM_APP_COMPOSE);
    expect(replayRtmrs(tcbInfo.event_log)).toEqual(rtmrs);
    expect(tcbInfo.event_log.filter((e: { imr: number }) => e.imr === 3).map((e: { event: string }) => e.event)).toEqual([
      'system-preparing',
      'app-id',
      'compose-hash',
      'instance-id',
      'boot-mr-done',
      'os-image-hash',
      'key-provider',
      'storage-fs',
      'system-ready',
    ]);
  });

  test('behavior: EmitEvent extends RTMR3 and later quotes carry it', () => {
    const td = new SimulatedTd(options);
    const before = td.measurements().rtmrs[3];
    td.emitEvent('pbts-tracker-key', utf8ToBytes('pk'));
    const after = td.measurements().rtmrs[3];
    expect(after).toEqual(extendMeasurement(before, runtimeEventDigest('pbts-tracker-key', utf8ToBytes('pk'))));
    expect(td.eventLog().at(-1)).toMatchObject({ imr: 3, event: 'pbts-tracker-key', event_payload: hex(utf8ToBytes('pk')) });
    const quote = parseTdxQuote(td.quote(new Uint8Array(64).fill(1)));
    expect(quote.rtmrs).toEqual(td.measurements().rtmrs);
    expect(quote.mrTd).toEqual(td.measurements().mrTd);
    expect(quote.reportData).toEqual(new Uint8Array(64).fill(1));
  });

  test('behavior: same seed, same measurements; options override them', () => {
    expect(new SimulatedTd(options).measurements()).toEqual(new SimulatedTd(options).measurements());
    expect(new SimulatedTd({ ...options, seed: 'other' }).measurements().mrTd).not.toEqual(new SimulatedTd(options).measurements().mrTd);
    const custom = new SimulatedTd({ ...options, mrTd: new Uint8Array(48).fill(9), teeTcbSvn: SIM_TEE_TCB_SVN_OUT_OF_DATE });
    const quote = parseTdxQuote(custom.quote(new Uint8Array(64)));
    expect(quote.mrTd).toEqual(new Uint8Array(48).fill(9));
    expect(quote.teeTcbSvn).toEqual(SIM_TEE_TCB_SVN_OUT_OF_DATE);
    const composed = new SimulatedTd({ ...options, appCompose: '{"name":"tracker"}' }).info();
    expect(composed.app_name).toBe('tracker');
    expect(composed.compose_hash).toBe(hex(sha256(utf8ToBytes('{"name":"tracker"}'))));
  });

  test('error: an event needs a name', () => {
    expect(() => new SimulatedTd(options).emitEvent('', new Uint8Array())).toThrow(/must not be empty/);
  });
});
