/**
 * What the on-chain experiment sends: a funded account of its own on the chain under test, the
 * Reputation contracts it owns, and their transactions, each sent and awaited to its mined
 * receipt, whose status is checked (a revert throws, so the benchmark fails).
 * @module
 */
import { type Address, type Hex, bytesToHex, isAddress } from 'viem';
import { type ChainClients, fundedClients } from '../../fixtures/anvil.ts';
import { INITIAL_CREDIT } from '../../src/bench/experiments/onchain/options.ts';
import type { Registration, Update } from '../../src/chain/batch.ts';
import { reputationAbi } from '../../src/chain/contracts.ts';
import { createReputation } from '../../src/chain/deploy.ts';
import { toChainError } from '../../src/chain/reputation.ts';
import { type Transacted, Transactor } from '../../src/chain/transact.ts';
import { getBackend, keyPairFromSeed } from '../../src/receipts/index.ts';

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

/** A Reputation contract owned by the bench account, with its batch sequence kept locally. */
export class ReputationWriter {
  private sequence = 0n;

  private constructor(
    private readonly transactor: Transactor,
    readonly address: Address,
  ) {}

  /** Creates a Reputation through `factory` (referring to `referrer` when given); returns it and the gas used. */
  static async create(
    clients: ChainClients,
    factory: Address,
    referrer?: Address,
  ): Promise<{ writer: ReputationWriter; gasUsed: bigint }> {
    const transactor = new Transactor(clients);
    const created = await createReputation(transactor, factory, { referrer });
    return { writer: new ReputationWriter(transactor, created.address), gasUsed: created.gasUsed };
  }

  /**
   * Applies the next batch (sequence `lastSequence + 1`); resolves with its mined, successful
   * receipt and the time of each phase.
   */
  async applyBatch(registrations: readonly Registration[], updates: readonly Update[]): Promise<Transacted> {
    const sequence = this.sequence + 1n;
    const sent = await this.send(
      this.transactor.write({ address: this.address, abi: reputationAbi, functionName: 'applyBatch', args: [sequence, registrations, updates] }),
      `applyBatch #${sequence} (${registrations.length} registrations, ${updates.length} updates)`,
    );
    this.sequence = sequence;
    return sent;
  }

  /** Copies user `id` from the referrer (owner only); resolves with the successful receipt. */
  migrateUser(id: Hex): Promise<Transacted> {
    return this.send(
      this.transactor.write({ address: this.address, abi: reputationAbi, functionName: 'migrateUser', args: [id] }),
      `migrateUser ${id}`,
    );
  }

  /**
   * Sends through the same {@link Transactor} as the tracker's chain sync, so the phases it times
   * are the sync's; a call that would revert, or a mined revert, fails the benchmark with the
   * sync's own reason (the contract's custom error, decoded).
   */
  private send(write: Promise<Transacted>, what: string): Promise<Transacted> {
    return write.catch((error: unknown) => {
      throw toChainError(error, what);
    });
  }
}
