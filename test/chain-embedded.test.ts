import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Address } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { auditChain } from '../fixtures/chain-audit.ts';
import { type TestUser, getJson, register, report, testUsers } from '../fixtures/pbts-client.ts';
import { waitFor } from '../fixtures/wait.ts';
import { processAlive } from '../src/chain/anvil.ts';
import { ANVIL_PID_FILE, ANVIL_STATE_FILE } from '../src/chain/embedded.ts';
import type { ChainSetup } from '../src/chain/setup.ts';
import { type RunningTracker, startTracker } from '../src/tracker/server.ts';

const ADMIN = 'embedded-admin-token';
const dirs: string[] = [];
let tracker: RunningTracker | undefined;

afterEach(async () => {
  await tracker?.close();
  tracker = undefined;
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pbts-embedded-'));
  dirs.push(dir);
  return dir;
}

async function embeddedTracker(dataDir: string, chain: Partial<ChainSetup> = {}): Promise<RunningTracker> {
  tracker = await startTracker({
    port: 0,
    verifyWorkers: 1,
    config: { dataDir, adminToken: ADMIN },
    chain: { mode: 'embedded', tuning: { batchSize: 3, batchDelayMs: 10 }, ...chain } as ChainSetup,
  });
  return tracker;
}

async function settled(url: string): Promise<Record<string, any>> {
  return waitFor('every outbox entry confirmed', async () => {
    const s = await getJson(`${url}/chain/status`, ADMIN);
    return s.contract !== null && s.connected && s.pending_entries === 0 && s.pending_batches === 0 && s;
  });
}

async function expectChainMatchesStore(url: string, users: readonly TestUser[]): Promise<Record<string, any>> {
  const status = await settled(url);
  const audit = await auditChain(status.rpc_url, status.contract as Address, users.map((u) => u.userId));
  for (const user of users) {
    const view = await getJson(`${url}/users/${user.userId}`);
    expect(audit.totals.get(user.userId)).toEqual({ uploaded: view.uploaded, downloaded: view.downloaded });
  }
  expect(audit.sequences).toEqual(Array.from({ length: status.last_confirmed_sequence }, (_, i) => i + 1));
  return status;
}

describe('embedded chain', () => {
  test('default', async () => {
    const dataDir = tempDir();
    const { url } = await embeddedTracker(dataDir);
    expect(await settled(url)).toMatchObject({ enabled: true, mode: 'embedded', connected: true, factory: expect.stringMatching(/^0x/) });
    const pid = Number(readFileSync(path.join(dataDir, ANVIL_PID_FILE), 'utf8'));
    expect(processAlive(pid)).toBe(true);
    const users = testUsers('embedded-default', 3);
    for (const user of users) await register(url, user);
    await report(url, users[0]!, [users[1]!, users[2]!]);
    const first = await expectChainMatchesStore(url, users);

    await tracker!.close();
    tracker = undefined;
    expect(processAlive(pid)).toBe(false);
    // Restarted from its saved state: the same contract, nothing sent again.
    const again = await embeddedTracker(dataDir);
    const restarted = await expectChainMatchesStore(again.url, users);
    expect(restarted).toMatchObject({ contract: first.contract, factory: first.factory, last_confirmed_sequence: first.last_confirmed_sequence });
  });

  test('behavior: a chain restarted without its state gets a new contract and every batch again', async () => {
    const dataDir = tempDir();
    const { url } = await embeddedTracker(dataDir);
    const users = testUsers('embedded-lost', 4);
    for (const user of users) await register(url, user);
    await report(url, users[0]!, [users[1]!, users[2]!, users[3]!]);
    const before = await expectChainMatchesStore(url, users);
    await tracker!.close();
    tracker = undefined;
    rmSync(path.join(dataDir, ANVIL_STATE_FILE));

    const again = await embeddedTracker(dataDir);
    const after = await expectChainMatchesStore(again.url, users);
    expect(after.last_confirmed_sequence).toBe(before.last_confirmed_sequence);
  });

  test('behavior: a state file Anvil cannot read is set aside and the chain is rebuilt from the log', async () => {
    const dataDir = tempDir();
    const { url } = await embeddedTracker(dataDir);
    const users = testUsers('embedded-corrupt', 2);
    for (const user of users) await register(url, user);
    await settled(url);
    await tracker!.close();
    tracker = undefined;
    writeFileSync(path.join(dataDir, ANVIL_STATE_FILE), '{"block": tru');

    const again = await embeddedTracker(dataDir);
    await expectChainMatchesStore(again.url, users);
    expect(readdirSync(dataDir).some((name) => name.startsWith(`${ANVIL_STATE_FILE}.unreadable-`))).toBe(true);
  });

  test('behavior: an injected account (a TEE key, say) is funded and owns the contract', async () => {
    const account = privateKeyToAccount(generatePrivateKey());
    const { url } = await embeddedTracker(tempDir(), { account } as Partial<ChainSetup>);
    const status = await settled(url);
    expect(status.account).toBe(account.address);
  });

  test('error: settings refused at start leave no Anvil behind', async () => {
    const dataDir = tempDir();
    await expect(embeddedTracker(dataDir, { tuning: { batchSize: 1000 } })).rejects.toThrow(/from 1 to 250/);
    tracker = undefined;
    expect(existsSync(path.join(dataDir, ANVIL_PID_FILE))).toBe(false);
  });
});
