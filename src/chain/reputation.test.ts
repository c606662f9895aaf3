import net from 'node:net';
import { type Address, zeroAddress } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { FORGED_BATCH, applyBatchAsImpersonated, fundedClients } from '../../fixtures/anvil.ts';
import { type BatchArgs, batchArgs } from './batch.ts';
import { chainAccountFromKey, createChainClients, parseChainKey } from './clients.ts';
import { userKey } from './contracts.ts';
import { BadSequenceError, ChainError, ReputationChain } from './reputation.ts';

const key = (n: number) => new Uint8Array(48).fill(n);

function registrations(prefix: string, count: number): BatchArgs {
  return batchArgs(
    Array.from({ length: count }, (_, i) => ({
      entryId: i,
      userId: `${prefix}${i}`,
      kind: 'register' as const,
      publicKey: key(i + 1),
      uploaded: 1000,
      downloaded: 0,
    })),
  );
}

let chain: ReputationChain;
let factory: Address;
let owner: Address;

const impersonateOwner = (contract: Address, sequence: number, args: BatchArgs) =>
  applyBatchAsImpersonated(inject('rpcUrl'), owner, contract, sequence, args);

beforeAll(async () => {
  const { account } = await fundedClients(inject('rpcUrl'));
  owner = account.address;
  chain = new ReputationChain(createChainClients(inject('rpcUrl'), account));
  factory = inject('factoryAddress');
});

describe('ReputationChain', () => {
  test('default', async () => {
    const { address } = await chain.createReputation(factory, {});
    expect(await chain.hasCode(address)).toBe(true);
    expect(await chain.lastSequence(address)).toBe(0);
    const applied = await chain.applyBatch(address, 1, registrations('default', 3));
    expect(applied.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(applied.gasUsed).toBeGreaterThan(0n);
    expect(await chain.lastSequence(address)).toBe(1);
    expect(await chain.localRecord(address, 'default1')).toEqual({
      found: true,
      uploaded: 1000n,
      downloaded: 0n,
      publicKey: `0x${'02'.repeat(48)}`,
    });
    expect(await chain.referrerOf(address)).toBeNull();
  });

  test('behavior: writes issued together are sent one at a time, in order', async () => {
    const { address } = await chain.createReputation(factory, {});
    const update = { registrations: [], updates: [{ id: userKey('order0'), uploadedDelta: 1n, downloadedDelta: 2n }] };
    await Promise.all([
      chain.applyBatch(address, 1, registrations('order', 1)),
      chain.applyBatch(address, 2, update),
      chain.applyBatch(address, 3, update),
    ]);
    expect(await chain.lastSequence(address)).toBe(3);
    expect((await chain.localRecord(address, 'order0')).downloaded).toBe(4n);
  });

  test('error: a repeated batch reverts BadSequence with the sequence the contract expects', async () => {
    const { address } = await chain.createReputation(factory, {});
    await chain.applyBatch(address, 1, registrations('repeat', 1));
    const error = await chain.applyBatch(address, 1, registrations('repeat', 1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadSequenceError);
    expect(error).toMatchObject({ expected: 2, got: 1, code: 'reverted' });
    await expect(chain.applyBatch(address, 3, registrations('skip', 1))).rejects.toMatchObject({ expected: 2, got: 3 });
  });

  test('error: a batch sent to an address without code is not taken for applied', async () => {
    const nowhere = '0x000000000000000000000000000000000000dEaD';
    expect(await chain.hasCode(nowhere)).toBe(false);
    await expect(chain.applyBatch(nowhere, 1, registrations('void', 1))).rejects.toMatchObject({ code: 'no_code' });
  });

  test('behavior: landedBatch finds our own batch under its sequence, in the events from the block given', async () => {
    const { address, blockNumber } = await chain.createReputation(factory, {});
    const args = registrations('landed', 2);
    const applied = await chain.applyBatch(address, 1, args);
    expect(applied.blockNumber).toBeGreaterThan(blockNumber);
    expect(await chain.landedBatch(address, 1, args, blockNumber)).toEqual({ ours: true, txHash: applied.txHash, blockNumber: applied.blockNumber });
    // Events before the block given are not read (another transaction moves the head past it).
    await chain.createReputation(factory, {});
    expect(await chain.landedBatch(address, 1, args, applied.blockNumber + 1)).toMatchObject({ ours: false, seen: false });
    expect(await chain.ownsContract(address)).toBe(true);
  });

  test('error: landedBatch tells a batch landed by someone impersonating the owner from ours', async () => {
    const { address, blockNumber } = await chain.createReputation(factory, {});
    const ours = registrations('victim', 2);
    await impersonateOwner(address, 1, FORGED_BATCH);
    const landed = await chain.landedBatch(address, 1, ours, blockNumber);
    expect(landed).toMatchObject({ ours: false, sender: owner, reason: expect.stringMatching(/its contents are not this tracker's batch 1$/) });
    // Our exact batch from the impersonated owner is ours in effect: same sender, target and calldata.
    const { address: second, blockNumber: secondBlock } = await chain.createReputation(factory, {});
    await impersonateOwner(second, 1, ours);
    expect(await chain.landedBatch(second, 1, ours, secondBlock)).toMatchObject({ ours: true });
    expect(await chain.landedBatch(second, 2, ours, secondBlock)).toEqual({ ours: false, seen: false, reason: expect.stringMatching(/no BatchApplied\(2\) event/) });
  });

  test('error: ownsContract is false for a contract another account created', async () => {
    const other = new ReputationChain(createChainClients(inject('rpcUrl'), (await fundedClients(inject('rpcUrl'))).account));
    const { address } = await other.createReputation(factory, {});
    expect(await chain.ownsContract(address)).toBe(false);
  });

  test('error: other reverts are named, with their arguments', async () => {
    const { address } = await chain.createReputation(factory, {});
    const unknown = { registrations: [], updates: [{ id: userKey('ghost'), uploadedDelta: 1n, downloadedDelta: 0n }] };
    await expect(chain.applyBatch(address, 1, unknown)).rejects.toThrow(`applyBatch(1) reverted: UnknownUser(${userKey('ghost')})`);
    await expect(chain.createReputation(factory, { referrer: '0x000000000000000000000000000000000000bEEF' })).rejects.toThrow(
      /createReputation reverted: UnknownReferrer/,
    );
    await expect(chain.migrateUser(address, 'ghost')).rejects.toThrow(/NoReferrer/);
  });

  test('error: an unreachable node is rpc_unavailable, with the socket error', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const offline = new ReputationChain(createChainClients(`http://127.0.0.1:${port}`, chainAccountFromKey(generatePrivateKey())));
    const error = await offline.lastSequence(zeroAddress).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChainError);
    expect(error).toMatchObject({ code: 'rpc_unavailable', message: expect.stringMatching(/^lastSequence\(\): .*ECONNREFUSED/) });
  });
});

describe('chain keys', () => {
  test('default', () => {
    const key = generatePrivateKey();
    expect(parseChainKey(key.slice(2).toUpperCase())).toBe(key);
    expect(chainAccountFromKey(` ${key}\n`).address).toMatch(/^0x[0-9a-fA-F]{40}$/);
  });

  test('error: a malformed key is refused without echoing it', () => {
    const typo = `${generatePrivateKey()}z`;
    expect(() => parseChainKey(typo)).toThrow(/64 hex digits/);
    try {
      parseChainKey(typo);
    } catch (error) {
      expect((error as Error).message).not.toContain(typo.slice(2, 20));
    }
    // Zero is not a valid secp256k1 key.
    expect(() => chainAccountFromKey('0'.repeat(64))).toThrow('the chain key is not a valid secp256k1 private key');
  });
});
