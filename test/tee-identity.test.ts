import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { DstackClient } from '@phala/dstack-sdk';
import { toViemAccountSecure } from '@phala/dstack-sdk/viem';
import { afterAll, describe, expect, test } from 'vitest';
import { startDstackFixture } from '../fixtures/dstack.ts';
import {
  CHAIN_KEY_PATH,
  IDENTITY_KEY_PATH,
  IDENTITY_KEY_PURPOSE,
  type TeeIdentity,
  TeeUnavailableError,
  detectDstackEndpoint,
  loadTeeIdentity,
  recoverKmsRoot,
  verifyIdentitySignature,
} from '../src/tee/index.ts';
import { issueAppKeys } from '../src/tee/sim/keys.ts';
import type { DstackSimulator, DstackSimulatorOptions } from '../src/tee/sim/server.ts';

const UPSTREAM_KMS_PUBKEY = '0x0321529e458424ab1f710a3a57ec4dad2fb195ddca572f7469242ba6c7563085b6';
const dir = mkdtempSync(path.join(tmpdir(), 'pbts-tee-identity-'));
const running: DstackSimulator[] = [];
afterAll(async () => {
  await Promise.all(running.map((sim) => sim.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function simulator(seed: string, options: Omit<DstackSimulatorOptions, 'seed'> = {}) {
  const sim = await startDstackFixture({ seed, ...options });
  running.push(sim);
  return sim;
}

async function load(endpoint: string, env: NodeJS.ProcessEnv = {}): Promise<TeeIdentity> {
  const identity = await loadTeeIdentity({ endpoint, env, log: () => {} });
  if (identity.mode === 'none') throw new Error('expected a TEE identity');
  return identity;
}

describe('loadTeeIdentity', () => {
  test('default: two simulator instances with the same seed give the same keys, over either transport', async () => {
    const first = await simulator('identity-seed');
    const second = await simulator('identity-seed');
    const a = await load(first.socketPath);
    const b = await load(second.endpoint);
    expect(a.chainAccount.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(b.chainAccount.address).toBe(a.chainAccount.address);
    expect(b.identityPublicKey).toBe(a.identityPublicKey);
    expect(a.identityPublicKey).toMatch(/^0x0[23][0-9a-f]{64}$/);
    expect(a.chainAccount.address).not.toBe(a.identityPublicKey);
  });

  test('behavior: a restart (a new simulator on the same socket) gives the same keys again', async () => {
    const socketPath = path.join(dir, 'dstack.sock');
    const before = await simulator('restart', { socketPath });
    const first = await load(socketPath);
    await before.close();
    await simulator('restart', { socketPath });
    expect((await load(socketPath)).chainAccount.address).toBe(first.chainAccount.address);
  });

  test('behavior: keys depend on the path only, and on the app: another app gets other keys', async () => {
    const sim = await simulator('paths');
    const identity = await load(sim.endpoint);
    const other = await new DstackClient(sim.endpoint).getKey(CHAIN_KEY_PATH, 'another purpose', 'secp256k1');
    expect(toViemAccountSecure(other).address).toBe(identity.chainAccount.address);
    const otherApp = await simulator('paths', { appKeys: issueAppKeys(new Uint8Array(32).fill(7), new Uint8Array(20).fill(1)) });
    expect((await load(otherApp.endpoint)).chainAccount.address).not.toBe(identity.chainAccount.address);
  });

  test("behavior: the identity key's signature chain leads to the KMS root, and it signs", async () => {
    const sim = await simulator('chain');
    const identity = await load(sim.endpoint);
    expect(identity.signatureChain).toHaveLength(2);
    const kmsRoot = recoverKmsRoot({
      publicKey: identity.identityPublicKey,
      purpose: IDENTITY_KEY_PURPOSE,
      signatureChain: identity.signatureChain,
      appId: identity.app.appId,
    });
    expect(kmsRoot).toBe(UPSTREAM_KMS_PUBKEY);
    const message = utf8ToBytes('announce');
    const signature = identity.sign(message);
    expect(verifyIdentitySignature(identity.identityPublicKey, message, signature)).toBe(true);
    expect(verifyIdentitySignature(identity.identityPublicKey, utf8ToBytes('other'), signature)).toBe(false);
    const direct = await new DstackClient(sim.endpoint).getKey(IDENTITY_KEY_PATH);
    expect(identity.identityPublicKey).toBe(`0x${bytesToHex(secp256k1.getPublicKey(direct.key, true))}`);
  });

  test('behavior: the mode is simulator for DSTACK_SIMULATOR_ENDPOINT, an http endpoint, or an agent that says so', async () => {
    const sim = await simulator('modes');
    expect((await load(sim.endpoint)).mode).toBe('simulator');
    expect((await load(sim.socketPath)).mode).toBe('simulator');
    const viaEnv = await loadTeeIdentity({ env: { DSTACK_SIMULATOR_ENDPOINT: sim.endpoint }, log: () => {} });
    expect(viaEnv).toMatchObject({ mode: 'simulator', endpoint: { source: 'env' } });
  });

  test('behavior: without a socket or DSTACK_SIMULATOR_ENDPOINT the mode is none, said in one log line', async () => {
    const lines: string[] = [];
    const none = await loadTeeIdentity({ env: {}, socketPaths: [path.join(dir, 'absent.sock')], log: (line) => lines.push(line) });
    expect(none).toEqual({ mode: 'none', reason: expect.stringContaining('no dstack socket') });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/mode none.*configured keys/);
  });

  test('error: an endpoint asked for explicitly but missing throws instead of meaning "no TEE"', async () => {
    const absent = path.join(dir, 'nothing-here.sock');
    expect(() => detectDstackEndpoint({ endpoint: absent })).toThrow(TeeUnavailableError);
    await expect(loadTeeIdentity({ env: { DSTACK_SIMULATOR_ENDPOINT: absent }, log: () => {} })).rejects.toThrow(TeeUnavailableError);
    await expect(loadTeeIdentity({ endpoint: 'http://127.0.0.1:9', log: () => {} })).rejects.toThrow(/dstack Info .* failed/);
  });
});
