/**
 * The simulated trust domain: its measurements (a seeded MRTD and boot log for RTMR0-2, and
 * RTMR3 as the live fold of dstack's runtime events), the app identity dstack records in RTMR3
 * at boot, and fresh quotes over the current measurements. What `Info` and `GetQuote` report.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';
import { type QuoteSigner, TD_ATTRIBUTES_PRODUCTION, buildTdxQuote } from '../quote.ts';
import { SIM_TEE_TCB_SVN } from './collateral.ts';
import {
  type EventLogEntry,
  MEASUREMENT_LENGTH,
  type Rtmrs,
  extendMeasurement,
  replayRtmrs,
  runtimeEvent,
} from './event-log.ts';
import { type AppKeys, kmsRootPublicKey } from './keys.ts';
import { seededBytes } from './seeded.ts';

/** How a simulated TD looks; everything not given is derived from the seed. */
export interface SimulatedTdOptions {
  seed: string;
  appKeys: AppKeys;
  signer: QuoteSigner;
  /** MRTD, 48 bytes. */
  mrTd?: Uint8Array;
  /** TEE_TCB_SVN, 16 bytes; the default matches the collateral's UpToDate level. */
  teeTcbSvn?: Uint8Array;
  /** TD attributes, 8 bytes; the default is production (no debug, SEPT_VE_DISABLE). */
  tdAttributes?: Uint8Array;
  /** The app-compose.json text whose sha256 is the compose hash. */
  appCompose?: string;
}

/** The `Info` response body, as the guest agent serialises it. */
export interface InfoResponse {
  app_id: string;
  instance_id: string;
  app_cert: string;
  tcb_info: string;
  app_name: string;
  device_id: string;
  mr_aggregated: string;
  os_image_hash: string;
  key_provider_info: string;
  compose_hash: string;
  vm_config: string;
  cloud_vendor: string;
  cloud_product: string;
}

/** The simulator's default app-compose.json. */
export const SIM_APP_COMPOSE = JSON.stringify({
  manifest_version: 2,
  name: 'pbts-dstack-sim',
  runner: 'docker-compose',
  docker_compose_file: '',
  kms_enabled: true,
  gateway_enabled: false,
  public_logs: true,
  public_sysinfo: true,
  public_tcbinfo: true,
  key_provider: 'kms',
  key_provider_id: '',
  allowed_envs: [],
  no_instance_id: false,
  secure_time: false,
  storage_fs: 'ext4',
});

// A plausible boot log shape: firmware config and separator (RTMR0), boot loader and kernel
// (RTMR1), kernel command line and initrd (RTMR2). The digests are seeded, not real images.
const BOOT_EVENT_TYPES: Array<[imr: number, eventType: number]> = [
  [0, 0x80000001],
  [0, 0x00000004],
  [1, 0x80000003],
  [1, 0x00000004],
  [2, 0x0000000d],
  [2, 0x0000000d],
];

/** A dstack TD as the guest agent sees it. */
export class SimulatedTd {
  readonly appName: string;
  readonly appCompose: string;
  readonly vmConfig: string;
  private readonly options: SimulatedTdOptions;
  private readonly mrTd: Uint8Array;
  private readonly log: EventLogEntry[];
  private readonly rtmrs: Rtmrs;

  constructor(options: SimulatedTdOptions) {
    this.options = options;
    const { seed } = options;
    this.mrTd = options.mrTd ?? seededBytes(seed, 'mrtd', MEASUREMENT_LENGTH);
    this.appCompose = options.appCompose ?? SIM_APP_COMPOSE;
    this.appName = String((JSON.parse(this.appCompose) as { name?: unknown }).name ?? '');
    const osImageHash = seededBytes(seed, 'os-image-hash', 32);
    this.vmConfig = JSON.stringify({ os_image_hash: bytesToHex(osImageHash), cpu_count: 2, memory_size: 2147483648 });
    const boot: EventLogEntry[] = BOOT_EVENT_TYPES.map(([imr, eventType], i) => ({
      imr,
      event_type: eventType,
      digest: bytesToHex(seededBytes(seed, `boot-event/${i}`, MEASUREMENT_LENGTH)),
      event: '',
      event_payload: '',
    }));
    const keyProvider = JSON.stringify({ name: 'kms', id: bytesToHex(kmsRootPublicKey(options.appKeys)) });
    // The events dstack's boot sequence writes to RTMR3, in its order.
    const runtime: Array<[string, Uint8Array]> = [
      ['system-preparing', new Uint8Array()],
      ['app-id', options.appKeys.appId],
      ['compose-hash', sha256(utf8ToBytes(this.appCompose))],
      ['instance-id', seededBytes(seed, 'instance-id', 20)],
      ['boot-mr-done', new Uint8Array()],
      ['os-image-hash', osImageHash],
      ['key-provider', utf8ToBytes(keyProvider)],
      ['storage-fs', utf8ToBytes('ext4')],
      ['system-ready', new Uint8Array()],
    ];
    this.log = [...boot, ...runtime.map(([event, payload]) => runtimeEvent(event, payload))];
    this.rtmrs = replayRtmrs(this.log);
  }

  /** The full event log (every entry with digest and payload). */
  eventLog(): EventLogEntry[] {
    return this.log.map((entry) => ({ ...entry }));
  }

  /** MRTD and the current RTMR0-3. */
  measurements(): { mrTd: Uint8Array; rtmrs: Rtmrs } {
    return { mrTd: this.mrTd.slice(), rtmrs: this.rtmrs.map((rtmr) => rtmr.slice()) as Rtmrs };
  }

  /** `EmitEvent`: appends a runtime event and extends RTMR3 with it. */
  emitEvent(event: string, payload: Uint8Array): void {
    if (event === '') throw new Error('event name must not be empty');
    const entry = runtimeEvent(event, payload);
    this.log.push(entry);
    this.rtmrs[3] = extendMeasurement(this.rtmrs[3], hexToBytes(entry.digest));
  }

  /** A fresh quote over the current measurements with `reportData` (64 bytes). */
  quote(reportData: Uint8Array): Uint8Array {
    return buildTdxQuote(
      {
        teeTcbSvn: this.options.teeTcbSvn ?? SIM_TEE_TCB_SVN,
        tdAttributes: this.options.tdAttributes ?? TD_ATTRIBUTES_PRODUCTION,
        mrTd: this.mrTd,
        rtmrs: this.rtmrs,
        reportData,
        // The XFAM of a real dstack TD (x87 to AVX-512 and PKRU state), so quotes look like one.
        xfam: Uint8Array.from([0xe7, 0x02, 0x06, 0, 0, 0, 0, 0]),
      },
      this.options.signer,
    );
  }

  private payloadOf(event: string): Uint8Array {
    const entry = this.log.find((e) => e.imr === 3 && e.event === event);
    return hexToBytes(entry?.event_payload ?? '');
  }

  /** The `Info` response: app identity from the RTMR3 events, as dstack decodes it. */
  info(): InfoResponse {
    const [rtmr0, rtmr1, rtmr2, rtmr3] = this.rtmrs;
    const hex = bytesToHex;
    const deviceId = sha256(this.options.signer.userData);
    const tcbInfo = {
      mrtd: hex(this.mrTd),
      rtmr0: hex(rtmr0),
      rtmr1: hex(rtmr1),
      rtmr2: hex(rtmr2),
      rtmr3: hex(rtmr3),
      mr_aggregated: hex(sha256(concatBytes(this.mrTd, rtmr0, rtmr1, rtmr2, rtmr3))),
      os_image_hash: hex(this.payloadOf('os-image-hash')),
      compose_hash: hex(this.payloadOf('compose-hash')),
      device_id: hex(deviceId),
      event_log: this.eventLog(),
      app_compose: this.appCompose,
    };
    return {
      app_id: hex(this.payloadOf('app-id')),
      instance_id: hex(this.payloadOf('instance-id')),
      app_cert: '',
      tcb_info: JSON.stringify(tcbInfo, null, 2),
      app_name: this.appName,
      device_id: tcbInfo.device_id,
      mr_aggregated: tcbInfo.mr_aggregated,
      os_image_hash: tcbInfo.os_image_hash,
      key_provider_info: new TextDecoder().decode(this.payloadOf('key-provider')),
      compose_hash: tcbInfo.compose_hash,
      vm_config: this.vmConfig,
      cloud_vendor: 'pbts dstack simulator (TEST ONLY)',
      cloud_product: '',
    };
  }
}
