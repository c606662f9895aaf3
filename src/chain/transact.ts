/**
 * The one way this project sends a transaction and waits for it to be mined: prepared by the node
 * (eth_fillTransaction: gas estimate, which refuses a call that would revert, nonce and fees),
 * signed in-process, then sent with EIP-7966 `eth_sendRawTransactionSync`, which answers with the
 * mined receipt in the same round trip. A node without that method (or one whose block does not
 * come within its wait) is polled for the receipt instead, starting at once and backing off to
 * {@link POLLING_INTERVAL}: polling at a fixed interval made a local chain's transactions wait for
 * the timer rather than for the chain.
 * @module
 */
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type EncodeFunctionDataParameters,
  type Hash,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type TransactionSerializable,
  type Transport,
  type WalletClient,
  BaseError,
  MethodNotFoundRpcError,
  MethodNotSupportedRpcError,
  RpcRequestError,
  TimeoutError,
  TransactionReceiptNotFoundError,
  encodeFunctionData,
  formatTransactionReceipt,
  getContractError,
  keccak256,
} from 'viem';
import { POLLING_INTERVAL } from './clients.ts';

/** A wallet client whose account signs the transactions. */
export type SigningWalletClient = WalletClient<Transport, Chain | undefined, Account>;

/** The clients a {@link Transactor} uses: the wallet's account signs, the public client reads receipts. */
export interface TransactorClients {
  publicClient: PublicClient<Transport, Chain | undefined>;
  walletClient: SigningWalletClient;
}

/** Longest wait for a transaction's receipt (ms) before it counts as failed. */
export const RECEIPT_TIMEOUT_MS = 30_000;

/** EIP-7966's error code for "not included within the wait": the transaction was accepted. */
const SYNC_WAIT_EXPIRED = 4;

/** What to send: a call (`to` set) or a contract creation (`to` absent, `data` the init code). */
interface TransactionRequest {
  to?: Address;
  data: Hex;
}

/** A state-changing contract call, typed by its ABI as viem's writeContract takes it. */
export interface ContractWrite<
  abi extends Abi,
  functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
  args extends ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>,
> {
  address: Address;
  abi: abi;
  functionName: functionName;
  args: args;
}

/**
 * Milliseconds of a transaction's phases: `prepare` (ABI encoding and eth_fillTransaction),
 * `sign` (RLP, keccak, secp256k1 in-process), `send` (the node accepts it; with
 * eth_sendRawTransactionSync also executes, mines and returns the receipt), `receipt` (polling
 * after a plain send; zero when the send returned the receipt).
 */
export interface TransactionPhases {
  prepare: number;
  sign: number;
  send: number;
  receipt: number;
}

/** A transaction mined successfully: its receipt and its phases. */
export interface Transacted {
  hash: Hash;
  receipt: TransactionReceipt;
  phases: TransactionPhases;
}

/** A transaction mined, but reverted (a receipt with status `reverted`). */
export class TransactionRevertedError extends Error {
  constructor(
    readonly hash: Hash,
    readonly blockNumber: bigint,
    what: string,
  ) {
    super(`${what} reverted (tx ${hash}, block ${blockNumber})`);
    this.name = 'TransactionRevertedError';
  }
}

/** A transaction sent but without a receipt within the wait. */
export class ReceiptTimeoutError extends Error {
  constructor(
    readonly hash: Hash,
    readonly timeoutMs: number,
  ) {
    super(`no receipt for tx ${hash} within ${timeoutMs} ms`);
    this.name = 'ReceiptTimeoutError';
  }
}

/** Sends transactions from one account and waits for them to be mined. Not safe for concurrent use: callers serialize (one nonce at a time). */
export class Transactor {
  /** Whether the node has eth_sendRawTransactionSync; unknown until the first send. */
  private syncSend: boolean | undefined;

  constructor(
    private readonly clients: TransactorClients,
    private readonly receiptTimeoutMs = RECEIPT_TIMEOUT_MS,
  ) {}

  /** Whether sends return the mined receipt in one round trip (null before the first send). */
  get sendsSynchronously(): boolean | null {
    return this.syncSend ?? null;
  }

  /**
   * Calls `call.functionName` and resolves once it is mined successfully. A call the node refuses
   * to prepare (it would revert) throws viem's contract error with the decoded custom error, as
   * writeContract does, and nothing is sent; see {@link Transactor.transact} for the rest.
   */
  write<
    const abi extends Abi,
    functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
    const args extends ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>,
  >(call: ContractWrite<abi, functionName, args>): Promise<Transacted> {
    const { address, abi, functionName, args } = call;
    const start = performance.now();
    const data = encodeFunctionData({ abi, functionName, args } as EncodeFunctionDataParameters);
    return this.transact({ to: address, data }, start, functionName, (error) =>
      getContractError(error as BaseError, {
        abi,
        address,
        args,
        functionName,
        sender: this.clients.walletClient.account.address,
      }),
    );
  }

  /** Deploys `bytecode` (constructor without arguments); `what` names it in errors. */
  deploy(bytecode: Hex, what = 'contract deployment'): Promise<Transacted> {
    return this.transact({ data: bytecode }, performance.now(), what, (error) => error);
  }

  /**
   * Prepares, signs and sends `request`; resolves once it is mined successfully. Throws
   * `refused(error)` when the node refuses to prepare it (nothing was sent),
   * {@link TransactionRevertedError} when it is mined but reverted (`what` names it),
   * {@link ReceiptTimeoutError} when it is not mined in time, and viem's error when the node
   * refuses the signed transaction or cannot be reached.
   */
  private async transact(
    request: TransactionRequest,
    start: number,
    what: string,
    refused: (error: unknown) => unknown,
  ): Promise<Transacted> {
    const { walletClient } = this.clients;
    const prepared = await walletClient
      .prepareTransactionRequest({ to: request.to, data: request.data, chain: walletClient.chain, account: walletClient.account })
      .catch((error: unknown) => {
        throw refused(error);
      });
    const preparedAt = performance.now();
    const account = walletClient.account;
    // A local key signs directly (walletClient.signTransaction would first ask the node for its chain id).
    const serializedTransaction =
      account.type === 'local' && account.signTransaction
        ? await account.signTransaction(prepared as TransactionSerializable)
        : await walletClient.signTransaction(prepared as Parameters<typeof walletClient.signTransaction>[0]);
    const hash = keccak256(serializedTransaction);
    const signedAt = performance.now();
    let receipt = await this.send(serializedTransaction);
    const sentAt = performance.now();
    receipt ??= await this.poll(hash);
    const minedAt = performance.now();
    if (receipt.status !== 'success') throw new TransactionRevertedError(hash, receipt.blockNumber, what);
    return {
      hash,
      receipt,
      phases: { prepare: preparedAt - start, sign: signedAt - preparedAt, send: sentAt - signedAt, receipt: minedAt - sentAt },
    };
  }

  /** Sends a signed transaction; resolves with its receipt when the node returned it, else null. */
  private async send(serializedTransaction: Hex): Promise<TransactionReceipt | null> {
    const { walletClient } = this.clients;
    if (this.syncSend !== false) {
      try {
        const raw = await walletClient.request(
          { method: 'eth_sendRawTransactionSync', params: [serializedTransaction] },
          { retryCount: 0 },
        );
        this.syncSend = true;
        return formatTransactionReceipt(raw as Parameters<typeof formatTransactionReceipt>[0]);
      } catch (error) {
        if (this.syncSend === undefined && methodMissing(error)) {
          this.syncSend = false;
        } else if (syncWaitExpired(error)) {
          // Accepted but not mined within the node's (or our request's) wait: poll for it.
          return null;
        } else {
          throw error;
        }
      }
    }
    await walletClient.sendRawTransaction({ serializedTransaction });
    return null;
  }

  /** Polls for the receipt of `hash`: at once, then backing off from 1 ms to the polling interval. */
  private async poll(hash: Hash): Promise<TransactionReceipt> {
    const deadline = Date.now() + this.receiptTimeoutMs;
    for (let wait = 1; ; wait = Math.min(wait * 2, POLLING_INTERVAL)) {
      try {
        return await this.clients.publicClient.getTransactionReceipt({ hash });
      } catch (error) {
        if (!(error instanceof TransactionReceiptNotFoundError)) throw error;
      }
      if (Date.now() > deadline) throw new ReceiptTimeoutError(hash, this.receiptTimeoutMs);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** Whether the node says it has no such method (JSON-RPC -32601, or -32004 "not supported"). */
function methodMissing(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false;
  return error.walk((e) => e instanceof MethodNotFoundRpcError || e instanceof MethodNotSupportedRpcError) !== null;
}

/** Whether a synchronous send ended without a receipt although the node took the transaction. */
function syncWaitExpired(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false;
  return (
    error.walk((e) => e instanceof TimeoutError || (e instanceof RpcRequestError && e.code === SYNC_WAIT_EXPIRED)) !== null
  );
}
