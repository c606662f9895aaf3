import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getContractAddress } from 'viem';
import { afterAll, afterEach, describe, expect, inject, test } from 'vitest';
import { anvilAccount, fundedClients, startAnvil } from '../fixtures/anvil.ts';
import { auditChain } from '../fixtures/chain-audit.ts';
import { type TestUser, getJson, postJson, register, report, testUsers } from '../fixtures/pbts-client.ts';
import { waitFor } from '../fixtures/wait.ts';
import { deployFactory } from '../src/chain/deploy.ts';
import { rpcOrigin } from '../src/chain/service.ts';
import type { ChainSetup } from '../src/chain/setup.ts';
import { type RunningTracker, startTracker } from '../src/tracker/server.ts';
import { Transactor } from '../src/chain/transact.ts';

const ADMIN = 'chain-admin-token';
const INITIAL = 1_000_000;
const dirs: string[] = [];
const trackers: RunningTracker[] = [];

afterEach(async () => {
  await Promise.all(trackers.splice(0).map((tracker) => tracker.close()));
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A tracker on the shared Anvil, signing as a fresh funded account of its own. */
async function chainTracker(setup: Partial<ChainSetup> = {}): Promise<RunningTracker> {
  const { account } = await fundedClients(inject('rpcUrl'));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pbts-chain-'));
  dirs.push(dataDir);
  const tracker = await startTracker({
    port: 0,
    verifyWorkers: 1,
    config: { dataDir, adminToken: ADMIN, initialCredit: INITIAL },
    chain: {
      mode: 'external',
      rpcUrl: inject('rpcUrl'),
      account,
      factory: inject('factoryAddress'),
      tuning: { batchDelayMs: 20, retryInitialMs: 20, retryMaxMs: 100 },
      ...setup,
    } as ChainSetup,
  });
  trackers.push(tracker);
  return tracker;
}

const admin = (tracker: RunningTracker, route: string, body: unknown = {}, token = ADMIN) =>
  postJson(`${tracker.url}${route}`, body, token);

const status = (tracker: RunningTracker) => getJson(`${tracker.url}/chain/status`, ADMIN);

async function settled(tracker: RunningTracker): Promise<void> {
  await waitFor('every outbox entry confirmed', async () => {
    const s = await status(tracker);
    return s.connected && s.pending_entries === 0 && s.pending_batches === 0;
  });
}

/** Store totals (from /users) equal the contract's, and its batches are 1..N once each. */
async function expectChainMatchesStore(tracker: RunningTracker, users: readonly TestUser[], rpcUrl = inject('rpcUrl')): Promise<void> {
  const { contract, last_confirmed_sequence: confirmed } = await status(tracker);
  const audit = await auditChain(rpcUrl, contract, users.map((u) => u.userId));
  for (const user of users) {
    const view = await getJson(`${tracker.url}/users/${user.userId}`);
    expect(audit.totals.get(user.userId)).toEqual({ uploaded: view.uploaded, downloaded: view.downloaded });
    expect(view.chain).toEqual({ uploaded: view.uploaded, downloaded: view.downloaded, pending_uploaded: 0, pending_downloaded: 0 });
  }
  expect(audit.sequences).toEqual(Array.from({ length: confirmed }, (_, i) => i + 1));
  expect(audit.lastSequence).toBe(confirmed);
}

describe('tracker to chain', () => {
  test('default', async () => {
    const tracker = await chainTracker();
    const users = testUsers('chain-default', 3);
    for (const user of users) await register(tracker.url, user);
    await report(tracker.url, users[0]!, [users[1]!, users[2]!]);
    // Not yet initialized: everything waits in the outbox.
    const before = await waitFor('the first ping', async () => {
      const s = await status(tracker);
      return s.connected && s;
    });
    expect(before).toMatchObject({ enabled: true, mode: 'external', rpc_url: inject('rpcUrl'), contract: null, pending_entries: 6 });
    expect((await getJson(`${tracker.url}/users/${users[0]!.userId}`)).chain).toEqual({
      uploaded: 0,
      downloaded: 0,
      pending_uploaded: INITIAL + 2 * 16384,
      pending_downloaded: 0,
    });

    expect((await admin(tracker, '/chain/init', {}, '')).status).toBe(401);
    const init = await admin(tracker, '/chain/init');
    expect(init.status).toBe(201);
    expect(init.json).toMatchObject({ factory: inject('factoryAddress'), contract: expect.stringMatching(/^0x/), referrer: null });
    expect(init.json.attestation_hash).toBe(`0x${'0'.repeat(64)}`);
    expect(await admin(tracker, '/chain/init')).toMatchObject({ status: 409, json: { error: 'already_initialized' } });

    await report(tracker.url, users[1]!, [users[0]!]);
    await settled(tracker);
    await expectChainMatchesStore(tracker, users);
    const final = await status(tracker);
    expect(final).toMatchObject({ connected: true, contract: init.json.contract, last_error: null });
    const metrics = await (await fetch(`${tracker.url}/metrics`)).text();
    expect(metrics).toContain(`pbts_chain_confirmed_sequence ${final.last_confirmed_sequence}`);
    expect(metrics).toContain('pbts_chain_pending_entries 0');
    expect(metrics).toContain('pbts_chain_connected 1');
  });

  test('behavior: a user migrated from the referrer registers here with the totals the chain holds', async () => {
    const old = await chainTracker();
    await admin(old, '/chain/init');
    const [mover, peer] = testUsers('chain-migrate', 2) as [TestUser, TestUser];
    await register(old.url, mover);
    await register(old.url, peer);
    await report(old.url, mover, [peer], 64 * 1024);
    await settled(old);
    const { contract: referrer } = await status(old);
    expect(await admin(old, '/chain/migrate', { user_id: mover.userId })).toMatchObject({ status: 409, json: { error: 'no_referrer' } });

    const next = await chainTracker();
    const init = await admin(next, '/chain/init', { referrer });
    expect(init).toMatchObject({ status: 201, json: { referrer } });
    const migrated = await admin(next, '/chain/migrate', { user_id: mover.userId });
    expect(migrated).toMatchObject({
      status: 200,
      json: { user_id: mover.userId, uploaded: INITIAL + 64 * 1024, downloaded: 0, from: referrer, tx_hash: expect.stringMatching(/^0x/) },
    });
    expect(await admin(next, '/chain/migrate', { user_id: mover.userId })).toMatchObject({ status: 409, json: { error: 'user_registered' } });

    await register(next.url, mover);
    expect(await getJson(`${next.url}/users/${mover.userId}`)).toMatchObject({
      uploaded: INITIAL + 64 * 1024,
      chain: { uploaded: INITIAL + 64 * 1024, downloaded: 0, pending_uploaded: 0, pending_downloaded: 0 },
    });
    await register(next.url, peer);
    await report(next.url, peer, [mover]);
    await settled(next);
    await expectChainMatchesStore(next, [mover, peer]);
  });

  test('error: migration refusals say why', async () => {
    const old = await chainTracker();
    await admin(old, '/chain/init');
    const next = await chainTracker();
    expect(await admin(next, '/chain/migrate', { user_id: 'x' })).toMatchObject({ status: 409, json: { error: 'no_contract' } });
    await admin(next, '/chain/init', { referrer: (await status(old)).contract });
    const [local] = testUsers('chain-refusals', 1) as [TestUser];
    await register(next.url, local);
    expect(await admin(next, '/chain/migrate', { user_id: local.userId })).toMatchObject({ status: 409, json: { error: 'user_registered' } });
    expect(await admin(next, '/chain/migrate', { user_id: 'nobody' })).toMatchObject({ status: 404, json: { error: 'not_in_referrer' } });
    expect(await admin(next, '/chain/migrate', { user_id: 'bad id!' })).toMatchObject({ status: 400, json: { error: 'bad_user_id' } });
    expect(await admin(next, '/chain/migrate', '{')).toMatchObject({ status: 400, json: { error: 'bad_json' } });
    // A refused migration leaves the id free to register.
    const [nobody] = testUsers('nobody', 1) as [TestUser];
    nobody.userId = 'nobody';
    await register(next.url, nobody);
  });

  test('error: contract creation refusals say why', async () => {
    const tracker = await chainTracker();
    expect(await admin(tracker, '/chain/init', { referrer: 'nope' })).toMatchObject({ status: 400, json: { error: 'bad_referrer' } });
    expect(await admin(tracker, '/chain/init', { referrer: 5 })).toMatchObject({ status: 400, json: { error: 'bad_referrer' } });
    const stranger = await admin(tracker, '/chain/init', { referrer: '0x000000000000000000000000000000000000bEEF' });
    expect(stranger).toMatchObject({ status: 422, json: { error: 'reverted', reason: expect.stringMatching(/UnknownReferrer/) } });

    const noFactory = await chainTracker({ factory: undefined } as Partial<ChainSetup>);
    expect(await admin(noFactory, '/chain/init')).toMatchObject({ status: 409, json: { error: 'no_factory' } });
    const wrongFactory = await chainTracker({ factory: '0x000000000000000000000000000000000000dEaD' } as Partial<ChainSetup>);
    expect(await admin(wrongFactory, '/chain/init')).toMatchObject({ status: 409, json: { error: 'no_factory_code' } });
  });

  test('behavior: with the RPC down the tracker starts and serves, and catches up once the node is up', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const rpcUrl = `http://127.0.0.1:${port}`;
    // The factory the node will have: the first contract of Anvil's account 0.
    const factory = getContractAddress({ from: anvilAccount(0).address, nonce: 0n });
    const tracker = await chainTracker({ rpcUrl, account: anvilAccount(1), factory } as Partial<ChainSetup>);
    const users = testUsers('chain-down', 2);
    for (const user of users) await register(tracker.url, user);
    await report(tracker.url, users[0]!, [users[1]!]);
    const down = await waitFor('the outage in the status', async () => {
      const s = await status(tracker);
      return s.last_error?.includes('ECONNREFUSED') && s;
    });
    expect(down).toMatchObject({ connected: false, rpc_url: rpcUrl, pending_entries: 4 });
    expect(await admin(tracker, '/chain/init')).toMatchObject({ status: 503, json: { error: 'chain_unavailable' } });

    const node = await startAnvil({ port });
    try {
      expect((await deployFactory(new Transactor(node))).toLowerCase()).toBe(factory.toLowerCase());
      expect((await admin(tracker, '/chain/init')).status).toBe(201);
      await report(tracker.url, users[1]!, [users[0]!]);
      await settled(tracker);
      await expectChainMatchesStore(tracker, users, rpcUrl);
    } finally {
      await node.stop();
    }
  });

  test('behavior: the status shows the RPC origin only, never a key in its path', () => {
    expect(rpcOrigin('https://user:pass@eth.example:8545/v3/0123secret?key=abc')).toBe('https://eth.example:8545');
    expect(rpcOrigin('not a url')).toBe('invalid URL');
  });

  test('behavior: without a chain the status says so and chain admin routes answer chain_disabled', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pbts-nochain-'));
    dirs.push(dataDir);
    const tracker = await startTracker({ port: 0, verifyWorkers: 1, config: { dataDir, adminToken: ADMIN } });
    trackers.push(tracker);
    const [user] = testUsers('chain-none', 1) as [TestUser];
    await register(tracker.url, user);
    expect(await status(tracker)).toMatchObject({ enabled: false, mode: 'none', connected: false, pending_entries: 1 });
    expect(await admin(tracker, '/chain/init')).toMatchObject({ status: 409, json: { error: 'chain_disabled' } });
    expect(await admin(tracker, '/chain/migrate', { user_id: 'x' })).toMatchObject({ status: 409, json: { error: 'chain_disabled' } });
    expect(await getJson(`${tracker.url}/users/${user.userId}`)).not.toHaveProperty('chain');
  });
});
