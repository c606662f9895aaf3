/**
 * The tracker's side of its Reputation contract over viem: reads, sequenced batches, creation
 * through the factory and user migration, every failure turned into a {@link ChainError} with a
 * code and a reason a person can act on. Writes are serialized, so the sync and the admin routes
 * never race for the account's nonce.
 * @module
 */
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  type Hash,
  type Hex,
  HttpRequestError,
  TimeoutError,
  encodeFunctionData,
  getAddress,
  isAddressEqual,
  parseEventLogs,
  zeroAddress,
} from 'viem';
import type { BatchArgs } from './batch.ts';
import type { ChainClients } from './clients.ts';
import { reputationAbi, userKey } from './contracts.ts';
import { type CreateReputationOptions, type CreatedReputation, createReputation, deployFactory } from './deploy.ts';
import { RECEIPT_TIMEOUT_MS, ReceiptTimeoutError, TransactionRevertedError, Transactor } from './transact.ts';

/**
 * What went wrong: `rpc_unavailable` (no answer: down, refused, timed out), `rpc_error` (the node
 * refused the request), `reverted` (a contract refused), `no_code` (no contract at an address),
 * `receipt_timeout`, `log_behind` (the contract has batches this tracker's log lacks),
 * `events_behind` (the contract's state covers a batch whose event the node does not return yet:
 * retried, never taken for a divergence), `diverged` (a batch under one of this tracker's
 * sequences was not sent by it, or not with its contents).
 */
export type ChainErrorCode =
  | 'rpc_unavailable'
  | 'rpc_error'
  | 'reverted'
  | 'no_code'
  | 'receipt_timeout'
  | 'log_behind'
  | 'events_behind'
  | 'diverged';

/** A custom error a contract reverted with, decoded. */
export interface Revert {
  name: string;
  args: readonly unknown[];
}

/** A chain operation that failed, with a code and a human reason. */
export class ChainError extends Error {
  constructor(
    readonly code: ChainErrorCode,
    message: string,
    readonly revert?: Revert,
  ) {
    super(message);
    this.name = 'ChainError';
  }
}

/** `applyBatch` reverted `BadSequence`: the contract expected batch `expected`, we sent `got`. */
export class BadSequenceError extends ChainError {
  constructor(
    readonly expected: number,
    readonly got: number,
  ) {
    super('reverted', `the contract expects batch ${expected}, not ${got}`, { name: 'BadSequence', args: [expected, got] });
    this.name = 'BadSequenceError';
  }
}

/** A batch the chain applied. */
export interface AppliedBatch {
  txHash: Hash;
  blockNumber: number;
  gasUsed: bigint;
}

/**
 * What a contract holds under one batch sequence, compared with the batch this tracker persisted
 * under it: `ours` when the transaction that applied it came from this tracker's account, to the
 * contract, with exactly this batch's calldata; otherwise, when the node shows that transaction
 * (`seen`), why it is not ours. Unseen, the node returns no `BatchApplied(sequence)` event: its
 * logs may lag its state (a load-balanced RPC, an indexer behind), which proves nothing either way.
 */
export type LandedBatch =
  | { ours: true; txHash: Hash; blockNumber: number }
  | { ours: false; seen: true; txHash: Hash; sender: Address; reason: string }
  | { ours: false; seen: false; reason: string };

/** A user's record held by one Reputation contract itself (no referrer fallback). */
export interface LocalRecord {
  found: boolean;
  uploaded: bigint;
  downloaded: bigint;
  publicKey: Hex;
}

/** The innermost message of an error's cause chain (`connect ECONNREFUSED ...` rather than `fetch failed`). */
function rootMessage(error: unknown): string {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

/** The decoded custom error `error` carries, if a contract reverted. */
export function revertOf(error: unknown): Revert | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) return undefined;
  return { name: reverted.data?.errorName ?? reverted.reason ?? 'unknown', args: reverted.data?.args ?? [] };
}

/** `error` as a {@link ChainError}; `what` names the operation in the message. */
export function toChainError(error: unknown, what: string): ChainError {
  if (error instanceof ChainError) return error;
  if (error instanceof ReceiptTimeoutError) return new ChainError('receipt_timeout', `${what}: ${error.message}`);
  if (error instanceof TransactionRevertedError) {
    return new ChainError('reverted', `${what} reverted on chain (tx ${error.hash}, block ${error.blockNumber})`);
  }
  const revert = revertOf(error);
  if (revert !== undefined) {
    if (revert.name === 'BadSequence') {
      const [expected, got] = revert.args as [bigint, bigint];
      return new BadSequenceError(Number(expected), Number(got));
    }
    const args = revert.args.map((arg) => String(arg)).join(', ');
    return new ChainError('reverted', `${what} reverted: ${revert.name}(${args})`, revert);
  }
  if (error instanceof BaseError) {
    const unavailable = error.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError) !== null;
    const reason = unavailable ? rootMessage(error) : error.shortMessage;
    return new ChainError(unavailable ? 'rpc_unavailable' : 'rpc_error', `${what}: ${reason}`);
  }
  return new ChainError('rpc_error', `${what}: ${rootMessage(error)}`);
}

/** The tracker's account on one chain, acting on its Reputation contract and the factory. */
export class ReputationChain {
  private writes: Promise<unknown> = Promise.resolve();
  private readonly transactor: Transactor;

  constructor(
    private readonly clients: ChainClients,
    receiptTimeoutMs = RECEIPT_TIMEOUT_MS,
  ) {
    this.transactor = new Transactor(clients, receiptTimeoutMs);
  }

  /** The tracker's chain address (the contract owner). */
  get account(): Address {
    return this.clients.walletClient.account.address;
  }

  /** Resolves when the node answers at all. */
  async ping(): Promise<void> {
    await this.call('eth_blockNumber', () => this.clients.publicClient.getBlockNumber());
  }

  /** Whether `address` holds contract code. */
  async hasCode(address: Address): Promise<boolean> {
    const code = await this.call(`eth_getCode(${address})`, () => this.clients.publicClient.getCode({ address }));
    return code !== undefined && code !== '0x';
  }

  /** The last batch sequence `contract` applied. */
  async lastSequence(contract: Address): Promise<number> {
    const last = await this.call('lastSequence()', () =>
      this.clients.publicClient.readContract({ address: contract, abi: reputationAbi, functionName: 'lastSequence' }),
    );
    return Number(last);
  }

  /** Sends batch `sequence` and waits for its receipt; throws {@link BadSequenceError} when the contract expects another. */
  applyBatch(contract: Address, sequence: number, args: BatchArgs): Promise<AppliedBatch> {
    return this.serial(`applyBatch(${sequence})`, async () => {
      const { hash, receipt } = await this.transactor.write({
        address: contract,
        abi: reputationAbi,
        functionName: 'applyBatch',
        args: [BigInt(sequence), args.registrations, args.updates],
      });
      // A call to an address without code succeeds too: only the event proves the contract applied it.
      const applied = parseEventLogs({ abi: reputationAbi, eventName: 'BatchApplied', logs: receipt.logs }).some(
        (log) => isAddressEqual(log.address, contract) && log.args.sequence === BigInt(sequence),
      );
      if (!applied) {
        throw new ChainError('no_code', `applyBatch(${sequence}) tx ${hash} applied nothing: no Reputation contract at ${contract}`);
      }
      return { txHash: hash, blockNumber: Number(receipt.blockNumber), gasUsed: receipt.gasUsed };
    });
  }

  /**
   * Checks that batch `sequence` of `contract` is the one this tracker sent with `args`: the
   * contract's `BatchApplied(sequence)` event leads to the transaction, whose sender, target and
   * calldata must be this tracker's. A sender alone proves nothing on a node where anyone can
   * impersonate any account (Anvil's cheat methods), so the calldata is compared too. Events are
   * read from `fromBlock` (the contract's creation block): a long chain is not scanned from
   * genesis, and a provider limiting log ranges is asked for less.
   */
  async landedBatch(contract: Address, sequence: number, args: BatchArgs, fromBlock: number): Promise<LandedBatch> {
    const logs = await this.call(`BatchApplied(${sequence}) events`, () =>
      this.clients.publicClient.getContractEvents({
        address: contract,
        abi: reputationAbi,
        eventName: 'BatchApplied',
        args: { sequence: BigInt(sequence) },
        fromBlock: BigInt(fromBlock),
        toBlock: 'latest',
        strict: true,
      }),
    );
    // The latest one set the contract's state (earlier ones only if its storage was rewritten).
    const log = logs.at(-1);
    if (log === undefined || log.transactionHash === null) {
      return { ours: false, seen: false, reason: `the node returns no BatchApplied(${sequence}) event of ${contract}` };
    }
    const hash = log.transactionHash;
    const tx = await this.call(`eth_getTransactionByHash(${hash})`, () => this.clients.publicClient.getTransaction({ hash }));
    const calldata = encodeFunctionData({
      abi: reputationAbi,
      functionName: 'applyBatch',
      args: [BigInt(sequence), args.registrations, args.updates],
    });
    const sender = getAddress(tx.from);
    const problems: string[] = [];
    if (!isAddressEqual(sender, this.account)) problems.push(`its sender ${sender} is not this tracker's account ${this.account}`);
    if (tx.to === null || !isAddressEqual(tx.to, contract)) problems.push(`it went to ${tx.to ?? 'no address'}, not to ${contract}`);
    if (tx.input !== calldata) problems.push(`its contents are not this tracker's batch ${sequence}`);
    if (problems.length > 0) return { ours: false, seen: true, txHash: hash, sender, reason: `tx ${hash}: ${problems.join('; ')}` };
    return { ours: true, txHash: hash, blockNumber: Number(log.blockNumber) };
  }

  /** Whether this tracker's account owns `contract` (`owner()`), the only account its writes accept. */
  async ownsContract(contract: Address): Promise<boolean> {
    const owner = await this.call('owner()', () =>
      this.clients.publicClient.readContract({ address: contract, abi: reputationAbi, functionName: 'owner' }),
    );
    return isAddressEqual(owner, this.account);
  }

  /** Deploys a ReputationFactory from the tracker's account. */
  deployFactory(): Promise<Address> {
    return this.serial('deploying the ReputationFactory', () => deployFactory(this.transactor));
  }

  /** Creates the tracker's Reputation contract through `factory`. */
  createReputation(factory: Address, options: CreateReputationOptions): Promise<CreatedReputation> {
    return this.serial('createReputation', () => createReputation(this.transactor, factory, options));
  }

  /** The referrer `contract` falls back to, or null. */
  async referrerOf(contract: Address): Promise<Address | null> {
    const referrer = await this.call('referrer()', () =>
      this.clients.publicClient.readContract({ address: contract, abi: reputationAbi, functionName: 'referrer' }),
    );
    return isAddressEqual(referrer, zeroAddress) ? null : referrer;
  }

  /** User `userId`'s record in `contract` itself. */
  async localRecord(contract: Address, userId: string): Promise<LocalRecord> {
    const id = userKey(userId);
    const read = { address: contract, abi: reputationAbi } as const;
    const [[uploaded, downloaded, found], [publicKey]] = await this.call('reading a user record', () =>
      Promise.all([
        this.clients.publicClient.readContract({ ...read, functionName: 'localReputationOf', args: [id] }),
        this.clients.publicClient.readContract({ ...read, functionName: 'localPublicKeyOf', args: [id] }),
      ]),
    );
    return { found, uploaded, downloaded, publicKey };
  }

  /** Copies user `userId` from the referrer into `contract` (`migrateUser`); resolves with the transaction. */
  migrateUser(contract: Address, userId: string): Promise<Hash> {
    return this.serial(`migrateUser(${userId})`, async () => {
      const { hash, receipt } = await this.transactor.write({
        address: contract,
        abi: reputationAbi,
        functionName: 'migrateUser',
        args: [userKey(userId)],
      });
      const migrated = parseEventLogs({ abi: reputationAbi, eventName: 'UserMigrated', logs: receipt.logs }).filter((log) =>
        isAddressEqual(log.address, contract),
      );
      if (migrated.length !== 1) {
        throw new ChainError('no_code', `migrateUser(${userId}) tx ${hash} migrated nothing: no Reputation contract at ${contract}`);
      }
      return hash;
    });
  }

  /** One read, its failure as a {@link ChainError}. */
  private async call<T>(what: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw toChainError(error, what);
    }
  }

  /** Runs `write` after every earlier write: one nonce at a time. */
  private serial<T>(what: string, write: () => Promise<T>): Promise<T> {
    const run = this.writes.then(() => this.call(what, write));
    this.writes = run.catch(() => undefined);
    return run;
  }
}
