import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { processAlive, startAnvil } from '../../fixtures/anvil.ts';
import { deployFactory } from './deploy.ts';
import { Transactor } from './transact.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'pbts-anvil-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Anvil fixture', () => {
  test('default', async () => {
    const anvil = await startAnvil();
    expect(processAlive(anvil.pid)).toBe(true);
    expect(await anvil.publicClient.getChainId()).toBe(31337);
    await anvil.stop();
    expect(() => process.kill(anvil.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    await anvil.stop();
  });

  test('behavior: kill (a crash) leaves no process either', async () => {
    const anvil = await startAnvil();
    await anvil.kill();
    expect(() => process.kill(anvil.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });

  test('behavior: with a state file the chain survives a stop and a restart on the same port', async () => {
    const state = path.join(dir, 'state.json');
    const first = await startAnvil({ state });
    const factory = await deployFactory(new Transactor(first));
    const block = await first.publicClient.getBlockNumber();
    const code = await first.publicClient.getCode({ address: factory });
    await first.stop();

    const second = await startAnvil({ state, port: first.port });
    try {
      expect(second.rpcUrl).toBe(first.rpcUrl);
      expect(second.pid).not.toBe(first.pid);
      expect(await second.publicClient.getBlockNumber()).toBe(block);
      expect(await second.publicClient.getCode({ address: factory })).toBe(code);
    } finally {
      await second.stop();
    }
  });

  test('behavior: Anvil sends no CORS headers, so no web page can call it', async () => {
    const anvil = await startAnvil();
    try {
      const origin = { origin: 'https://evil.example' };
      const preflight = await fetch(anvil.rpcUrl, {
        method: 'OPTIONS',
        headers: { ...origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      const call = await fetch(anvil.rpcUrl, {
        method: 'POST',
        headers: { ...origin, 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      });
      expect(call.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await anvil.stop();
    }
  });

  test('error: a port in use fails the start and leaves no process', async () => {
    const anvil = await startAnvil();
    try {
      await expect(startAnvil({ port: anvil.port })).rejects.toThrow(/Anvil/);
    } finally {
      await anvil.stop();
    }
  });
});
