import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPublicClient, http, parseEventLogs, zeroHash } from 'viem';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startDstackFixture } from '../fixtures/dstack.ts';
import { type TrackerProcess, spawnTracker } from '../fixtures/tracker-process.ts';
import { waitFor } from '../fixtures/wait.ts';
import { reputationFactoryAbi } from '../src/chain/contracts.ts';
import { type AttestationEvidence, intelTrust, staticCollateral, testTrust, verifyAttestation } from '../src/tee/index.ts';
import type { DstackSimulator } from '../src/tee/sim/server.ts';

const ADMIN = 'tee-admin-token';
const json = async (url: string) =>
  (await fetch(url, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as Promise<Record<string, any>>;

describe('pbts tracker inside a (simulated) TEE', () => {
  let sim: DstackSimulator;
  let dataDir: string;
  let tracker: TrackerProcess | undefined;

  beforeAll(async () => {
    sim = await startDstackFixture({ seed: 'tracker-tee-test' });
    dataDir = mkdtempSync(path.join(tmpdir(), 'pbts-tee-'));
  });
  afterAll(async () => {
    await tracker?.stop('SIGTERM');
    await sim?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('default: the chain account comes from the TEE, the contract creation carries the attestation hash, and attestations verify only under the opted-in test root', async () => {
    tracker = await spawnTracker(dataDir, ['--dstack', sim.socketPath, '--chain', 'embedded', '--admin-token', ADMIN]);
    const tee = await json(`${tracker.url}/tee/status`);
    expect(tee).toMatchObject({ mode: 'simulator', trust_anchor: 'test' });
    const chain = await waitFor('the contract created through the factory', async () => {
      const status = await json(`${tracker!.url}/chain/status`);
      return status.contract ? status : undefined;
    }, { timeoutMs: 20_000 });
    expect(chain.account.toLowerCase()).toBe(tee.chain_account.toLowerCase());

    // The factory's ReputationCreated event records a non-zero attestation hash for this creator.
    const rpc = createPublicClient({ transport: http(`http://127.0.0.1:${new URL(chain.rpc_url).port}`) });
    const logs = await rpc.getLogs({ fromBlock: 0n, toBlock: 'latest' });
    const [created] = parseEventLogs({ abi: reputationFactoryAbi, eventName: 'ReputationCreated', logs });
    expect(created?.args.creator.toLowerCase()).toBe(tee.chain_account.toLowerCase());
    expect(created?.args.attestationHash).not.toBe(zeroHash);

    const nonce = 'ab'.repeat(32);
    const evidence = (await json(`${tracker.url}/tee/attestation?nonce=${nonce}`)) as unknown as AttestationEvidence;
    const expected = {
      nonce,
      identity: { chainAddress: tee.chain_account, contractAddress: chain.contract, identityPublicKey: tee.identity_public_key },
    };
    const policy = { allowedStatuses: ['UpToDate' as const], measurements: 'any' as const };
    const collateral = staticCollateral(sim.collateral());
    const trusted = await verifyAttestation(evidence, { trust: testTrust({ rootCaDer: sim.rootCaDer, collateral }), policy, expected, executor: 'in-process' });
    expect(trusted).toMatchObject({ ok: true, trustAnchor: 'test', tcbStatus: 'UpToDate' });
    const production = await verifyAttestation(evidence, { trust: intelTrust(collateral), policy, expected, executor: 'in-process' });
    expect(production.ok).toBe(false);
    const wrongNonce = await verifyAttestation(evidence, { trust: testTrust({ rootCaDer: sim.rootCaDer, collateral }), policy, expected: { ...expected, nonce: 'cd'.repeat(32) }, executor: 'in-process' });
    expect(wrongNonce).toMatchObject({ ok: false, reason: 'nonce_mismatch' });
  });

  test('behavior: after a restart the same TEE gives the same chain account', async () => {
    const before = (await json(`${tracker!.url}/tee/status`)).chain_account;
    expect(await tracker!.stop('SIGTERM')).toBe(0);
    tracker = await spawnTracker(dataDir, ['--dstack', sim.socketPath, '--chain', 'embedded']);
    expect((await json(`${tracker.url}/tee/status`)).chain_account).toBe(before);
  });

  test('error: a configured dstack endpoint that does not exist stops the tracker with a clear message', async () => {
    await expect(spawnTracker(dataDir, ['--dstack', path.join(dataDir, 'missing.sock'), '--chain', 'none'])).rejects.toThrow(/dstack|socket/i);
  });
});
