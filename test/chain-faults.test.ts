/**
 * Fault tests with real processes: Anvil killed in the middle of a sync, the tracker killed in the
 * middle of a sync. In both, every credit the store holds reaches the chain exactly once: on-chain
 * totals equal the store's and the contract's `BatchApplied` sequences are 1..N, no gap, no repeat.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Address } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { type AnvilInstance, processAlive, startAnvil } from '../fixtures/anvil.ts';
import { auditChain } from '../fixtures/chain-audit.ts';
import { type TestUser, getJson, postJson, register, report, testUsers } from '../fixtures/pbts-client.ts';
import { type TrackerProcess, spawnTracker } from '../fixtures/tracker-process.ts';
import { waitFor } from '../fixtures/wait.ts';
import { ANVIL_PID_FILE, ANVIL_STATE_FILE } from '../src/chain/embedded.ts';
import { deployFactory } from '../src/chain/deploy.ts';
import { Transactor } from '../src/chain/transact.ts';

const ADMIN = 'fault-admin-token';
// Small, quick batches: many of them are in flight when the fault strikes.
const SYNC_ARGS = ['--chain-batch-size', '4', '--chain-batch-ms', '10', '--chain-retry-ms', '200', '--verify-workers', '1', '--admin-token', ADMIN];

const dirs: string[] = [];
let tracker: TrackerProcess | undefined;
let anvil: AnvilInstance | undefined;

afterEach(async () => {
  await tracker?.stop('SIGKILL');
  await anvil?.stop();
  tracker = undefined;
  anvil = undefined;
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `pbts-${name}-`));
  dirs.push(dir);
  return dir;
}

const status = (url: string) => getJson(`${url}/chain/status`, ADMIN);

/** Reports from users to users, one after another, until stopped; failures (a dead tracker) are counted. */
function reportLoop(url: () => string, users: readonly TestUser[]) {
  let running = true;
  let sent = 0;
  let failed = 0;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const sender = users[i % users.length]!;
      const receivers = [users[(i + 1) % users.length]!, users[(i + 2) % users.length]!];
      try {
        await report(url(), sender, receivers);
        sent++;
      } catch {
        failed++;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  })();
  return {
    sent: () => sent,
    async stop() {
      running = false;
      await loop;
      return { sent, failed };
    },
  };
}

async function settled(url: string): Promise<Record<string, any>> {
  return waitFor(
    'every outbox entry confirmed',
    async () => {
      const s = await status(url);
      return s.connected && s.pending_entries === 0 && s.pending_batches === 0 && s;
    },
    { timeoutMs: 20_000 },
  );
}

/** The store (through /users) and the chain agree on every user; batches 1..N each applied once. */
async function expectExactlyOnce(url: string, rpcUrl: string, users: readonly TestUser[]): Promise<number> {
  const chain = await settled(url);
  const audit = await auditChain(rpcUrl, chain.contract as Address, users.map((u) => u.userId));
  for (const user of users) {
    const view = await getJson(`${url}/users/${user.userId}`);
    expect(audit.totals.get(user.userId), user.userId).toEqual({ uploaded: view.uploaded, downloaded: view.downloaded });
    expect(view.chain).toEqual({ uploaded: view.uploaded, downloaded: view.downloaded, pending_uploaded: 0, pending_downloaded: 0 });
  }
  const n = chain.last_confirmed_sequence as number;
  expect(audit.sequences).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(audit.lastSequence).toBe(n);
  return n;
}

describe('chain faults', () => {
  test('behavior: Anvil killed in the middle of a sync: the tracker keeps serving, then every credit lands once', async () => {
    const dataDir = tempDir('anvil-kill');
    const state = path.join(dataDir, 'chain-state.json');
    anvil = await startAnvil({ state, stateInterval: 1 });
    const factory = await deployFactory(new Transactor(anvil));
    const key = generatePrivateKey();
    await anvil.testClient.setBalance({ address: privateKeyToAccount(key).address, value: 10n ** 21n });
    tracker = await spawnTracker(path.join(dataDir, 'tracker'), ['--chain', anvil.rpcUrl, '--factory', factory, '--chain-key', key, ...SYNC_ARGS]);
    const url = tracker.url;
    expect(tracker.output()).not.toContain(key.slice(2));

    const initAt = Date.now();
    expect((await postJson(`${url}/chain/init`, {}, ADMIN)).status).toBe(201);
    // The restarted node must know the contract: wait for a periodic dump taken after its creation.
    await waitFor('a state dump with the contract', () => existsSync(state) && statSync(state).mtimeMs > initAt + 50);

    const users = testUsers('anvil-kill', 5);
    for (const user of users) await register(url, user);
    const load = reportLoop(() => url, users);
    await waitFor('a few batches confirmed', async () => (await status(url)).last_confirmed_sequence >= 3);
    // A node killed outright restarts from its last periodic dump, missing the batches after it.
    // Keep a dump taken now, let more batches land, and restart from it: the loss is certain.
    // Mining is paused while the dump is taken: a dump written while a block is being mined can
    // hold the block's state change without the block (and its BatchApplied log).
    const snapshot = path.join(dataDir, 'snapshot.json');
    await anvil.testClient.setAutomine(false);
    const dumpedAt = statSync(state).mtimeMs;
    await waitFor('a fresh dump', () => statSync(state).mtimeMs > dumpedAt + 50);
    const atSnapshot = (await status(url)).last_confirmed_sequence as number;
    await waitFor('a complete copy of the dump', () => {
      copyFileSync(state, snapshot);
      return JSON.parse(readFileSync(snapshot, 'utf8')) !== null;
    });
    await anvil.testClient.setAutomine(true);
    // The batch the sync sent meanwhile waits in the pool: mine it.
    await anvil.testClient.mine({ blocks: 1 });
    await waitFor('batches after the dump', async () => (await status(url)).last_confirmed_sequence >= atSnapshot + 10);

    const port = anvil.port;
    await anvil.kill();
    anvil = undefined;
    await waitFor('the outage in the status', async () => (await status(url)).connected === false);
    // Reports and announces are served while the chain is down.
    const during = load.sent();
    await waitFor('reports served during the outage', () => load.sent() >= during + 5);
    const announce = await fetch(`${url}/announce/${users[0]!.passkey}?info_hash=${'%02'.repeat(20)}&peer_id=${'-PB0001-'}${'b'.repeat(12)}&port=6881&uploaded=0&downloaded=0&left=0&event=started`);
    expect(await announce.text()).toContain('8:interval');
    expect((await status(url)).pending_entries).toBeGreaterThan(0);

    anvil = await startAnvil({ state: snapshot, port });
    const more = load.sent();
    await waitFor('reports after the restart', () => load.sent() >= more + 5);
    const { failed } = await load.stop();
    expect(failed).toBe(0);

    const batches = await expectExactlyOnce(url, anvil.rpcUrl, users);
    expect(batches).toBeGreaterThan(atSnapshot + 10);
    expect(tracker.output()).toMatch(/it lost state; re-sending batches \d+\.\.\d+/);
  });

  test('behavior: the tracker killed in the middle of a sync: restarted, every credit lands once', async () => {
    const dataDir = tempDir('tracker-kill');
    tracker = await spawnTracker(dataDir, SYNC_ARGS);
    let url = tracker.url;
    await waitFor('the embedded contract', async () => (await status(url)).contract);
    expect(await postJson(`${url}/chain/init`, {}, ADMIN)).toMatchObject({ status: 409, json: { error: 'embedded_chain' } });

    const users = testUsers('tracker-kill', 5);
    for (const user of users) await register(url, user);
    const load = reportLoop(() => url, users);
    await waitFor('batches confirmed and more in flight', async () => {
      const s = await status(url);
      return s.last_confirmed_sequence >= 3 && s.pending_entries > 0;
    });
    const oldAnvil = Number(readFileSync(path.join(dataDir, ANVIL_PID_FILE), 'utf8'));
    expect(await tracker.stop('SIGKILL')).toBe('SIGKILL');
    await load.stop();
    // The watchdog ends the crashed tracker's node (which saves its state on the way out).
    await waitFor('the old Anvil to exit', () => !processAlive(oldAnvil));

    tracker = await spawnTracker(dataDir, SYNC_ARGS);
    url = tracker.url;
    const { rpc_url: rpcUrl } = await status(url);
    await expectExactlyOnce(url, rpcUrl, users);
    // Credits keep flowing after the restart.
    await report(url, users[0]!, [users[3]!]);
    await expectExactlyOnce(url, rpcUrl, users);
  });

  test('behavior: no Anvil survives the embedded tracker, whether it stops (SIGTERM) or crashes (SIGKILL)', async () => {
    const dataDir = tempDir('no-orphan');
    tracker = await spawnTracker(dataDir, ['--verify-workers', '1']);
    await waitFor('the embedded contract', async () => (await status(tracker!.url)).contract);
    const crashed = Number(readFileSync(path.join(dataDir, ANVIL_PID_FILE), 'utf8'));
    expect(processAlive(crashed)).toBe(true);
    await tracker.stop('SIGKILL');
    await waitFor('the crashed tracker\'s Anvil to exit', () => !processAlive(crashed));

    tracker = await spawnTracker(dataDir, ['--verify-workers', '1']);
    await waitFor('the embedded contract', async () => (await status(tracker!.url)).contract);
    const stopped = Number(readFileSync(path.join(dataDir, ANVIL_PID_FILE), 'utf8'));
    expect(stopped).not.toBe(crashed);
    expect(await tracker.stop('SIGTERM')).toBe(0);
    expect(processAlive(stopped)).toBe(false);
    expect(existsSync(path.join(dataDir, ANVIL_PID_FILE))).toBe(false);
    expect(existsSync(path.join(dataDir, ANVIL_STATE_FILE))).toBe(true);
  });
});
