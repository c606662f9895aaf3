/**
 * viem clients for the tracker's chain: a public client for reads and receipts and a wallet
 * client signing as the tracker's chain account. The account is an input (a configured private
 * key today, a TEE-derived key later); the key itself is never logged or echoed in errors.
 * @module
 */
import {
  type Account,
  type Chain,
  type Hex,
  type HttpTransport,
  type PublicClient,
  type WalletClient,
  createPublicClient,
  createWalletClient,
  http,
} from 'viem';
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';

/** viem polls this often (ms): on a local chain its 4 s default would make every receipt wait. */
export const POLLING_INTERVAL = 10;

/** Longest a single JSON-RPC request may take before it counts as an RPC failure (ms). */
export const RPC_TIMEOUT_MS = 10_000;

/** Public and wallet clients bound to one RPC URL and one signing account. */
export interface ChainClients {
  publicClient: PublicClient<HttpTransport, Chain | undefined>;
  walletClient: WalletClient<HttpTransport, Chain | undefined, Account>;
}

/** Options of {@link createChainClients}. */
export interface ChainClientOptions {
  /** The chain, when known (the embedded Anvil is `foundry`); otherwise viem asks the node for its id. */
  chain?: Chain;
  /** Per-request timeout in ms; default {@link RPC_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/**
 * Clients for `rpcUrl` signing as `account`. Requests are not retried by viem: the sync retries
 * with its own capped backoff and must see a failure at once to report it.
 */
export function createChainClients(rpcUrl: string, account: Account, options: ChainClientOptions = {}): ChainClients {
  const transport = http(rpcUrl, { retryCount: 0, timeout: options.timeoutMs ?? RPC_TIMEOUT_MS });
  const common = { chain: options.chain, transport, pollingInterval: POLLING_INTERVAL };
  return {
    publicClient: createPublicClient(common),
    walletClient: createWalletClient({ ...common, account }),
  };
}

/**
 * Parses a secp256k1 private key given as 64 hex digits (with or without `0x`). The error never
 * contains the text, which may be a real key with a typo.
 */
export function parseChainKey(text: string): Hex {
  const trimmed = text.trim();
  const digits = trimmed.startsWith('0x') || trimmed.startsWith('0X') ? trimmed.slice(2) : trimmed;
  if (!/^[0-9a-fA-F]{64}$/.test(digits)) {
    throw new Error(`the chain key must be 64 hex digits (32 bytes), optionally prefixed by 0x; got ${digits.length} characters`);
  }
  return `0x${digits.toLowerCase()}`;
}

/** The chain account of a private key given as text (see {@link parseChainKey}). */
export function chainAccountFromKey(text: string): PrivateKeyAccount {
  const key = parseChainKey(text);
  try {
    return privateKeyToAccount(key);
  } catch {
    // viem's message would quote the key.
    throw new Error('the chain key is not a valid secp256k1 private key');
  }
}
