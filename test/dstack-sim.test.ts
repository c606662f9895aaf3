import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1';
import { sha512 } from '@noble/hashes/sha2';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';
import { type Collateral, QuoteVerifier, getCollateral, verify } from '@phala/dcap-qvl';
import { DstackClient } from '@phala/dstack-sdk';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TDX_V4_OFFSETS, parseTdxQuote } from '../src/tee/quote.ts';
import { SIM_OUT_OF_DATE_ADVISORY, SIM_TEE_TCB_SVN_OUT_OF_DATE } from '../src/tee/sim/collateral.ts';
import { DSTACK_RUNTIME_EVENT_TYPE, type EventLogEntry, replayRtmrs } from '../src/tee/sim/event-log.ts';
import { recoverSigner } from '../src/tee/sim/keys.ts';
import { type DstackSimulator, startDstackSimulator } from '../src/tee/sim/server.ts';
import { dockerAvailable } from '../src/tee/docker.ts';
import { type OfficialSimulator, startOfficialSimulator } from '../fixtures/dstack.ts';

const BIN = path.resolve(import.meta.dirname, '../bin/pbts.js');
const NOW_MS = Date.UTC(2026, 10, 25, 12);
const NOW = NOW_MS / 1000;
const DAY_MS = 86_400_000;
const UPSTREAM_APP_PUBKEY = '02818494263695e8839122dbd88e281d7380622999df4e60a14befa0f2d096fc7c';
const UPSTREAM_KMS_PUBKEY = '0321529e458424ab1f710a3a57ec4dad2fb195ddca572f7469242ba6c7563085b6';

let sim: DstackSimulator;
beforeAll(async () => {
  sim = await startDstackSimulator({ seed: 'dstack-sim-integration', clock: () => NOW_MS });
});
afterAll(() => sim.close());

const verifier = () => QuoteVerifier.newWithRootCa(Buffer.from(sim.rootCaDer));
const flip = (bytes: Uint8Array, offset: number) => {
  const copy = bytes.slice();
  copy[offset]! ^= 0x80;
  return copy;
};

describe.each([
  ['unix socket', () => sim.socketPath],
  ['HTTP', () => sim.endpoint],
])('unmodified DstackClient over the %s', (_, endpoint) => {
  test('default: version and info answer like a 0.5.8 guest agent', async () => {
    const client = new DstackClient(endpoint());
    expect((await client.version()).version).toBe('0.5.8');
    const info = await client.info();
    expect(info.app_id).toBe('5bb4ff9a3837357f19dc176407a5709c62eb6c56');
    expect(info.tcb_info.rtmr3).toMatch(/^[0-9a-f]{96}$/);
    expect(await client.isReachable()).toBe(true);
  });

  test('behavior: getKey is deterministic and its chain recovers the upstream app and KMS keys', async () => {
    const client = new DstackClient(endpoint());
    const response = await client.getKey('/test/path', 'test-purpose');
    expect(await client.getKey('/test/path', 'other-purpose', 'ed25519')).toMatchObject({ key: response.key });
    const [appSignature, kmsSignature] = response.signature_chain;
    const derived = bytesToHex(secp256k1.getPublicKey(response.key, true));
    const appKey = recoverSigner(utf8ToBytes(`test-purpose:${derived}`), appSignature!);
    expect(bytesToHex(appKey)).toBe(UPSTREAM_APP_PUBKEY);
    const appId = hexToBytes((await client.info()).app_id);
    const kmsKey = recoverSigner(concatBytes(utf8ToBytes('dstack-kms-issued:'), appId, appKey), kmsSignature!);
    expect(bytesToHex(kmsKey)).toBe(UPSTREAM_KMS_PUBKEY);
  });

  test('behavior: emitEvent, then a quote that verifies UpToDate, binds report_data, and replays RTMR3', async () => {
    const client = new DstackClient(endpoint());
    const { key } = await client.getKey('tracker/identity/v1');
    await client.emitEvent('pbts-tracker-identity', secp256k1.getPublicKey(key, true));
    const reportData = sha512(concatBytes(utf8ToBytes('bt-tracker-attest-v1:'), secp256k1.getPublicKey(key, true)));
    const response = await client.getQuote(reportData);
    const quote = hexToBytes(response.quote);

    const report = verifier().verify(quote, sim.collateral(), NOW);
    expect(report.status).toBe('UpToDate');
    expect(report.report.asTd10()!.reportData).toEqual(reportData);
    expect(response.report_data).toBe(bytesToHex(reportData));

    // The real 0.5.7+ stripped form: runtime digests empty, so they must be recomputed.
    const log = JSON.parse(response.event_log) as EventLogEntry[];
    const runtime = log.filter((entry) => entry.event_type === DSTACK_RUNTIME_EVENT_TYPE);
    expect(runtime.every((entry) => entry.digest === '')).toBe(true);
    expect(runtime.at(-1)).toMatchObject({ event: 'pbts-tracker-identity', event_payload: bytesToHex(secp256k1.getPublicKey(key, true)) });
    const replayed = replayRtmrs(log);
    const parsed = parseTdxQuote(quote);
    expect(replayed).toEqual(parsed.rtmrs);
    expect(bytesToHex(replayed[3])).toBe((await client.info()).tcb_info.rtmr3);
    // The SDK's own replay trusts the empty digests, and gets RTMR3 wrong, as on real 0.5.7+ agents.
    expect(response.replayRtmrs()[3]).not.toBe(bytesToHex(parsed.rtmrs[3]));
  });

  test('behavior: Sign and Verify round-trip through the SDK', async () => {
    const client = new DstackClient(endpoint());
    const data = utf8ToBytes('announce');
    const signed = await client.sign('secp256k1', data);
    expect(signed.signature_chain).toHaveLength(3);
    expect((await client.verify('secp256k1', data, signed.signature, signed.public_key)).valid).toBe(true);
  });
});

describe('simulator quotes under dcap-qvl', () => {
  let quote: Uint8Array;
  beforeAll(async () => {
    quote = hexToBytes((await new DstackClient(sim.endpoint).getQuote(new Uint8Array(64).fill(0x5a))).quote);
  });

  test('default: collateral fetched by the unmodified getCollateral through the PCCS routes verifies', async () => {
    const fetched = await getCollateral(sim.endpoint, quote);
    expect(fetched.tcb_info).toBe(sim.collateral().tcb_info);
    expect(verifier().verify(quote, fetched, NOW).status).toBe('UpToDate');
  });

  test('error: Intel\'s production root rejects simulator quotes', () => {
    expect(() => verify(quote, sim.collateral(), NOW)).toThrow(/certificate chain .*signature invalid/);
  });

  test('error: a tampered quote byte or report_data fails the quote signature', () => {
    expect(() => verifier().verify(flip(quote, TDX_V4_OFFSETS.mrTd), sim.collateral(), NOW)).toThrow(
      'ISV enclave report signature is invalid',
    );
    expect(() => verifier().verify(flip(quote, TDX_V4_OFFSETS.reportData + 63), sim.collateral(), NOW)).toThrow(
      'ISV enclave report signature is invalid',
    );
  });

  test('error: a tampered tcb_info fails its signature', () => {
    const collateral: Collateral = { ...sim.collateral() };
    collateral.tcb_info = collateral.tcb_info.replace('"tcbEvaluationDataNumber":17', '"tcbEvaluationDataNumber":18');
    expect(() => verifier().verify(quote, collateral, NOW)).toThrow('Signature is invalid for tcb_info');
  });

  test('error: the collateral has expired 40 days later', () => {
    expect(() => verifier().verify(quote, sim.collateral(), (NOW_MS + 40 * DAY_MS) / 1000)).toThrow('TCBInfo expired');
  });

  test('behavior: a simulator with a lower TEE_TCB_SVN gets OutOfDate and the advisory', async () => {
    const behind = await startDstackSimulator({
      seed: 'dstack-sim-integration',
      clock: () => NOW_MS,
      teeTcbSvn: SIM_TEE_TCB_SVN_OUT_OF_DATE,
    });
    try {
      const stale = hexToBytes((await new DstackClient(behind.endpoint).getQuote(new Uint8Array(1))).quote);
      const report = verifier().verify(stale, behind.collateral(), NOW);
      expect(report.status).toBe('OutOfDate');
      expect(report.advisory_ids).toEqual([SIM_OUT_OF_DATE_ADVISORY]);
    } finally {
      await behind.close();
    }
  });

  test('behavior: same seed, byte-identical root CA; another seed, another root', async () => {
    const twin = await startDstackSimulator({ seed: 'dstack-sim-integration' });
    const stranger = await startDstackSimulator({ seed: 'someone else' });
    try {
      expect(twin.rootCaDer).toEqual(sim.rootCaDer);
      expect(stranger.rootCaDer).not.toEqual(sim.rootCaDer);
      expect(() => QuoteVerifier.newWithRootCa(Buffer.from(stranger.rootCaDer)).verify(quote, sim.collateral(), NOW)).toThrow(
        /signature invalid/,
      );
    } finally {
      await Promise.all([twin.close(), stranger.close()]);
    }
  });
});

describe('SDK quirks the simulator must keep', () => {
  test('error: the SDK refuses a missing socket and oversized report data before any request', async () => {
    expect(() => new DstackClient(path.join(tmpdir(), 'no-such-dir', 'dstack.sock'))).toThrow(/does not exist/);
    await expect(new DstackClient(sim.endpoint).getQuote(new Uint8Array(65))).rejects.toThrow(/less than 64 bytes/);
  });

  test('error: a server-side error reaches getQuote as the agent\'s {error} message', async () => {
    const response = await fetch(`${sim.endpoint}/GetQuote`, { method: 'POST', body: JSON.stringify({ report_data: 'zz' }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'report_data is not valid hex' });
  });
});

describe('pbts dstack-sim', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pbts-dstack-sim-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('default: prints its endpoints, writes root and collateral, serves the SDK, stops on SIGTERM', async () => {
    const socketPath = path.join(dir, 'dstack.sock');
    const rootPath = path.join(dir, 'root.der');
    const collateralPath = path.join(dir, 'collateral.json');
    const child = spawn(
      process.execPath,
      [BIN, 'dstack-sim', '--socket', socketPath, '--port', '0', '--seed', 'cli-seed', '--root-out', rootPath, '--collateral-out', collateralPath],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const endpoint = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`dstack-sim did not start:\n${output}`)), 20_000);
        child.stdout.on('data', () => {
          const match = /HTTP:\s+(http:\/\/\S+)/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
      });
      expect(output).toContain(socketPath);
      expect(output).toContain('TEST ONLY');
      const client = new DstackClient(socketPath);
      const quote = hexToBytes((await client.getQuote(new Uint8Array(64))).quote);
      const collateral = JSON.parse(readFileSync(collateralPath, 'utf8')) as Collateral;
      const root = readFileSync(rootPath);
      expect(QuoteVerifier.newWithRootCa(root).verify(quote, collateral, Date.now() / 1000).status).toBe('UpToDate');
      expect((await new DstackClient(endpoint).version()).version).toBe('0.5.8');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output).toContain('pbts dstack-sim stopped');
    expect(existsSync(socketPath)).toBe(false);
  });
});

const docker = await dockerAvailable();
if (!docker) console.info('no Docker engine: the official dstack simulator image is not tested here (embedded simulator only)');

describe.skipIf(!docker)('the official dstack simulator image (Docker, testcontainers)', () => {
  let official: OfficialSimulator;
  beforeAll(async () => {
    official = await startOfficialSimulator();
  }, 180_000);
  afterAll(() => official?.close());

  test('behavior: getKey derives the same key as the embedded simulator, and its chain recovers the upstream keys', async () => {
    const theirs = await new DstackClient(official.endpoint).getKey('/test/path', 'test-purpose');
    const ours = await new DstackClient(sim.endpoint).getKey('/test/path', 'test-purpose');
    expect(theirs.key).toEqual(ours.key);
    const derived = bytesToHex(secp256k1.getPublicKey(theirs.key, true));
    const appKey = recoverSigner(utf8ToBytes(`test-purpose:${derived}`), theirs.signature_chain[0]!);
    expect(bytesToHex(appKey)).toBe(UPSTREAM_APP_PUBKEY);
  });
});
