/**
 * Deploys the ReputationFactory and creates Reputation contracts through it, checking every
 * receipt's status (a reverted transaction is an error, never a success).
 * @module
 */
import {
  type Account,
  type Address,
  type Chain,
  type Hash,
  type Hex,
  type PublicClient,
  type Transport,
  type TransactionReceipt,
  type WalletClient,
  isAddressEqual,
  parseEventLogs,
  zeroAddress,
  zeroHash,
} from 'viem';
import { reputationFactoryAbi, reputationFactoryBytecode } from './contracts.ts';

/** A wallet client whose account signs the transactions. */
export type SigningWalletClient = WalletClient<Transport, Chain | undefined, Account>;

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
  gasUsed: bigint;
}

async function successfulReceipt(publicClient: PublicClient, hash: Hash, what: string): Promise<TransactionReceipt> {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new Error(`${what} reverted (tx ${hash}, block ${receipt.blockNumber})`);
  return receipt;
}

/** Deploys a ReputationFactory from the wallet's account and returns its address. */
export async function deployFactory(walletClient: SigningWalletClient, publicClient: PublicClient): Promise<Address> {
  const hash = await walletClient.deployContract({
    abi: reputationFactoryAbi,
    bytecode: reputationFactoryBytecode,
    account: walletClient.account,
    chain: walletClient.chain,
  });
  const receipt = await successfulReceipt(publicClient, hash, 'ReputationFactory deployment');
  if (!receipt.contractAddress) throw new Error(`ReputationFactory deployment ${hash} created no contract`);
  return receipt.contractAddress;
}

/** Creates a Reputation contract owned by the wallet's account through `factory`. */
export async function createReputation(
  walletClient: SigningWalletClient,
  publicClient: PublicClient,
  factory: Address,
  { referrer = zeroAddress, attestationHash = zeroHash }: CreateReputationOptions = {},
): Promise<CreatedReputation> {
  const txHash = await walletClient.writeContract({
    address: factory,
    abi: reputationFactoryAbi,
    functionName: 'createReputation',
    args: [referrer, attestationHash],
    account: walletClient.account,
    chain: walletClient.chain,
  });
  const receipt = await successfulReceipt(publicClient, txHash, 'createReputation');
  const [created] = parseEventLogs({
    abi: reputationFactoryAbi,
    eventName: 'ReputationCreated',
    logs: receipt.logs.filter((log) => isAddressEqual(log.address, factory)),
  });
  if (!created) throw new Error(`createReputation ${txHash} emitted no ReputationCreated event`);
  return { address: created.args.reputation, txHash, gasUsed: receipt.gasUsed };
}
