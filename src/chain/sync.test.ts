import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Address, Hex } from 'viem';
import { afterEach, beforeEach, describe, expect, inject, test } from 'vitest';
import { FORGED_BATCH, applyBatchAsImpersonated, fundedClients } from '../../fixtures/anvil.ts';
import { startRpcProxy } from '../../fixtures/rpc-proxy.ts';
import { waitFor } from '../../fixtures/wait.ts';
import { openStore, type Store } from '../store/index.ts';
import { type BatchArgs, batchArgs } from './batch.ts';
import { createChainClients } from './clients.ts';
import { userKey } from './contracts.ts';
import { type AppliedBatch, BadSequenceError, ChainError, type LandedBatch, ReputationChain } from './reputation.ts';
import { ChainService } from './service.ts';
import { ReputationSync, type SyncChain, type SyncOptions } from './sync.ts';

const CONTRACT = '0x00000000000000000000000000000000000000c1' as Address;
/** The sync's own account, and another one. */
const US = '0x00000000000000000000000000000000000000a1' as Address;
const OTHER = '0x00000000000000000000000000000000000000a2' as Address;
const key = (n: number) => new Uint8Array(48).fill(n);

/** An in-memory Reputation contract per address, with the failures a real chain has. */
class FakeChain implements SyncChain {
  readonly contracts = new Map<Address, { last: number; owner: Address; applied: { sequence: number; args: BatchArgs; sender: Address }[] }>();
  /** No answer at all, as a node that is down. */
  down = false;
  /** Apply the next batch, then lose the answer (a crash or an outage between send and receipt). */
  loseNextReceipt = false;
  attempts = 0;
  pings = 0;
  /** lastSequence() reads still answered as before the latest batch (a node behind its peers). */
  staleReads = 0;
  /** The node's logs lag its state: no BatchApplied event is returned while set. */
  eventsBehind = false;

  constructor(...addresses: Address[]) {
    for (const address of addresses) this.deploy(address);
  }

  deploy(address: Address, owner = US) {
    this.contracts.set(address, { last: 0, owner, applied: [] });
  }

  private answer() {
    if (this.down) throw new ChainError('rpc_unavailable', 'connect ECONNREFUSED');
  }

  async ping() {
    this.pings++;
    this.answer();
  }

  async hasCode(address: Address) {
    this.answer();
    return this.contracts.has(address);
  }

  async lastSequence(address: Address) {
    this.answer();
    const { last } = this.contracts.get(address)!;
    if (this.staleReads > 0 && last > 0) {
      this.staleReads--;
      return last - 1;
    }
    return last;
  }

  async applyBatch(address: Address, sequence: number, args: BatchArgs): Promise<AppliedBatch> {
    this.attempts++;
    return this.applyAs(US, address, sequence, args);
  }

  /** `applyBatch` sent by `sender` (who may be impersonating the owner). */
  async applyAs(sender: Address, address: Address, sequence: number, args: BatchArgs): Promise<AppliedBatch> {
    this.answer();
    const contract = this.contracts.get(address);
    if (contract === undefined) throw new ChainError('no_code', `no contract at ${address}`);
    if (sequence !== contract.last + 1) throw new BadSequenceError(contract.last + 1, sequence);
    contract.last = sequence;
    contract.applied.push({ sequence, args, sender });
    if (this.loseNextReceipt) {
      this.loseNextReceipt = false;
      throw new ChainError('rpc_unavailable', 'socket hang up');
    }
    return { txHash: `0x${sequence.toString(16).padStart(64, '0')}` as Hex, blockNumber: sequence, gasUsed: 1n };
  }

  async landedBatch(address: Address, sequence: number, args: BatchArgs): Promise<LandedBatch> {
    this.answer();
    const landed = this.contracts.get(address)!.applied.findLast((batch) => batch.sequence === sequence);
    const txHash = `0x${sequence.toString(16).padStart(64, 'f')}` as Hex;
    if (landed === undefined || this.eventsBehind) return { ours: false, seen: false, reason: 'no BatchApplied event' };
    if (landed.sender !== US) return { ours: false, seen: true, txHash, sender: landed.sender, reason: `sender ${landed.sender}` };
    if (!isDeepStrictEqual(landed.args, args)) return { ours: false, seen: true, txHash, sender: US, reason: 'other contents' };
    return { ours: true, txHash, blockNumber: sequence };
  }

  async ownsContract(address: Address) {
    this.answer();
    return this.contracts.get(address)!.owner === US;
  }

  /** Per user key: uploaded and downloaded as the contract holds them. */
  totals(address: Address): Map<Hex, { uploaded: bigint; downloaded: bigint }> {
    const totals = new Map<Hex, { uploaded: bigint; downloaded: bigint }>();
    for (const { args } of this.contracts.get(address)!.applied) {
      for (const r of args.registrations) totals.set(userKey(r.userId), { uploaded: r.uploaded, downloaded: 0n });
      for (const u of args.updates) {
        const record = totals.get(u.id)!;
        record.uploaded += u.uploadedDelta;
        record.downloaded += u.downloadedDelta;
      }
    }
    return totals;
  }

  sequences(address: Address): number[] {
    return this.contracts.get(address)!.applied.map((batch) => batch.sequence);
  }
}

let store: Store;
let sync: ReputationSync | undefined;
let users = 0;

function addUser(): string {
  users++;
  const id = `user${users}`;
  store.createUser({ userId: id, publicKey: key(users), uploaded: 1000 * users });
  return id;
}

function report(sender: number, receiver: number, bytes = 16384) {
  store.applyReport({
    receipts: [{ id: new Uint8Array(randomBytes(32)), epoch: 1, senderPk: key(sender), receiverPk: key(receiver), pieceSize: bytes }],
  });
}

function startSync(chain: SyncChain, options: Partial<SyncOptions> = {}) {
  sync = new ReputationSync({
    outbox: store.outbox,
    chain,
    batchSize: 10,
    batchDelayMs: 20,
    retryInitialMs: 5,
    retryMaxMs: 20,
    checkIntervalMs: 50,
    ...options,
  });
  sync.start();
  return sync;
}

/** Every user's store totals equal the fake contract's, and the contract applied 1..N once each. */
function expectExactlyOnce(chain: FakeChain, address = CONTRACT) {
  const totals = chain.totals(address);
  for (let n = 1; n <= users; n++) {
    const user = store.userById(`user${n}`)!;
    expect(totals.get(userKey(user.userId))).toEqual({ uploaded: BigInt(user.uploaded), downloaded: BigInt(user.downloaded) });
    expect([user.chainUploaded, user.chainDownloaded]).toEqual([user.uploaded, user.downloaded]);
  }
  const sequences = chain.sequences(address);
  expect(sequences).toEqual(sequences.map((_, i) => i + 1));
  expect(store.outbox.state().confirmedSequence).toBe(sequences.length);
}

const settled = () => store.outbox.stats().pendingEntries === 0;

/** Two registrations and a report between them, synced as one batch, applied exactly once. */
async function syncOneBatch(chain: FakeChain): Promise<void> {
  startSync(chain);
  addUser();
  addUser();
  report(1, 2);
  await waitFor('the batch to be confirmed', settled);
  expect(chain.sequences(CONTRACT)).toEqual([1]);
  expectExactlyOnce(chain);
}

beforeEach(() => {
  store = openStore({ dataDir: ':memory:' });
  store.outbox.setContract(CONTRACT, null);
  users = 0;
});
afterEach(async () => {
  await sync?.stop();
  sync = undefined;
  store.close();
});

describe('ReputationSync', () => {
  test('default', async () => {
    const chain = new FakeChain(CONTRACT);
    await syncOneBatch(chain);
    expect(store.outbox.batch(1)).toMatchObject({ entries: 4, txHash: `0x${'1'.padStart(64, '0')}`, blockNumber: 1 });
    expect(sync!.status()).toEqual({ connected: true, lastError: null, lastErrorAt: null, divergence: null });
  });

  test('behavior: a full batch is cut at once, a partial one after batchDelayMs', async () => {
    const chain = new FakeChain(CONTRACT);
    startSync(chain, { batchSize: 10, batchDelayMs: 200 });
    const started = Date.now();
    for (let i = 0; i < 10; i++) addUser();
    await waitFor('the full batch', () => store.outbox.state().confirmedSequence === 1);
    addUser();
    await waitFor('the partial batch', settled);
    expect(store.outbox.batch(1)!.entries).toBe(10);
    expect(store.outbox.batch(2)!.entries).toBe(1);
    // Cut by its age, which the loop cannot reach early.
    expect(store.outbox.batch(2)!.createdAt - started).toBeGreaterThanOrEqual(200);
    expectExactlyOnce(chain);
  });

  test('behavior: entries queued before start are batched by size, in order, right away', async () => {
    for (let i = 0; i < 25; i++) addUser();
    const chain = new FakeChain(CONTRACT);
    startSync(chain, { batchDelayMs: 60_000 });
    await waitFor('three batches', settled);
    expect([1, 2, 3].map((s) => store.outbox.batch(s)!.entries)).toEqual([10, 10, 5]);
    expectExactlyOnce(chain);
  });

  test('behavior: a batch applied but unanswered is confirmed, not applied twice', async () => {
    const chain = new FakeChain(CONTRACT);
    chain.loseNextReceipt = true;
    await syncOneBatch(chain);
    expect(sync!.status().lastError).toMatch(/socket hang up/);
  });

  test('behavior: a re-sent batch that already landed reverts BadSequence and is confirmed', async () => {
    const chain = new FakeChain(CONTRACT);
    addUser();
    addUser();
    store.outbox.cutBatch(10);
    // Applied before a crash: the store never heard back.
    await chain.applyBatch(CONTRACT, 1, batchArgs(store.outbox.batchEntries(1)));
    chain.attempts = 0;
    // The start's reconcile reads lastSequence() 0, so the batch is sent again.
    chain.staleReads = 1;
    const sent = startSync(chain, { checkIntervalMs: 60_000 });
    await waitFor('the batch to be confirmed', settled);
    expect(chain.attempts).toBe(1);
    expect(store.outbox.state().confirmedSequence).toBe(1);
    expect(sent.status().lastError).toBeNull();
  });

  test('behavior: on start, batches the contract already applied are confirmed from lastSequence()', async () => {
    const chain = new FakeChain(CONTRACT);
    for (let i = 0; i < 4; i++) addUser();
    store.outbox.cutBatch(2);
    store.outbox.cutBatch(2);
    for (const sequence of [1, 2]) await chain.applyBatch(CONTRACT, sequence, batchArgs(store.outbox.batchEntries(sequence)));
    chain.attempts = 0;
    startSync(chain);
    await waitFor('both batches confirmed', settled);
    expect(chain.attempts).toBe(0);
    expect(store.outbox.batch(2)!.txHash).toBe(`0x${'2'.padStart(64, 'f')}`);
  });

  test('error: a batch someone else landed under our next sequence is not confirmed, and the sync reports the divergence', async () => {
    const chain = new FakeChain(CONTRACT);
    const lines: string[] = [];
    addUser();
    addUser();
    store.outbox.cutBatch(10);
    // Someone impersonating the owner (or holding its key) takes sequence 1 with other contents,
    // after the start's reconcile and before our send.
    await chain.applyAs(US, CONTRACT, 1, { registrations: [], updates: [] });
    chain.staleReads = 1;
    const running = startSync(chain, { checkIntervalMs: 60_000, log: (line) => lines.push(line) });
    await waitFor('the divergence', () => running.status().divergence);
    expect(chain.attempts).toBeGreaterThanOrEqual(1);
    expect(store.outbox.state().confirmedSequence).toBe(0);
    expect(store.outbox.stats().pendingEntries).toBe(2);
    expect(running.status().divergence).toMatchObject({ contract: CONTRACT, sequence: 1, sender: US, reason: 'other contents' });
    expect(running.status().lastError).toMatch(/^DIVERGENCE: contract .* applied a batch 1 this tracker did not send/);
    expect(lines.filter((line) => line.includes('DIVERGENCE'))).toHaveLength(1);
    // It stays stuck and loud: no later pass confirms it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(store.outbox.state().confirmedSequence).toBe(0);
    expect(running.status().divergence).not.toBeNull();
  });

  test('behavior: a landed batch the node does not show yet is no divergence: it stays unconfirmed until the node catches up', async () => {
    const chain = new FakeChain(CONTRACT);
    addUser();
    addUser();
    store.outbox.cutBatch(10);
    // Applied before a crash: the store never heard back.
    await chain.applyBatch(CONTRACT, 1, batchArgs(store.outbox.batchEntries(1)));
    chain.attempts = 0;
    chain.eventsBehind = true;
    const running = startSync(chain);
    await waitFor('the reading', () => running.status().lastError?.includes('is checked again'));
    expect(running.status().divergence).toBeNull();
    expect(store.outbox.state().confirmedSequence).toBe(0);
    chain.eventsBehind = false;
    await waitFor('the batch confirmed', settled);
    expect(running.status().divergence).toBeNull();
    expect(chain.attempts).toBe(0);
  });

  test('error: on start, a batch the contract applied from another account is a divergence, not confirmed', async () => {
    const chain = new FakeChain(CONTRACT);
    addUser();
    addUser();
    store.outbox.cutBatch(10);
    await chain.applyAs(OTHER, CONTRACT, 1, batchArgs(store.outbox.batchEntries(1)));
    const running = startSync(chain);
    await waitFor('the divergence', () => running.status().divergence);
    expect(running.status().divergence).toMatchObject({ sequence: 1, sender: OTHER });
    expect(store.outbox.state().confirmedSequence).toBe(0);
    expect(chain.attempts).toBe(0);
  });

  test('behavior: with provision, a contract owned by another account is replaced and every batch is applied to the new one', async () => {
    const chain = new FakeChain();
    chain.deploy(CONTRACT, OTHER);
    const replacement = '0x00000000000000000000000000000000000000c3' as Address;
    startSync(chain, {
      provision: async () => {
        chain.deploy(replacement);
        store.outbox.setContract(replacement, null);
      },
    });
    addUser();
    addUser();
    report(1, 2);
    await waitFor('the new contract to catch up', () => settled() && store.outbox.state().contract === replacement);
    expectExactlyOnce(chain, replacement);
    expect(chain.sequences(CONTRACT)).toEqual([]);
  });

  test('behavior: an RPC outage delays the sync, which catches up when the node answers again', async () => {
    const chain = new FakeChain(CONTRACT);
    chain.down = true;
    const running = startSync(chain);
    addUser();
    addUser();
    report(1, 2);
    await waitFor('the outage to show', () => running.status().lastError?.includes('ECONNREFUSED'));
    expect(running.status().connected).toBe(false);
    for (let i = 0; i < 20; i++) report(2, 1);
    chain.down = false;
    await waitFor('the backlog to be confirmed', settled);
    expect(running.status().connected).toBe(true);
    expectExactlyOnce(chain);
  });

  test('behavior: new entries do not cut a backoff short', async () => {
    const chain = new FakeChain(CONTRACT);
    chain.down = true;
    addUser();
    addUser();
    startSync(chain, { retryInitialMs: 500, retryMaxMs: 500 });
    await waitFor('the first failure', () => sync!.status().lastError);
    const before = store.outbox.stats();
    const pings = chain.attempts;
    // 50 wakes spread over the first backoff, each yielding to the loop.
    for (let i = 0; i < 50; i++) {
      report(1, 2);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(chain.attempts).toBe(pings);
    expect(store.outbox.stats().pendingEntries).toBe(before.pendingEntries + 100);
  });

  test('behavior: a chain that lost batches gets them again from the log', async () => {
    const chain = new FakeChain(CONTRACT);
    startSync(chain, { batchSize: 2 });
    for (let i = 0; i < 6; i++) addUser();
    await waitFor('three batches', () => store.outbox.state().confirmedSequence === 3);
    // A node restarted from an older state: batches 2 and 3 are gone.
    const contract = chain.contracts.get(CONTRACT)!;
    contract.last = 1;
    contract.applied.length = 1;
    report(1, 2);
    await waitFor('the lost batches re-sent', () => settled() && chain.sequences(CONTRACT).length === 4);
    expectExactlyOnce(chain);
    expect(sync!.status().lastError).toBeNull();
  });

  test('behavior: a vanished contract is re-created by provision and every batch is applied to the new one', async () => {
    const chain = new FakeChain(CONTRACT);
    const replacement = '0x00000000000000000000000000000000000000c2' as Address;
    let provisions = 0;
    startSync(chain, {
      batchSize: 2,
      provision: async () => {
        provisions++;
        chain.deploy(replacement);
        store.outbox.setContract(replacement, null);
      },
    });
    for (let i = 0; i < 4; i++) addUser();
    await waitFor('two batches', () => store.outbox.state().confirmedSequence === 2);
    chain.contracts.delete(CONTRACT);
    report(1, 2);
    await waitFor('the new contract to catch up', () => settled() && store.outbox.state().contract === replacement);
    expect(provisions).toBe(1);
    expectExactlyOnce(chain, replacement);
  });

  test('behavior: with provision, a tracker without a contract creates one', async () => {
    const chain = new FakeChain();
    const fresh = openStore({ dataDir: ':memory:' });
    const other = new ReputationSync({
      outbox: fresh.outbox,
      chain,
      provision: async () => {
        chain.deploy(CONTRACT);
        fresh.outbox.setContract(CONTRACT, null);
      },
    });
    other.start();
    await waitFor('the contract', () => fresh.outbox.state().contract === CONTRACT);
    await other.stop();
    fresh.close();
  });

  test('error: a vanished contract without provision is reported and nothing is sent', async () => {
    const chain = new FakeChain();
    const running = startSync(chain);
    addUser();
    await waitFor('the error', () => running.status().lastError?.includes(`no contract code at ${CONTRACT}`));
    expect(running.status().lastError).toMatch(/POST \/chain\/init/);
    expect(chain.attempts).toBe(0);
    expect(store.outbox.stats().pendingEntries).toBe(1);
  });

  test('error: a contract ahead of the batch log is refused, not confirmed', async () => {
    const chain = new FakeChain(CONTRACT);
    chain.contracts.get(CONTRACT)!.last = 5;
    const running = startSync(chain);
    addUser();
    await waitFor('the error', () => running.status().lastError?.includes('batch log ends at'));
    expect(store.outbox.state().confirmedSequence).toBe(0);
    expect(chain.attempts).toBe(0);
  });

  test('error: settings that could never work are refused', () => {
    const chain = new FakeChain(CONTRACT);
    expect(() => new ReputationSync({ outbox: store.outbox, chain, batchSize: 251 })).toThrow(/from 1 to 250/);
    expect(() => new ReputationSync({ outbox: store.outbox, chain, batchSize: 0 })).toThrow(/from 1 to 250/);
    expect(() => new ReputationSync({ outbox: store.outbox, chain, retryMaxMs: 0 })).toThrow(/at least 1 ms/);
  });

  test('error: without a contract and without provision the sync waits, connected, sending nothing', async () => {
    const fresh = openStore({ dataDir: ':memory:' });
    const chain = new FakeChain();
    // Entries queued before start are due at once, but there is nowhere to send them.
    fresh.createUser({ userId: 'alice', publicKey: key(1) });
    let reads = 0;
    const outbox = new Proxy(fresh.outbox, {
      get: (target, name, receiver) => {
        if (name === 'state') reads++;
        const value = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const idle = new ReputationSync({ outbox, chain, checkIntervalMs: 50 });
    idle.start();
    await waitFor('the ping', () => idle.status().connected);
    const [pings, before] = [chain.pings, reads];
    await waitFor('four more checks', () => chain.pings >= pings + 4);
    // The loop sleeps between checks instead of spinning on the queued entry.
    expect(reads - before).toBeLessThan(40);
    expect(chain.attempts).toBe(0);
    expect(fresh.outbox.state().lastSequence).toBe(0);
    await idle.stop();
    fresh.close();
  });
});

describe('ReputationSync on Anvil', () => {
  test('behavior: a contract the tracker creates is read from its creation block, never from genesis', async () => {
    const rpcUrl = inject('rpcUrl');
    const proxy = await startRpcProxy(rpcUrl);
    const { account, publicClient } = await fundedClients(rpcUrl);
    const reputation = new ReputationChain(createChainClients(proxy.url, account));
    const tuning = { batchDelayMs: 0, retryInitialMs: 5, retryMaxMs: 20, checkIntervalMs: 50 };
    const service = new ChainService({ mode: 'external', rpcUrl: proxy.url, reputation, outbox: store.outbox, factory: inject('factoryAddress'), tuning });
    try {
      const { contract, tx_hash: txHash } = (await service.init(undefined)) as { contract: Address; tx_hash: Hex };
      const created = Number((await publicClient.getTransactionReceipt({ hash: txHash })).blockNumber);
      expect(store.outbox.state().contractBlock).toBe(created);
      addUser();
      addUser();
      store.outbox.cutBatch(10);
      // Sent before a crash: only its event can confirm it.
      await reputation.applyBatch(contract, 1, batchArgs(store.outbox.batchEntries(1)));
      service.start();
      await waitFor('the batch confirmed', settled);
      expect(proxy.getLogs.length).toBeGreaterThan(0);
      expect(proxy.getLogs.map((filter) => Number(filter.fromBlock))).toEqual(proxy.getLogs.map(() => created));
    } finally {
      await service.close();
      await proxy.close();
    }
  });

  test('behavior: a node whose logs lag its state delays the confirmation of a landed batch, and no divergence is reported', async () => {
    const rpcUrl = inject('rpcUrl');
    const { account } = await fundedClients(rpcUrl);
    const direct = new ReputationChain(createChainClients(rpcUrl, account));
    const { address: contract } = await direct.createReputation(inject('factoryAddress'), {});
    store.outbox.setContract(contract, null);
    addUser();
    addUser();
    report(1, 2);
    store.outbox.cutBatch(10);
    // Sent before a crash: the contract applied it, the store never heard back.
    const applied = await direct.applyBatch(contract, 1, batchArgs(store.outbox.batchEntries(1)));
    const proxy = await startRpcProxy(rpcUrl);
    try {
      proxy.logsBehind = true;
      const lines: string[] = [];
      const running = startSync(new ReputationChain(createChainClients(proxy.url, account)), { log: (line) => lines.push(line) });
      await waitFor('the lagging reading', () => running.status().lastError?.includes('is checked again'));
      expect(running.status().divergence).toBeNull();
      expect(running.status().lastError).toMatch(/has applied batch 1, but the node returns no BatchApplied\(1\) event/);
      expect(lines.some((line) => line.includes('DIVERGENCE'))).toBe(false);
      expect(store.outbox.state().confirmedSequence).toBe(0);
      proxy.logsBehind = false;
      await waitFor('the batch confirmed', settled);
      expect(running.status().divergence).toBeNull();
      expect(store.outbox.batch(1)).toMatchObject({ txHash: applied.txHash, blockNumber: applied.blockNumber });
    } finally {
      await sync?.stop();
      sync = undefined;
      await proxy.close();
    }
  });

  test('error: a batch landed under our next sequence by someone impersonating the owner is not confirmed, and the divergence is reported', async () => {
    const rpcUrl = inject('rpcUrl');
    const { account } = await fundedClients(rpcUrl);
    const chain = new ReputationChain(createChainClients(rpcUrl, account));
    const { address: contract } = await chain.createReputation(inject('factoryAddress'), {});
    store.outbox.setContract(contract, null);
    addUser();
    addUser();
    report(1, 2);
    store.outbox.cutBatch(10);

    // Anyone who reaches the node sends as the owner, whatever its key, and takes sequence 1.
    const hash = await applyBatchAsImpersonated(rpcUrl, account.address, contract, 1, FORGED_BATCH);

    const lines: string[] = [];
    const running = startSync(chain, { log: (line) => lines.push(line) });
    await waitFor('the divergence', () => running.status().divergence);
    expect(running.status().divergence).toMatchObject({ contract, sequence: 1, txHash: hash, sender: account.address });
    expect(running.status().lastError).toMatch(/^DIVERGENCE: .*its contents are not this tracker's batch 1/);
    expect(lines.some((line) => line.startsWith('chain: DIVERGENCE'))).toBe(true);
    expect(store.outbox.state().confirmedSequence).toBe(0);
    expect(store.outbox.stats().pendingEntries).toBe(4);
    // The store does not claim credits the chain never received.
    expect(store.userById('user1')).toMatchObject({ chainUploaded: 0, chainDownloaded: 0 });
    expect(store.outbox.batch(1)!.txHash).toBeNull();
  });
});
