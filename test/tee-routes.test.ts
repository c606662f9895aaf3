import { getAddress, keccak256 } from 'viem';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startDstackFixture } from '../fixtures/dstack.ts';
import {
  type AttestationEvidence,
  type Hex,
  type TeeRuntime,
  type TeeStatus,
  staticCollateral,
  startTee,
  testTrust,
  verifyAttestation,
} from '../src/tee/index.ts';
import type { DstackSimulator } from '../src/tee/sim/server.ts';
import { teeRoutes } from '../src/tracker/tee-routes.ts';

const NOW_MS = Date.UTC(2026, 10, 25, 12);
const clock = () => NOW_MS;
const CONTRACT: Hex = '0x00000000000000000000000000000000000000c0';
const quiet = () => {};

let sim: DstackSimulator;
let tee: TeeRuntime;
beforeAll(async () => {
  sim = await startDstackFixture({ seed: 'tee-routes-test', clock });
  tee = await startTee({ endpoint: sim.socketPath, bootNonce: new Uint8Array(32).fill(9), log: quiet });
});
afterAll(() => sim?.close());

const verify = (evidence: AttestationEvidence, nonce: string, contractAddress?: Hex) =>
  verifyAttestation(evidence, {
    trust: testTrust({ rootCaDer: sim.rootCaDer, collateral: staticCollateral(sim.collateral()), clock }),
    policy: { allowedStatuses: ['UpToDate'], measurements: 'any' },
    expected: {
      nonce,
      identity: { chainAddress: tee.identity!.chainAccount.address, contractAddress, identityPublicKey: tee.identity!.identityPublicKey },
    },
    executor: 'in-process',
  });

describe('startTee', () => {
  test('default: keys, a boot attestation binding the zero contract, and its bytes32 hash for the factory', async () => {
    expect(tee).toMatchObject({ mode: 'simulator', trustAnchor: 'test' });
    const boot = tee.bootAttestation!;
    expect(boot.contract_address).toBe(`0x${'00'.repeat(20)}`);
    expect(tee.bootAttestationHash).toBe(keccak256(boot.quote));
    expect((await verify(boot, `0x${'09'.repeat(32)}`)).ok).toBe(true);
    expect(tee.measurement?.rtmr3).toMatch(/^[0-9a-f]{96}$/);
    expect(tee.warnings.join('\n')).toMatch(/SIMULATOR/);
  });

  test('behavior: without a TEE the runtime is mode none and refuses to attest', async () => {
    const none = await startTee({ env: {}, socketPaths: [], log: quiet });
    expect(none).toMatchObject({ mode: 'none', trustAnchor: null, measurement: null });
    await expect(none.attest(new Uint8Array(32))).rejects.toThrow(/no TEE/);
  });
});

describe('TEE routes', () => {
  test('default: GET /tee/attestation returns evidence binding the nonce and the contract, which verifies', async () => {
    const app = teeRoutes({ tee, contractAddress: () => CONTRACT });
    const nonce = 'ab'.repeat(16);
    const response = await app.request(`/tee/attestation?nonce=${nonce}`);
    expect(response.status).toBe(200);
    const evidence = (await response.json()) as AttestationEvidence;
    expect(evidence).toMatchObject({ nonce: `0x${nonce}`, contract_address: getAddress(CONTRACT), chain_address: tee.identity!.chainAccount.address });
    expect(await verify(evidence, nonce, CONTRACT)).toMatchObject({ ok: true, tcbStatus: 'UpToDate' });
    expect((await verify(evidence, nonce)).ok).toBe(false);
  });

  test('default: GET /tee/status reports mode, trust anchor, keys, measurement and warnings', async () => {
    const status = (await (await teeRoutes({ tee }).request('/tee/status')).json()) as TeeStatus;
    expect(status).toMatchObject({
      mode: 'simulator',
      trust_anchor: 'test',
      chain_account: tee.identity!.chainAccount.address,
      identity_public_key: tee.identity!.identityPublicKey,
      measurement: tee.measurement,
      app_id: '0x5bb4ff9a3837357f19dc176407a5709c62eb6c56',
    });
    expect(status.warnings.length).toBeGreaterThan(0);
  });

  test('error: a nonce that is missing, not hex, shorter than 16 or longer than 64 bytes is 400', async () => {
    const app = teeRoutes({ tee });
    for (const query of ['', '?nonce=', '?nonce=xyz', `?nonce=${'ab'.repeat(15)}`, `?nonce=${'ab'.repeat(65)}`, `?nonce=${'a'.repeat(33)}`]) {
      const response = await app.request(`/tee/attestation${query}`);
      expect(response.status, query).toBe(400);
      expect(await response.json()).toHaveProperty('error');
    }
    expect((await app.request(`/tee/attestation?nonce=0x${'ab'.repeat(64)}`)).status).toBe(200);
  });

  test('error: without a TEE attestation is 503 and status says mode none with the configured account', async () => {
    const none = await startTee({ env: {}, socketPaths: [], log: quiet });
    const app = teeRoutes({ tee: none, chainAccount: '0x00000000000000000000000000000000000000aa' });
    expect((await app.request(`/tee/attestation?nonce=${'ab'.repeat(32)}`)).status).toBe(503);
    expect(await (await app.request('/tee/status')).json()).toMatchObject({
      mode: 'none',
      trust_anchor: null,
      chain_account: '0x00000000000000000000000000000000000000aa',
      measurement: null,
    });
  });

  test('error: more attestations in flight than allowed get 429, and a failing TEE 502', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: TeeRuntime = { ...tee, attest: async (nonce) => (await gate, tee.attest(nonce)) };
    const app = teeRoutes({ tee: slow, maxInFlight: 1 });
    const url = `/tee/attestation?nonce=${'cd'.repeat(16)}`;
    const first = app.request(url);
    const second = await app.request(url);
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('1');
    release();
    expect((await first).status).toBe(200);
    const broken: TeeRuntime = { ...tee, attest: () => Promise.reject(new Error('agent gone')) };
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      expect((await teeRoutes({ tee: broken }).request(url)).status).toBe(502);
    } finally {
      console.error = original;
    }
    expect(errors).toHaveLength(1);
  });
});
