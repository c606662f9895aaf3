import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPublicClient, http } from 'viem';
import { afterAll, describe, expect, test } from 'vitest';
import { anvilAccount } from './anvil.ts';
import { CHAIN_KEY_FILE, startEmbeddedChain } from './embedded.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pbts-embedded-unit-'));
  dirs.push(dir);
  return dir;
}

describe('embedded chain', () => {
  test('behavior: without an account it signs with a key of its own, generated once into the data dir (0600), funded, kept across restarts', async () => {
    const dataDir = tempDir();
    const first = await startEmbeddedChain({ dataDir });
    let address: string;
    try {
      address = first.account.address;
      expect(address).not.toBe(anvilAccount(0).address);
      const file = path.join(dataDir, CHAIN_KEY_FILE);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8')).toMatch(/^0x[0-9a-f]{64}\n$/);
      const client = createPublicClient({ transport: http(first.rpcUrl) });
      expect(await client.getBalance({ address: first.account.address })).toBeGreaterThan(0n);
    } finally {
      await first.stop();
    }
    const second = await startEmbeddedChain({ dataDir });
    try {
      expect(second.account.address).toBe(address);
    } finally {
      await second.stop();
    }
  });
});
