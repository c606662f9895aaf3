import {
  type Address,
  type Hex,
  type TransactionReceipt,
  BaseError,
  ContractFunctionRevertedError,
  concat,
  getAddress,
  keccak256,
  parseEventLogs,
  slice,
  stringToHex,
  toHex,
  zeroAddress,
  zeroHash,
} from 'viem';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { type ChainClients, fundedClients } from '../../fixtures/anvil.ts';
import { reputationAbi, reputationBytecode, reputationFactoryAbi, userKey } from './contracts.ts';
import { createReputation } from './deploy.ts';
import { Transactor } from './transact.ts';

interface Registration {
  userId: string;
  publicKey: Hex;
  uploaded: bigint;
}

interface Update {
  id: Hex;
  uploadedDelta: bigint;
  downloadedDelta: bigint;
}

const MAX_UINT128 = 2n ** 128n - 1n;

let owner: ChainClients;
let stranger: ChainClients;
let factory: Address;
const sequences = new Map<Address, bigint>();

beforeAll(async () => {
  const rpcUrl = inject('rpcUrl');
  factory = inject('factoryAddress');
  owner = await fundedClients(rpcUrl);
  stranger = await fundedClients(rpcUrl);
});

/** A distinct 48-byte key shaped like a compressed G1 point (the contract checks only the length). */
function publicKey(seed: string): Hex {
  const bytes = concat([keccak256(stringToHex(seed)), slice(keccak256(stringToHex(`${seed}/tail`)), 0, 16)]);
  return `0x${(0x80 | (parseInt(bytes.slice(2, 4), 16) & 0x1f)).toString(16)}${bytes.slice(4)}`;
}

function registration(userId: string, uploaded = 1_000n): Registration {
  return { userId, publicKey: publicKey(userId), uploaded };
}

async function newReputation(referrer?: Address): Promise<Address> {
  const { address } = await createReputation(new Transactor(owner), factory, { referrer });
  return address;
}

async function mined(clients: ChainClients, hash: Hex): Promise<TransactionReceipt> {
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe('success');
  return receipt;
}

async function applyBatch(
  reputation: Address,
  sequence: bigint,
  registrations: Registration[],
  updates: Update[],
  clients: ChainClients = owner,
): Promise<TransactionReceipt> {
  const hash = await clients.walletClient.writeContract({
    address: reputation,
    abi: reputationAbi,
    functionName: 'applyBatch',
    args: [sequence, registrations, updates],
  });
  return mined(clients, hash);
}

/** Applies the contract's next batch. */
async function batch(reputation: Address, registrations: Registration[], updates: Update[] = []) {
  const sequence = (sequences.get(reputation) ?? 0n) + 1n;
  const receipt = await applyBatch(reputation, sequence, registrations, updates);
  sequences.set(reputation, sequence);
  return receipt;
}

async function migrateUser(reputation: Address, id: Hex, clients: ChainClients = owner) {
  const hash = await clients.walletClient.writeContract({
    address: reputation,
    abi: reputationAbi,
    functionName: 'migrateUser',
    args: [id],
  });
  return mined(clients, hash);
}

function read(reputation: Address) {
  const call = { address: reputation, abi: reputationAbi } as const;
  const client = owner.publicClient;
  return {
    reputationOf: (id: Hex) => client.readContract({ ...call, functionName: 'reputationOf', args: [id] }),
    localReputationOf: (id: Hex) => client.readContract({ ...call, functionName: 'localReputationOf', args: [id] }),
    publicKeyOf: (id: Hex) => client.readContract({ ...call, functionName: 'publicKeyOf', args: [id] }),
    localPublicKeyOf: (id: Hex) => client.readContract({ ...call, functionName: 'localPublicKeyOf', args: [id] }),
    isRegistered: (id: Hex) => client.readContract({ ...call, functionName: 'isRegistered', args: [id] }),
    lastSequence: () => client.readContract({ ...call, functionName: 'lastSequence' }),
  };
}

/** The custom error (name and args) a contract call reverted with, decoded by viem. */
async function revertOf(promise: Promise<unknown>): Promise<{ name: string; args: readonly unknown[] }> {
  try {
    await promise;
  } catch (error) {
    const reverted = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
    if (reverted instanceof ContractFunctionRevertedError && reverted.data) {
      return { name: reverted.data.errorName, args: reverted.data.args ?? [] };
    }
    throw error;
  }
  throw new Error('expected the call to revert');
}

function events(receipt: TransactionReceipt) {
  return parseEventLogs({ abi: reputationAbi, logs: receipt.logs }).map(({ eventName, args }) => ({ eventName, args }));
}

describe('ReputationFactory', () => {
  test('default', async () => {
    const attestationHash = keccak256(stringToHex('attestation'));
    const created = await createReputation(new Transactor(owner), factory, { attestationHash });
    const receipt = await owner.publicClient.getTransactionReceipt({ hash: created.txHash });
    expect(created.gasUsed).toBe(receipt.gasUsed);
    const [event] = parseEventLogs({ abi: reputationFactoryAbi, logs: receipt.logs, eventName: 'ReputationCreated' });
    expect(event?.args).toEqual({
      reputation: created.address,
      creator: owner.walletClient.account.address,
      referrer: zeroAddress,
      attestationHash,
    });

    const factoryCall = { address: factory, abi: reputationFactoryAbi } as const;
    const client = owner.publicClient;
    expect(await client.readContract({ ...factoryCall, functionName: 'isReputation', args: [created.address] })).toBe(true);
    expect(await client.readContract({ ...factoryCall, functionName: 'creatorOf', args: [created.address] })).toBe(
      owner.walletClient.account.address,
    );
    const reputationCall = { address: created.address, abi: reputationAbi } as const;
    expect(await client.readContract({ ...reputationCall, functionName: 'owner' })).toBe(owner.walletClient.account.address);
    expect(await client.readContract({ ...reputationCall, functionName: 'referrer' })).toBe(zeroAddress);
    expect(await read(created.address).lastSequence()).toBe(0n);
  });

  test('behavior: a contract the factory created is accepted as referrer', async () => {
    const first = await newReputation();
    const second = await createReputation(new Transactor(stranger), factory, { referrer: first });
    const client = owner.publicClient;
    expect(await client.readContract({ address: second.address, abi: reputationAbi, functionName: 'referrer' })).toBe(first);
    expect(await client.readContract({ address: second.address, abi: reputationAbi, functionName: 'owner' })).toBe(
      stranger.walletClient.account.address,
    );
    expect(
      await client.readContract({ address: factory, abi: reputationFactoryAbi, functionName: 'creatorOf', args: [second.address] }),
    ).toBe(stranger.walletClient.account.address);
  });

  test('error: a referrer the factory did not create reverts UnknownReferrer', async () => {
    const hash = await owner.walletClient.deployContract({
      abi: reputationAbi,
      bytecode: reputationBytecode,
      args: [owner.walletClient.account.address, zeroAddress],
    });
    const impostor = (await mined(owner, hash)).contractAddress!;
    for (const referrer of [impostor, owner.walletClient.account.address, factory]) {
      expect(await revertOf(newReputation(referrer))).toEqual({ name: 'UnknownReferrer', args: [getAddress(referrer)] });
    }
  });
});

describe('Reputation', () => {
  test('default', async () => {
    const reputation = await newReputation();
    const alice = registration('alice', 1_000n);
    const bob = registration('bob', 0n);
    const receipt = await batch(reputation, [alice, bob], [
      { id: userKey('alice'), uploadedDelta: 500n, downloadedDelta: 200n },
      { id: userKey('bob'), uploadedDelta: 0n, downloadedDelta: 300n },
    ]);
    expect(events(receipt)).toEqual([
      { eventName: 'UserRegistered', args: { id: userKey('alice'), userId: 'alice', publicKey: alice.publicKey, uploaded: 1_000n } },
      { eventName: 'UserRegistered', args: { id: userKey('bob'), userId: 'bob', publicKey: bob.publicKey, uploaded: 0n } },
      { eventName: 'ReputationUpdated', args: { id: userKey('alice'), uploaded: 1_500n, downloaded: 200n } },
      { eventName: 'ReputationUpdated', args: { id: userKey('bob'), uploaded: 0n, downloaded: 300n } },
      { eventName: 'BatchApplied', args: { sequence: 1n, registrations: 2n, updates: 2n } },
    ]);

    const view = read(reputation);
    expect(await view.lastSequence()).toBe(1n);
    expect(await view.reputationOf(userKey('alice'))).toEqual([1_500n, 200n, true, reputation]);
    expect(await view.localReputationOf(userKey('bob'))).toEqual([0n, 300n, true]);
    expect(await view.publicKeyOf(userKey('alice'))).toEqual([alice.publicKey, true, reputation]);
    expect(await view.localPublicKeyOf(userKey('bob'))).toEqual([bob.publicKey, true]);
    expect(await view.isRegistered(userKey('alice'))).toBe(true);

    const carol = userKey('carol');
    expect(await view.isRegistered(carol)).toBe(false);
    expect(await view.reputationOf(carol)).toEqual([0n, 0n, false, zeroAddress]);
    expect(await view.localReputationOf(carol)).toEqual([0n, 0n, false]);
    expect(await view.publicKeyOf(carol)).toEqual(['0x', false, zeroAddress]);
    expect(await view.localPublicKeyOf(carol)).toEqual(['0x', false]);
  });

  test('behavior: userKey is keccak256 of the UTF-8 bytes, in TypeScript and on chain', async () => {
    const reputation = await newReputation();
    for (const userId of ['alice', '', 'Zoë 🚀 用户', 'x'.repeat(200)]) {
      const onChain = await owner.publicClient.readContract({
        address: reputation,
        abi: reputationAbi,
        functionName: 'userKey',
        args: [userId],
      });
      expect(userKey(userId)).toBe(onChain);
      expect(userKey(userId)).toBe(keccak256(new TextEncoder().encode(userId)));
    }
  });

  test('behavior: deltas accumulate across entries and batches, and an empty batch only advances the sequence', async () => {
    const reputation = await newReputation();
    const id = userKey('alice');
    await batch(reputation, [registration('alice', 10n)]);
    await batch(reputation, [], [
      { id, uploadedDelta: 1n, downloadedDelta: 2n },
      { id, uploadedDelta: 3n, downloadedDelta: 4n },
    ]);
    expect(await read(reputation).localReputationOf(id)).toEqual([14n, 6n, true]);
    expect(events(await batch(reputation, [], []))).toEqual([
      { eventName: 'BatchApplied', args: { sequence: 3n, registrations: 0n, updates: 0n } },
    ]);
    expect(await read(reputation).localReputationOf(id)).toEqual([14n, 6n, true]);
  });

  test('behavior: totals use the full uint128 range and overflow reverts', async () => {
    const reputation = await newReputation();
    const id = userKey('whale');
    await batch(reputation, [registration('whale', MAX_UINT128 - 1n)], [{ id, uploadedDelta: 1n, downloadedDelta: MAX_UINT128 }]);
    expect(await read(reputation).localReputationOf(id)).toEqual([MAX_UINT128, MAX_UINT128, true]);
    expect(await revertOf(applyBatch(reputation, 2n, [], [{ id, uploadedDelta: 1n, downloadedDelta: 0n }]))).toEqual({
      name: 'Panic',
      args: [0x11n],
    });
  });

  test('error: a repeated batch and an out-of-order batch revert BadSequence', async () => {
    const reputation = await newReputation();
    const id = userKey('alice');
    const credit = [{ id, uploadedDelta: 100n, downloadedDelta: 0n }];
    expect(await revertOf(applyBatch(reputation, 0n, [registration('alice')], []))).toEqual({ name: 'BadSequence', args: [1n, 0n] });
    await applyBatch(reputation, 1n, [registration('alice', 0n)], credit);
    expect(await revertOf(applyBatch(reputation, 1n, [], credit))).toEqual({ name: 'BadSequence', args: [2n, 1n] });
    expect(await revertOf(applyBatch(reputation, 3n, [], credit))).toEqual({ name: 'BadSequence', args: [2n, 3n] });
    expect(await read(reputation).lastSequence()).toBe(1n);
    expect(await read(reputation).localReputationOf(id)).toEqual([100n, 0n, true]);
    await applyBatch(reputation, 2n, [], credit);
    expect(await read(reputation).localReputationOf(id)).toEqual([200n, 0n, true]);
  });

  test('error: registration reverts UserExists, BadPublicKey and KeyExists, and the whole batch is undone', async () => {
    const reputation = await newReputation();
    await batch(reputation, [registration('alice')]);
    const next = 2n;
    const fresh = registration('bob');

    expect(await revertOf(applyBatch(reputation, next, [fresh, registration('alice')], []))).toEqual({
      name: 'UserExists',
      args: [userKey('alice')],
    });
    expect(await revertOf(applyBatch(reputation, next, [fresh, fresh], []))).toEqual({ name: 'UserExists', args: [userKey('bob')] });
    for (const length of [0, 47, 49, 96]) {
      const bad = { ...registration('carol'), publicKey: toHex(new Uint8Array(length).fill(0xa1)) };
      expect(await revertOf(applyBatch(reputation, next, [fresh, bad], []))).toEqual({
        name: 'BadPublicKey',
        args: [userKey('carol'), BigInt(length)],
      });
    }
    const stolenKey = { ...registration('carol'), publicKey: publicKey('alice') };
    expect(await revertOf(applyBatch(reputation, next, [fresh, stolenKey], []))).toEqual({ name: 'KeyExists', args: [userKey('carol')] });

    expect(await read(reputation).lastSequence()).toBe(1n);
    expect(await read(reputation).isRegistered(userKey('bob'))).toBe(false);
    await applyBatch(reputation, next, [fresh], []);
    expect(await read(reputation).isRegistered(userKey('bob'))).toBe(true);
  });

  test('error: an update for a user not registered here reverts UnknownUser, even one the referrer knows', async () => {
    const predecessor = await newReputation();
    await batch(predecessor, [registration('alice')]);
    const reputation = await newReputation(predecessor);
    await batch(reputation, [registration('bob')]);
    for (const userId of ['alice', 'nobody']) {
      const updates = [
        { id: userKey('bob'), uploadedDelta: 1n, downloadedDelta: 1n },
        { id: userKey(userId), uploadedDelta: 1n, downloadedDelta: 1n },
      ];
      expect(await revertOf(applyBatch(reputation, 2n, [], updates))).toEqual({ name: 'UnknownUser', args: [userKey(userId)] });
    }
    expect(await read(reputation).localReputationOf(userKey('bob'))).toEqual([1_000n, 0n, true]);
  });

  test("error: a stranger's writes revert NotOwner", async () => {
    const predecessor = await newReputation();
    await batch(predecessor, [registration('alice')]);
    const reputation = await newReputation(predecessor);
    expect(await revertOf(applyBatch(reputation, 1n, [registration('mallory')], [], stranger))).toEqual({
      name: 'NotOwner',
      args: [],
    });
    expect(await revertOf(migrateUser(reputation, userKey('alice'), stranger))).toEqual({ name: 'NotOwner', args: [] });
    expect(await read(reputation).lastSequence()).toBe(0n);
    expect(await read(reputation).isRegistered(userKey('alice'))).toBe(false);
  });

  test('behavior: reads fall back one hop to the referrer, never two', async () => {
    const a = await newReputation();
    await batch(a, [registration('only-in-a', 7n)], [{ id: userKey('only-in-a'), uploadedDelta: 0n, downloadedDelta: 3n }]);
    const b = await newReputation(a);
    await batch(b, [registration('only-in-b', 9n)]);
    const c = await newReputation(b);

    const inA = userKey('only-in-a');
    expect(await read(b).reputationOf(inA)).toEqual([7n, 3n, true, a]);
    expect(await read(b).publicKeyOf(inA)).toEqual([publicKey('only-in-a'), true, a]);
    expect(await read(b).isRegistered(inA)).toBe(false);
    expect(await read(b).localReputationOf(inA)).toEqual([0n, 0n, false]);

    expect(await read(c).reputationOf(inA)).toEqual([0n, 0n, false, zeroAddress]);
    expect(await read(c).publicKeyOf(inA)).toEqual(['0x', false, zeroAddress]);

    const inB = userKey('only-in-b');
    expect(await read(c).reputationOf(inB)).toEqual([9n, 0n, true, b]);
    expect(await read(c).publicKeyOf(inB)).toEqual([publicKey('only-in-b'), true, b]);
    expect(await read(c).localPublicKeyOf(inB)).toEqual(['0x', false]);
  });

  test('behavior: migration copies the record and key from the referrer, then updates apply', async () => {
    const a = await newReputation();
    const id = userKey('alice');
    await batch(a, [registration('alice', 1_000n)], [{ id, uploadedDelta: 24n, downloadedDelta: 512n }]);
    const b = await newReputation(a);

    const receipt = await migrateUser(b, id);
    expect(events(receipt)).toEqual([{ eventName: 'UserMigrated', args: { id, from: a, uploaded: 1_024n, downloaded: 512n } }]);
    expect(await read(b).isRegistered(id)).toBe(true);
    expect(await read(b).localReputationOf(id)).toEqual([1_024n, 512n, true]);
    expect(await read(b).reputationOf(id)).toEqual([1_024n, 512n, true, b]);
    expect(await read(b).localPublicKeyOf(id)).toEqual([publicKey('alice'), true]);
    expect(await read(b).lastSequence()).toBe(0n);

    await batch(b, [], [{ id, uploadedDelta: 1n, downloadedDelta: 2n }]);
    expect(await read(b).reputationOf(id)).toEqual([1_025n, 514n, true, b]);
    expect(await read(a).reputationOf(id)).toEqual([1_024n, 512n, true, a]);

    // The migrated key counts as taken here.
    expect(await revertOf(batch(b, [{ userId: 'alias', publicKey: publicKey('alice'), uploaded: 0n }]))).toEqual({
      name: 'KeyExists',
      args: [userKey('alias')],
    });
  });

  test('error: migration reverts NoReferrer, UserExists, NotInReferrer and KeyExists', async () => {
    const root = await newReputation();
    await batch(root, [registration('alice'), registration('bob')]);
    expect(await revertOf(migrateUser(root, userKey('alice')))).toEqual({ name: 'NoReferrer', args: [] });

    const successor = await newReputation(root);
    await batch(successor, [registration('alice'), { userId: 'bob-twin', publicKey: publicKey('bob'), uploaded: 0n }]);
    expect(await revertOf(migrateUser(successor, userKey('alice')))).toEqual({ name: 'UserExists', args: [userKey('alice')] });
    expect(await revertOf(migrateUser(successor, userKey('carol')))).toEqual({ name: 'NotInReferrer', args: [userKey('carol')] });
    expect(await revertOf(migrateUser(successor, userKey('bob')))).toEqual({ name: 'KeyExists', args: [userKey('bob')] });
  });

  test('behavior: gas per operation (printed), at most 15k gas per entry in a 100-update batch', async () => {
    const rows: [operation: string, entries: number, gas: bigint][] = [];
    const created = await createReputation(new Transactor(owner), factory);
    rows.push(['create Reputation', 1, created.gasUsed]);
    const reputation = created.address;

    rows.push(['register 1 user', 1, (await batch(reputation, [registration('user-0')])).gasUsed]);
    const users = Array.from({ length: 100 }, (_, i) => registration(`user-${i + 1}`));
    rows.push(['register 100 users', 100, (await batch(reputation, users)).gasUsed]);

    const updates = (count: number, round: number) =>
      users.slice(0, count).map(({ userId }, i) => ({
        id: userKey(userId),
        uploadedDelta: BigInt(262_144 * (i + round)),
        downloadedDelta: BigInt(16_384 * (round + 1)),
      }));
    rows.push(['1 update', 1, (await batch(reputation, [], updates(1, 1))).gasUsed]);
    let round = 2;
    for (const count of [10, 50, 100]) rows.push([`${count} updates`, count, (await batch(reputation, [], updates(count, round++))).gasUsed]);

    // Zero-credit users: the first write to an all-zero record slot costs a fresh SSTORE (20k).
    const zero = Array.from({ length: 100 }, (_, i) => registration(`zero-${i}`, 0n));
    await batch(reputation, zero);
    const firstTouch = zero.map(({ userId }) => ({ id: userKey(userId), uploadedDelta: 0n, downloadedDelta: 16_384n }));
    rows.push(['100 updates, first on zero records', 100, (await batch(reputation, [], firstTouch)).gasUsed]);

    const table = [
      `${'operation'.padEnd(36)}${'entries'.padStart(8)}${'gas'.padStart(12)}${'gas/entry'.padStart(12)}`,
      ...rows.map(([operation, entries, gas]) =>
        `${operation.padEnd(36)}${String(entries).padStart(8)}${gas.toLocaleString('en-US').padStart(12)}${(gas / BigInt(entries)).toLocaleString('en-US').padStart(12)}`,
      ),
    ].join('\n');
    console.log(`Reputation gas (solc 0.8.37, optimizer 200 runs, evm prague; totals include the 21,000 base):\n${table}`);

    const hundred = rows.find(([operation]) => operation === '100 updates')!;
    expect(hundred[2] / 100n).toBeLessThanOrEqual(15_000n);
  });
});
