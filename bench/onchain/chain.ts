/**
 * What the on-chain experiment sends: a funded account of its own on the chain under test, the
 * Reputation contracts it owns, and their transactions, each sent and awaited to its mined
 * receipt, whose status is checked (a revert throws, so the benchmark fails).
 * @module
 */
import {
  type Address,
  type Hex,
  type LocalAccount,
  type TransactionReceipt,
  type TransactionSerializable,
  BaseError,
  TransactionReceiptNotFoundError,
  bytesToHex,
  decodeErrorResult,
  encodeFunctionData,
  isAddress,
} from 'viem';
import { type ChainClients, fundedClients } from '../../fixtures/anvil.ts';
import { INITIAL_CREDIT } from '../../src/bench/experiments/onchain.ts';
import { POLLING_INTERVAL } from '../../src/chain/clients.ts';
import { reputationAbi } from '../../src/chain/contracts.ts';
import { createReputation } from '../../src/chain/deploy.ts';
import { getBackend, keyPairFromSeed } from '../../src/receipts/index.ts';

/** A registration as `Reputation.applyBatch` takes it. */
export interface Registration {
  userId: string;
  publicKey: Hex;
  uploaded: bigint;
}

/** An update as `Reputation.applyBatch` takes it. */
export interface Update {
  id: Hex;
  uploadedDelta: bigint;
  downloadedDelta: bigint;
}

/** The amounts one update adds: a 256 KiB piece uploaded and one downloaded (non-zero bytes in calldata, as in use). */
export const PIECE = 262_144n;

/** Clients signing as a fresh account funded on the chain at `rpcUrl` (Anvil's `anvil_setBalance`). */
export async function benchClients(rpcUrl: string): Promise<ChainClients> {
  try {
    return await fundedClients(rpcUrl);
  } catch (error) {
    throw new Error(
      `cannot fund a bench account on ${rpcUrl} (the chain must be an Anvil node, reachable): ${(error as Error).message}`,
    );
  }
}

/** Throws unless `factory` holds code on the chain (a wrong `--factory` fails here, not mid-run). */
export async function checkFactory(clients: ChainClients, factory: string): Promise<Address> {
  if (!isAddress(factory, { strict: false })) throw new Error(`factory "${factory}" is not an address`);
  const code = await clients.publicClient.getCode({ address: factory });
  if (code === undefined || code === '0x') throw new Error(`no contract at factory address ${factory}`);
  return factory;
}

/** What the node says about itself: version and automine (null when it does not say). */
export async function describeNode(
  clients: ChainClients,
): Promise<{ chainId: number; clientVersion: string | null; automine: boolean | null }> {
  const chainId = await clients.publicClient.getChainId();
  const clientVersion = await clients.publicClient.request({ method: 'web3_clientVersion' }).catch(() => null);
  const automine = await clients.testClient.getAutomine().catch(() => null);
  return { chainId, clientVersion: typeof clientVersion === 'string' ? clientVersion : null, automine };
}

/** `count` registrations `<prefix>-<i>` with real BLS public keys (48 bytes) and the tracker's initial credit. */
export function registrations(prefix: string, count: number): Registration[] {
  const bls = getBackend('blst');
  return Array.from({ length: count }, (_, i) => ({
    userId: `${prefix}-${i}`,
    publicKey: bytesToHex(keyPairFromSeed(bls, `onchain-${prefix}`, i).publicKey),
    uploaded: INITIAL_CREDIT,
  }));
}

/** An update of user `id` by one piece each way. */
export function updateOf(id: Hex): Update {
  return { id, uploadedDelta: PIECE, downloadedDelta: PIECE };
}

/** Milliseconds of one transaction's phases (see {@link ReputationWriter}). */
export interface Phases {
  prepare: number;
  sign: number;
  send: number;
  receipt: number;
}

/** A Reputation contract owned by the bench account, with its batch sequence kept locally. */
export class ReputationWriter {
  private sequence = 0n;
  /** The key that signs, used directly as viem's sendTransaction does (walletClient.signTransaction adds an eth_chainId). */
  private readonly signer: LocalAccount;

  private constructor(
    private readonly clients: ChainClients,
    readonly address: Address,
  ) {
    const account = clients.walletClient.account;
    if (account.type !== 'local') throw new Error('the on-chain bench signs with a local key');
    this.signer = account;
  }

  /** Creates a Reputation through `factory` (referring to `referrer` when given); returns it and the gas used. */
  static async create(
    clients: ChainClients,
    factory: Address,
    referrer?: Address,
  ): Promise<{ writer: ReputationWriter; gasUsed: bigint }> {
    const created = await createReputation(clients.walletClient, clients.publicClient, factory, { referrer });
    return { writer: new ReputationWriter(clients, created.address), gasUsed: created.gasUsed };
  }

  /**
   * Applies the next batch (sequence `lastSequence + 1`); resolves with its mined, successful
   * receipt and the time of each phase.
   */
  async applyBatch(registrations: readonly Registration[], updates: readonly Update[]): Promise<Sent> {
    const sequence = this.sequence + 1n;
    const sent = await this.send(
      () => encodeFunctionData({ abi: reputationAbi, functionName: 'applyBatch', args: [sequence, registrations, updates] }),
      `applyBatch #${sequence} (${registrations.length} registrations, ${updates.length} updates)`,
    );
    this.sequence = sequence;
    return sent;
  }

  /** Copies user `id` from the referrer (owner only); resolves with the successful receipt. */
  migrateUser(id: Hex): Promise<Sent> {
    return this.send(() => encodeFunctionData({ abi: reputationAbi, functionName: 'migrateUser', args: [id] }), `migrateUser ${id}`);
  }

  /**
   * What the tracker's chain sync does (viem's writeContract requests, then the receipt fetched
   * as `ReputationChain` fetches it), in four timed phases so the report can say where the time
   * goes: encoding and eth_fillTransaction (gas estimate, which also refuses a call that would
   * revert, nonce and fees in one request); signing; eth_sendRawTransaction (automine executes
   * and mines it here); the mined receipt, whose status is checked.
   */
  private async send(encode: () => Hex, what: string): Promise<Sent> {
    const { publicClient, walletClient } = this.clients;
    const start = performance.now();
    const request = await walletClient
      .prepareTransactionRequest({ to: this.address, data: encode() })
      .catch((error: unknown) => {
        throw new Error(`${what} would revert: ${revertReason(error)}`, { cause: error });
      });
    const prepared = performance.now();
    const serializedTransaction = await this.signer.signTransaction(request as TransactionSerializable);
    const signed = performance.now();
    const hash = await walletClient.sendRawTransaction({ serializedTransaction });
    const sent = performance.now();
    const receipt = await receiptOf(publicClient, hash);
    const mined = performance.now();
    if (receipt.status !== 'success') throw new Error(`${what} reverted (tx ${hash}, block ${receipt.blockNumber})`);
    return {
      receipt,
      phases: { prepare: prepared - start, sign: signed - prepared, send: sent - signed, receipt: mined - sent },
    };
  }
}

/** The contract's custom error in a failed gas estimate, decoded with the Reputation ABI, else viem's message. */
function revertReason(error: unknown): string {
  if (!(error instanceof BaseError)) return String(error);
  const withData = error.walk((cause) => typeof (cause as { data?: unknown }).data === 'string') as { data?: Hex } | null;
  if (withData?.data) {
    try {
      const decoded = decodeErrorResult({ abi: reputationAbi, data: withData.data });
      return `${decoded.errorName}(${(decoded.args ?? []).map(String).join(', ')})`;
    } catch {
      // Not one of the contract's errors: viem's message says what is known.
    }
  }
  return error.shortMessage;
}

/** A mined, successful transaction and the time of its phases. */
export interface Sent {
  receipt: TransactionReceipt;
  phases: Phases;
}

/**
 * The receipt of `hash`, asked for at once and then every polling interval, as the tracker's
 * `ReputationChain` does (viem's waiter first watches block numbers: one more request per call).
 */
async function receiptOf(publicClient: ChainClients['publicClient'], hash: Hex): Promise<TransactionReceipt> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await publicClient.getTransactionReceipt({ hash });
    } catch (error) {
      if (!(error instanceof TransactionReceiptNotFoundError) || Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, POLLING_INTERVAL));
  }
}
