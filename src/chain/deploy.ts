/**
 * Deploys the ReputationFactory and creates Reputation contracts through it (a reverted
 * transaction is the {@link Transactor}'s error, never a success).
 * @module
 */
import { type Address, type Hash, type Hex, isAddressEqual, parseEventLogs, zeroAddress, zeroHash } from 'viem';
import { reputationFactoryAbi, reputationFactoryBytecode } from './contracts.ts';
import type { Transactor } from './transact.ts';

/** Options of {@link createReputation}. */
export interface CreateReputationOptions {
  /** A Reputation contract created by the same factory to fall back to (default: none). */
  referrer?: Address;
  /** Commitment to the creator's TEE attestation (default: zero). */
  attestationHash?: Hex;
}

/** A Reputation contract just created. */
export interface CreatedReputation {
  address: Address;
  txHash: Hash;
  /** The block it was created in: none of its events is older. */
  blockNumber: number;
  gasUsed: bigint;
}

/** Deploys a ReputationFactory from the transactor's account and returns its address. */
export async function deployFactory(transactor: Transactor): Promise<Address> {
  const { hash, receipt } = await transactor.deploy(reputationFactoryBytecode, 'ReputationFactory deployment');
  if (!receipt.contractAddress) throw new Error(`ReputationFactory deployment ${hash} created no contract`);
  return receipt.contractAddress;
}

/** Creates a Reputation contract owned by the transactor's account through `factory`. */
export async function createReputation(
  transactor: Transactor,
  factory: Address,
  { referrer = zeroAddress, attestationHash = zeroHash }: CreateReputationOptions = {},
): Promise<CreatedReputation> {
  const { hash, receipt } = await transactor.write({
    address: factory,
    abi: reputationFactoryAbi,
    functionName: 'createReputation',
    args: [referrer, attestationHash],
  });
  const [created] = parseEventLogs({
    abi: reputationFactoryAbi,
    eventName: 'ReputationCreated',
    logs: receipt.logs.filter((log) => isAddressEqual(log.address, factory)),
  });
  if (!created) throw new Error(`createReputation ${hash} emitted no ReputationCreated event`);
  return { address: created.args.reputation, txHash: hash, blockNumber: Number(receipt.blockNumber), gasUsed: receipt.gasUsed };
}
