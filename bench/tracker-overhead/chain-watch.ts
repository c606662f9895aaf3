/**
 * Watches a tracker's Reputation contract for the moment a credit is on chain: the
 * `BatchApplied` event of the transaction that also holds the user's `UserRegistered` (a
 * registration) or a `ReputationUpdated` reaching the total the tracker answered (a report).
 * Polls the loopback node every 2 ms, within a deadline.
 * @module
 */
import { type Address, type Hex, createPublicClient, http, parseEventLogs } from 'viem';
import { POLLING_INTERVAL } from '../../src/chain/clients.ts';
import { reputationAbi, userKey } from '../../src/chain/contracts.ts';

const POLL_MS = 2;

/** The moment (Unix ms, this machine's clock) a credit was seen on chain. */
export type SeenAt = number;

const now = () => performance.timeOrigin + performance.now();

/** One contract on one node. */
export class ChainWatch {
  private readonly client;

  constructor(
    rpcUrl: string,
    private readonly contract: Address,
    private readonly deadlineMs = 30_000,
  ) {
    this.client = createPublicClient({ transport: http(rpcUrl), pollingInterval: POLLING_INTERVAL });
  }

  /** The node's current block: where a wait for a request sent after now starts looking. */
  blockNumber(): Promise<bigint> {
    return this.client.getBlockNumber({ cacheTime: 0 });
  }

  /** Waits until `userId` is registered on chain. */
  registered(userId: string, fromBlock: bigint): Promise<SeenAt> {
    const id = userKey(userId);
    return this.until(`registration of ${userId}`, fromBlock, (logs) => logs.some((l) => l.eventName === 'UserRegistered' && l.args.id === id));
  }

  /** Waits until `userId`'s on-chain upload total reaches `uploaded`. */
  credited(userId: string, uploaded: number, fromBlock: bigint): Promise<SeenAt> {
    const id = userKey(userId);
    return this.until(`credit of ${userId} to ${uploaded} bytes`, fromBlock, (logs) =>
      logs.some((l) => l.eventName === 'ReputationUpdated' && l.args.id === id && l.args.uploaded >= BigInt(uploaded)),
    );
  }

  /** Polls the contract's logs from `fromBlock` until a transaction's logs match and carry its BatchApplied. */
  private async until(
    what: string,
    fromBlock: bigint,
    matches: (logs: ReturnType<typeof parseEventLogs<typeof reputationAbi>>) => boolean,
  ): Promise<SeenAt> {
    const deadline = Date.now() + this.deadlineMs;
    while (Date.now() < deadline) {
      const raw = await this.client.getLogs({ address: this.contract, fromBlock, toBlock: 'latest' });
      const byTx = new Map<Hex, typeof raw>();
      for (const log of raw) byTx.set(log.transactionHash!, [...(byTx.get(log.transactionHash!) ?? []), log]);
      for (const logs of byTx.values()) {
        const parsed = parseEventLogs({ abi: reputationAbi, logs });
        if (parsed.some((l) => l.eventName === 'BatchApplied') && matches(parsed)) return now();
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw new Error(`no BatchApplied with the ${what} within ${this.deadlineMs} ms`);
  }
}
