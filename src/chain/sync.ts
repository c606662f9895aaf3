/**
 * The reputation sync: a background loop that cuts outbox entries into batches (by size or age),
 * persists each batch under the next sequence number before sending it, sends `applyBatch`,
 * confirms it from its receipt, and on any failure backs off (exponentially, capped) and
 * reconciles with the contract's `lastSequence()` before going on. Request handlers never wait
 * for it: they only commit outbox entries and wake it.
 *
 * Exactly once: the contract applies batch n only after n - 1, so a re-sent batch that already
 * landed reverts `BadSequence` and is confirmed instead; a chain that lost batches (lastSequence
 * below our confirmed one) gets them again from the persisted log. A batch is only ever confirmed
 * by its own receipt or after checking that what the contract applied under its sequence is ours
 * (sender and contents): a transaction that is not ours is a divergence, shown in the status,
 * never confirmed. A node that does not show the transaction yet (its logs behind its state) is
 * neither: the batch stays unconfirmed and is checked again after the backoff.
 * @module
 */
import type { Address, Hash } from 'viem';
import type { Outbox } from '../store/index.ts';
import { type BatchArgs, batchArgs } from './batch.ts';
import { type AppliedBatch, BadSequenceError, ChainError, type LandedBatch, toChainError } from './reputation.ts';

/**
 * Largest batch: 250 registrations cost about 24M gas, under the 30M block gas limit of Anvil and
 * Ethereum; a batch that cannot fit in a block could never be applied.
 */
export const MAX_BATCH_SIZE = 250;

/** The chain operations the sync needs (a fake in unit tests, {@link ReputationChain} in the tracker). */
export interface SyncChain {
  ping(): Promise<void>;
  hasCode(address: Address): Promise<boolean>;
  lastSequence(contract: Address): Promise<number>;
  applyBatch(contract: Address, sequence: number, args: BatchArgs): Promise<AppliedBatch>;
  /** What `contract` applied under `sequence`, compared with `args`, from its events since `fromBlock` (see {@link ReputationChain.landedBatch}). */
  landedBatch(contract: Address, sequence: number, args: BatchArgs, fromBlock: number): Promise<LandedBatch>;
  /** Whether the sync's account owns `contract`. */
  ownsContract(contract: Address): Promise<boolean>;
}

/** Batching and retry settings; every field has a default. */
export interface SyncTuning {
  /** Most entries per batch; default 100, at most {@link MAX_BATCH_SIZE}. */
  batchSize?: number;
  /** Longest an entry waits for its batch to fill (ms); default 1000. */
  batchDelayMs?: number;
  /** First retry delay after a failure (ms); default 100, doubled per failure. */
  retryInitialMs?: number;
  /** Cap of the retry delay (ms); default 2000. */
  retryMaxMs?: number;
  /** How often the contract is re-checked (code, lastSequence) while nothing fails (ms); default 1000. */
  checkIntervalMs?: number;
}

/** Options of {@link ReputationSync}. */
export interface SyncOptions extends SyncTuning {
  outbox: Outbox;
  chain: SyncChain;
  /**
   * Creates the contract (recording it with `outbox.setContract`) when none is recorded or the
   * recorded one has no code: the embedded chain's self-healing. Without it the sync waits for
   * `POST /chain/init`, and a vanished contract is an error.
   */
  provision?: () => Promise<void>;
  /** Progress and recovery lines (never secrets); default none. */
  log?: (line: string) => void;
}

/** A batch the contract holds under one of this tracker's sequences that this tracker did not send. */
export interface Divergence {
  contract: Address;
  sequence: number;
  /** The transaction that applied it. */
  txHash: Hash;
  sender: Address;
  reason: string;
  /** Unix milliseconds of the first detection. */
  detectedAt: number;
}

/** What the sync knows about the chain right now. */
export interface SyncStatus {
  /** The last chain request got an answer. */
  connected: boolean;
  /** The last failure's reason, kept after recovery for the operator. */
  lastError: string | null;
  /** Unix milliseconds of `lastError`. */
  lastErrorAt: number | null;
  /** The batch the sync is stuck at because someone else's landed under its sequence; null when none. */
  divergence: Divergence | null;
}

/** The background loop; `start()` it once, `stop()` before closing the store. */
export class ReputationSync {
  private readonly outbox: Outbox;
  private readonly chain: SyncChain;
  private readonly batchSize: number;
  private readonly batchDelayMs: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly checkIntervalMs: number;
  private stopped = false;
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** What the loop is pausing for: new entries end an idle pause but never a backoff. */
  private pausing: 'idle' | 'backoff' | undefined;
  private woken = false;
  private unsubscribe: (() => void) | undefined;
  /** When the oldest queued entry was first seen (ms); undefined while none is queued. */
  private queuedSince: number | undefined;
  /** When the contract was last reconciled (ms); undefined forces a reconcile. */
  private checkedAt: number | undefined;
  private connected = false;
  private lastError: string | null = null;
  private lastErrorAt: number | null = null;
  private divergence: Divergence | null = null;
  /** The contract last found owned by our account (the embedded chain checks once per contract). */
  private ownedContract: Address | undefined;

  constructor(private readonly options: SyncOptions) {
    this.outbox = options.outbox;
    this.chain = options.chain;
    this.batchSize = options.batchSize ?? 100;
    this.batchDelayMs = options.batchDelayMs ?? 1000;
    this.retryMaxMs = options.retryMaxMs ?? 2000;
    this.retryInitialMs = Math.min(options.retryInitialMs ?? 100, this.retryMaxMs);
    this.checkIntervalMs = options.checkIntervalMs ?? 1000;
    if (!Number.isSafeInteger(this.batchSize) || this.batchSize < 1 || this.batchSize > MAX_BATCH_SIZE) {
      throw new Error(`the chain batch size must be an integer from 1 to ${MAX_BATCH_SIZE}`);
    }
    // A zero delay would retry a dead node in a tight loop.
    if (!(this.retryInitialMs >= 1) || !(this.batchDelayMs >= 0)) {
      throw new Error('chain retry delays must be at least 1 ms and the batch delay not negative');
    }
  }

  /** Starts the loop; entries queued before start are due at once. */
  start(): void {
    if (this.running) return;
    if (this.outbox.queued(1) > 0) this.queuedSince = 0;
    this.unsubscribe = this.outbox.onChange(() => this.wake());
    this.running = this.run();
  }

  /** New entries were committed: an idle loop looks at the outbox now (a backing-off one keeps backing off). */
  wake(): void {
    this.woken = true;
    if (this.pausing === 'idle') this.wakeUp?.();
  }

  /** Re-reads the contract now, even while backing off (after `POST /chain/init`, say). */
  recheck(): void {
    this.checkedAt = undefined;
    this.woken = true;
    this.wakeUp?.();
  }

  /** Connection state and the last error. */
  status(): SyncStatus {
    return { connected: this.connected, lastError: this.lastError, lastErrorAt: this.lastErrorAt, divergence: this.currentDivergence() };
  }

  /**
   * Stops the loop, waiting at most `graceMs` for a chain request in flight; a batch it leaves
   * unconfirmed is confirmed by the next start's reconcile.
   */
  async stop(graceMs = 3000): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.wakeUp?.();
    if (!this.running) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  private async run(): Promise<void> {
    let delay = this.retryInitialMs;
    while (!this.stopped) {
      let worked: boolean;
      try {
        worked = await this.step();
        delay = this.retryInitialMs;
      } catch (error) {
        if (this.stopped) return;
        this.fail(error);
        await this.pause(delay, 'backoff');
        delay = Math.min(delay * 2, this.retryMaxMs);
        continue;
      }
      if (!worked) await this.pause(this.idleMs(), 'idle');
    }
  }

  /** One unit of work; false when there was nothing to do. */
  private async step(): Promise<boolean> {
    let contract = this.outbox.state().contract as Address | null;
    if (this.checkedAt === undefined || Date.now() - this.checkedAt >= this.checkIntervalMs) {
      contract = await this.check(contract);
      if (this.stopped) return false;
    }
    if (contract === null) return false;
    const sequence = this.outbox.nextUnconfirmed() ?? this.cutIfDue();
    if (sequence === undefined) return false;
    await this.send(contract, sequence);
    return true;
  }

  /** Makes sure the contract exists (provisioning it when allowed) and reconciles with it. */
  private async check(recorded: Address | null): Promise<Address | null> {
    let contract = recorded;
    if (contract === null || !(await this.chain.hasCode(contract))) {
      if (this.options.provision === undefined) {
        if (contract !== null) {
          throw new ChainError(
            'no_code',
            `no contract code at ${contract}: the chain lost its state; ` +
              'POST /chain/init creates a new contract and re-sends every batch',
          );
        }
        // Nothing to send to until POST /chain/init; the ping keeps `connected` truthful.
        await this.chain.ping();
        this.markChecked();
        return null;
      }
      if (contract !== null) this.log(`no contract code at ${contract}: the chain lost its state; creating a new contract`);
      contract = await this.provisionContract();
    } else if (!(await this.owned(contract))) {
      this.log(`the contract ${contract} is owned by another account (created under another key); creating a new contract`);
      contract = await this.provisionContract();
    }
    await this.reconcile(contract);
    this.markChecked();
    return contract;
  }

  private async provisionContract(): Promise<Address> {
    await this.options.provision!();
    const contract = this.outbox.state().contract as Address;
    this.log(`reputation contract ${contract}; batches are applied to it from sequence 1`);
    return contract;
  }

  /**
   * Whether our account owns `contract`. Asked only with provisioning (the embedded chain), once
   * per contract: a contract made under another key (Anvil's public dev key, before the data
   * directory had its own) refuses every batch, so the embedded chain replaces it.
   */
  private async owned(contract: Address): Promise<boolean> {
    if (this.options.provision === undefined || this.ownedContract === contract) return true;
    if (!(await this.chain.ownsContract(contract))) return false;
    this.ownedContract = contract;
    return true;
  }

  /** Aligns the store's confirmed sequence with the contract's `lastSequence()`. */
  private async reconcile(contract: Address): Promise<void> {
    const last = await this.chain.lastSequence(contract);
    if (this.stopped) return;
    const { confirmedSequence, lastSequence: cut } = this.outbox.state();
    if (last < confirmedSequence) {
      this.outbox.rewind(last);
      this.log(
        `the chain is at batch ${last} but batch ${confirmedSequence} was confirmed: it lost state; ` +
          `re-sending batches ${last + 1}..${confirmedSequence}`,
      );
    } else if (last > confirmedSequence) {
      if (last > cut) {
        throw new ChainError(
          'log_behind',
          `contract ${contract} has applied batch ${last} but this tracker's batch log ends at ${cut}: ` +
            'another tracker or database wrote to it',
        );
      }
      // Sent and applied before a crash or a lost receipt, if what landed is ours.
      for (let sequence = confirmedSequence + 1; sequence <= last && !this.stopped; sequence++) await this.confirmLanded(contract, sequence);
    }
  }

  /**
   * Confirms batch `sequence`, which the contract says it applied without our receipt to prove it,
   * once its transaction is found to be ours; throws when the node does not show it yet (retried),
   * and records the divergence and throws when it is someone else's.
   */
  private async confirmLanded(contract: Address, sequence: number): Promise<void> {
    // A contract recorded without its creation block (before schema 5) is read from genesis.
    const state = this.outbox.state();
    const fromBlock = state.contract === contract ? (state.contractBlock ?? 0) : 0;
    const landed = await this.chain.landedBatch(contract, sequence, batchArgs(this.outbox.batchEntries(sequence)), fromBlock);
    if (this.stopped) return;
    if (landed.ours) {
      this.outbox.confirmBatch(sequence, { txHash: landed.txHash, blockNumber: landed.blockNumber });
      return;
    }
    if (!landed.seen) {
      // A reading, not a finding: the node's state is ahead of the logs it serves, or the
      // contract's storage was written directly, and no single reading tells which.
      throw new ChainError(
        'events_behind',
        `contract ${contract} has applied batch ${sequence}, but ${landed.reason} yet: this tracker's batch ${sequence} ` +
          'stays unconfirmed and is checked again (a node whose logs are behind its state catches up; ' +
          'if the event never appears, the contract\'s storage was written directly)',
      );
    }
    const known = this.currentDivergence();
    if (known?.contract !== contract || known.sequence !== sequence) {
      this.divergence = { contract, sequence, txHash: landed.txHash, sender: landed.sender, reason: landed.reason, detectedAt: Date.now() };
    }
    throw new ChainError(
      'diverged',
      `DIVERGENCE: contract ${contract} applied a batch ${sequence} this tracker did not send (${landed.reason}); ` +
        `this tracker's batch ${sequence} stays unconfirmed and the sync stops there: someone else writes to the contract`,
    );
  }

  /** The recorded divergence while it still holds: same contract, its batch not confirmed since. */
  private currentDivergence(): Divergence | null {
    const divergence = this.divergence;
    if (divergence === null) return null;
    const { contract, confirmedSequence } = this.outbox.state();
    return divergence.contract === contract && confirmedSequence < divergence.sequence ? divergence : null;
  }

  /** Cuts a batch when `batchSize` entries are queued or the oldest has waited `batchDelayMs`. */
  private cutIfDue(): number | undefined {
    const queued = this.outbox.queued(this.batchSize);
    if (queued === 0) {
      this.queuedSince = undefined;
      return undefined;
    }
    const now = Date.now();
    this.queuedSince ??= now;
    if (queued < this.batchSize && now - this.queuedSince < this.batchDelayMs) return undefined;
    const batch = this.outbox.cutBatch(this.batchSize, now)!;
    // Entries left behind have waited since before this cut: keep their clock running.
    if (this.outbox.queued(1) === 0) this.queuedSince = undefined;
    return batch.sequence;
  }

  /** Sends the persisted batch `sequence` and confirms it. */
  private async send(contract: Address, sequence: number): Promise<void> {
    const args = batchArgs(this.outbox.batchEntries(sequence));
    let applied: AppliedBatch;
    try {
      applied = await this.chain.applyBatch(contract, sequence, args);
    } catch (error) {
      if (error instanceof BadSequenceError && error.expected > sequence) {
        // It landed earlier and its receipt was lost (a crash, an outage), or someone else's did.
        await this.confirmLanded(contract, sequence);
        return;
      }
      if (error instanceof BadSequenceError) {
        // The chain is behind our confirmed batches (it lost state): the next step's reconcile rewinds.
        this.checkedAt = undefined;
        return;
      }
      throw error;
    }
    // POST /chain/init may have replaced a vanished contract meanwhile: the batch goes to the new one.
    if (this.outbox.state().contract !== contract) return;
    this.outbox.confirmBatch(sequence, { txHash: applied.txHash, blockNumber: applied.blockNumber });
    this.connected = true;
  }

  private markChecked(): void {
    this.checkedAt = Date.now();
    this.connected = true;
  }

  private fail(error: unknown): void {
    const chainError = toChainError(error, 'reputation sync');
    if (chainError.code === 'rpc_unavailable') this.connected = false;
    // Anything may have changed while failing (a restarted node, a lost batch): reconcile first.
    this.checkedAt = undefined;
    if (chainError.message !== this.lastError) this.log(`chain: ${chainError.message}`);
    this.lastError = chainError.message;
    this.lastErrorAt = Date.now();
  }

  /** How long to idle: until the oldest queued entry is due (with a contract to send to), or the next contract check. */
  private idleMs(): number {
    const untilCheck = this.checkedAt === undefined ? 0 : this.checkedAt + this.checkIntervalMs - Date.now();
    if (this.queuedSince === undefined || this.outbox.state().contract === null) return untilCheck;
    return Math.min(untilCheck, this.queuedSince + this.batchDelayMs - Date.now());
  }

  /** Sleeps `ms`, or less when woken (an idle pause) or asked to re-check or stop (any pause). */
  private pause(ms: number, kind: 'idle' | 'backoff'): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (kind === 'idle' && this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.pausing = undefined;
        if (kind === 'idle') this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.wakeUp = done;
      this.pausing = kind;
    });
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}
