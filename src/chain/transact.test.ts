import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ContractFunctionExecutionError, parseEther } from 'viem';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AnvilInstance, type ChainClients, chainClients, fundedClients, startAnvil } from '../../fixtures/anvil.ts';
import { reputationAbi, reputationFactoryBytecode } from './contracts.ts';
import { createReputation, deployFactory } from './deploy.ts';
import { revertOf } from './reputation.ts';
import { ReceiptTimeoutError, Transactor } from './transact.ts';

// An Anvil of its own: one test switches automine off, which must not stall other files.
let anvil: AnvilInstance;
let clients: ChainClients;
const SINK = '0x000000000000000000000000000000000000dEaD';

/**
 * A JSON-RPC proxy to Anvil that answers `eth_sendRawTransactionSync` itself with `error` (a node
 * without EIP-7966, or one whose wait expired) and forwards everything else; counts the calls.
 */
async function proxyAnswering(error: { code: number; message: string }): Promise<{ url: string; server: Server; calls: string[] }> {
  const calls: string[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    const { id, method } = JSON.parse(body) as { id: number; method: string };
    calls.push(method);
    res.setHeader('content-type', 'application/json');
    if (method === 'eth_sendRawTransactionSync') {
      if (error.code === 4) {
        // The node took the transaction, then gave up waiting for its block.
        const { params } = JSON.parse(body) as { params: [`0x${string}`] };
        await clients.walletClient.request({ method: 'eth_sendRawTransaction', params });
      }
      res.end(JSON.stringify({ jsonrpc: '2.0', id, error }));
      return;
    }
    const upstream = await fetch(anvil.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    res.end(await upstream.text());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, calls };
}

beforeAll(async () => {
  anvil = await startAnvil();
  clients = await fundedClients(anvil.rpcUrl);
});
afterAll(() => anvil.stop());

describe('Transactor', () => {
  test('default: one eth_sendRawTransactionSync returns the mined receipt, no polling', async () => {
    const transactor = new Transactor(clients);
    expect(transactor.sendsSynchronously).toBeNull();
    const sent = await transactor.deploy(reputationFactoryBytecode);
    expect(sent.receipt.status).toBe('success');
    expect(sent.receipt.transactionHash).toBe(sent.hash);
    expect(sent.receipt.contractAddress).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(sent.phases.receipt).toBeLessThan(1);
    expect(transactor.sendsSynchronously).toBe(true);
    expect(await clients.publicClient.getTransactionReceipt({ hash: sent.hash })).toMatchObject({ status: 'success' });
  });

  test('behavior: a node without eth_sendRawTransactionSync is sent plain transactions and polled, once it said so', async () => {
    const proxy = await proxyAnswering({ code: -32601, message: 'Method not found' });
    try {
      const account = clients.walletClient.account;
      const transactor = new Transactor(chainClients(proxy.url, account));
      for (let i = 0; i < 2; i++) {
        const sent = await transactor.deploy(reputationFactoryBytecode);
        expect(sent.receipt.status).toBe('success');
      }
      expect(transactor.sendsSynchronously).toBe(false);
      expect(proxy.calls.filter((m) => m === 'eth_sendRawTransactionSync')).toHaveLength(1);
      expect(proxy.calls.filter((m) => m === 'eth_sendRawTransaction')).toHaveLength(2);
      expect(proxy.calls.filter((m) => m === 'eth_getTransactionReceipt').length).toBeGreaterThanOrEqual(2);
    } finally {
      proxy.server.close();
    }
  });

  test('behavior: when the node stops waiting (EIP-7966 code 4) the receipt is polled for, up to the timeout', async () => {
    const proxy = await proxyAnswering({ code: 4, message: 'The transaction was added to the mempool but wasn’t processed in time' });
    const { testClient } = anvil;
    await testClient.setAutomine(false);
    try {
      const transactor = new Transactor(chainClients(proxy.url, clients.walletClient.account), 300);
      const outcome = await transactor.deploy(reputationFactoryBytecode).catch((error: unknown) => error);
      expect(outcome).toBeInstanceOf(ReceiptTimeoutError);
      const { hash } = outcome as ReceiptTimeoutError;
      // It was sent: once mined, the same hash has its receipt.
      await testClient.mine({ blocks: 1 });
      expect(await clients.publicClient.getTransactionReceipt({ hash })).toMatchObject({ status: 'success' });
    } finally {
      await testClient.setAutomine(true);
      proxy.server.close();
    }
  });

  test('error: a call that would revert is refused before sending, with the decoded custom error', async () => {
    const transactor = new Transactor(clients);
    const nonce = await clients.publicClient.getTransactionCount({ address: clients.walletClient.account.address });
    // A Reputation owned by another account: a write from this one reverts in the gas estimate.
    const owner = new Transactor(await fundedClients(anvil.rpcUrl));
    const factory = await deployFactory(owner);
    const { address } = await createReputation(owner, factory);
    const refused = await transactor
      .write({ address, abi: reputationAbi, functionName: 'migrateUser', args: [`0x${'11'.repeat(32)}`] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ContractFunctionExecutionError);
    expect(revertOf(refused)).toEqual({ name: 'NotOwner', args: [] });
    expect(await clients.publicClient.getTransactionCount({ address: clients.walletClient.account.address })).toBe(nonce);
  });

  test('error: an account without funds is refused by the node with its reason', async () => {
    const poor = await fundedClients(anvil.rpcUrl);
    await anvil.testClient.setBalance({ address: poor.walletClient.account.address, value: parseEther('0') });
    await expect(new Transactor(poor).deploy(reputationFactoryBytecode)).rejects.toThrow(/fund|balance/i);
  });
});
