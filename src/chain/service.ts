/**
 * The tracker's chain as one object: the sync running in the background, the status it shows,
 * and the two admin operations (create the contract, migrate a user from the referrer). Routes
 * call it; it throws {@link ChainRequestError}s that say which HTTP answer fits.
 * @module
 */
import { type Address, type Hex, hexToBytes, isAddress, zeroAddress, zeroHash } from 'viem';
import { DuplicateUserError, type Outbox, USER_ID_PATTERN } from '../store/index.ts';
import { ChainError, type ReputationChain } from './reputation.ts';
import { ReputationSync, type SyncTuning } from './sync.ts';

/** Where the chain comes from: Anvil started by the tracker, or a node someone else runs. */
export type ChainMode = 'embedded' | 'external';

/** Options of {@link ChainService}. */
export interface ChainServiceOptions {
  mode: ChainMode;
  rpcUrl: string;
  reputation: ReputationChain;
  outbox: Outbox;
  /** The factory to create the contract with (external chains; the embedded one deploys its own). */
  factory?: Address;
  /** The hash committed with the contract's creation; default 32 zero bytes (a TEE passes its quote's). */
  attestationHash?: () => Promise<Hex>;
  tuning?: SyncTuning;
  log?: (line: string) => void;
  /** Runs after the sync stopped (the embedded chain stops its node here). */
  onClose?: () => Promise<void>;
}

/** `GET /chain/status`. */
export interface ChainStatusView {
  enabled: boolean;
  mode: ChainMode | 'none';
  /**
   * The RPC endpoint: the embedded node's URL, an external node's origin only (providers put API
   * keys in the path). Only in the admin view: the public status does not point anyone at the node.
   */
  rpc_url: string | null;
  connected: boolean;
  account: Address | null;
  factory: string | null;
  contract: string | null;
  referrer: string | null;
  last_confirmed_sequence: number;
  /** Entries not yet confirmed on chain (queued or in a pending batch). */
  pending_entries: number;
  pending_batches: number;
  last_error: string | null;
  /** ISO time of `last_error`. */
  last_error_at: string | null;
  /**
   * A batch the contract applied under one of this tracker's sequences that this tracker did not
   * send (the sync stops there, the batch unconfirmed); null while none.
   */
  divergence: DivergenceView | null;
}

/** `divergence` of {@link ChainStatusView}. */
export interface DivergenceView {
  contract: string;
  sequence: number;
  tx_hash: string;
  sender: string;
  reason: string;
  /** ISO time of the detection. */
  detected_at: string;
}

/** A chain request refused or failed: the HTTP status, a code and a reason. */
export class ChainRequestError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 422 | 502 | 503,
    readonly code: string,
    reason: string,
  ) {
    super(reason);
    this.name = 'ChainRequestError';
  }
}

/** `http://host:port` of an RPC URL, without credentials, path or query. */
export function rpcOrigin(rpcUrl: string): string {
  try {
    const url = new URL(rpcUrl);
    return `${url.protocol}//${url.host}`;
  } catch {
    return 'invalid URL';
  }
}

/** A {@link ChainError} as an HTTP answer. */
function asRequestError(error: unknown, what: string): ChainRequestError {
  if (error instanceof ChainRequestError) return error;
  if (!(error instanceof ChainError)) throw error;
  if (error.code === 'rpc_unavailable') return new ChainRequestError(503, 'chain_unavailable', `${what}: ${error.message}`);
  if (error.code === 'reverted') return new ChainRequestError(422, 'reverted', error.message);
  return new ChainRequestError(502, 'chain_error', error.message);
}

/** Status, admin operations and the background sync of one tracker's chain. */
export class ChainService {
  readonly sync: ReputationSync;
  private readonly outbox: Outbox;
  private readonly reputation: ReputationChain;
  private readonly migrating = new Set<string>();
  private initializing = false;

  constructor(private readonly options: ChainServiceOptions) {
    this.outbox = options.outbox;
    this.reputation = options.reputation;
    if (options.factory !== undefined && options.factory !== this.outbox.state().factory) {
      this.outbox.setFactory(options.factory);
    }
    this.sync = new ReputationSync({
      ...options.tuning,
      outbox: options.outbox,
      chain: options.reputation,
      provision: options.mode === 'embedded' ? () => this.provision() : undefined,
      log: options.log,
    });
  }

  /** Starts the background sync. */
  start(): void {
    this.sync.start();
  }

  /** Stops the sync, then whatever `onClose` owns. */
  async close(): Promise<void> {
    await this.sync.stop();
    await this.options.onClose?.();
  }

  /** The chain as `GET /chain/status` shows it; `rpc_url` only in the `admin` view. */
  status(view: 'public' | 'admin' = 'public'): ChainStatusView {
    const sync = this.sync.status();
    const divergence = sync.divergence;
    const rpcUrl = this.options.mode === 'embedded' ? this.options.rpcUrl : rpcOrigin(this.options.rpcUrl);
    return {
      enabled: true,
      mode: this.options.mode,
      rpc_url: view === 'admin' ? rpcUrl : null,
      connected: sync.connected,
      account: this.reputation.account,
      ...outboxStatus(this.outbox),
      last_error: sync.lastError,
      last_error_at: sync.lastErrorAt === null ? null : new Date(sync.lastErrorAt).toISOString(),
      divergence:
        divergence === null
          ? null
          : {
              contract: divergence.contract,
              sequence: divergence.sequence,
              tx_hash: divergence.txHash,
              sender: divergence.sender,
              reason: divergence.reason,
              detected_at: new Date(divergence.detectedAt).toISOString(),
            },
    };
  }

  /**
   * Creates the tracker's Reputation contract through the factory (external chains), falling back
   * to `referrer`; allowed once, and again only when the recorded contract has no code (the chain
   * lost it), in which case every batch is re-sent to the new one.
   */
  async init(referrer: string | undefined): Promise<Record<string, unknown>> {
    if (this.options.mode === 'embedded') {
      throw new ChainRequestError(409, 'embedded_chain', 'the embedded chain creates its contract itself at start');
    }
    if (referrer !== undefined && (!isAddress(referrer, { strict: false }) || referrer === zeroAddress)) {
      throw new ChainRequestError(400, 'bad_referrer', 'referrer must be a non-zero 20-byte hex address');
    }
    if (this.initializing) throw new ChainRequestError(409, 'init_in_progress', 'a POST /chain/init is already running');
    this.initializing = true;
    try {
      const { factory, contract } = this.outbox.state();
      if (factory === null) {
        throw new ChainRequestError(409, 'no_factory', 'no factory configured: start the tracker with --factory <address>');
      }
      if (contract !== null && (await this.reputation.hasCode(contract as Address))) {
        throw new ChainRequestError(409, 'already_initialized', `the tracker's contract is ${contract}`);
      }
      if (!(await this.reputation.hasCode(factory as Address))) {
        throw new ChainRequestError(409, 'no_factory_code', `no contract code at the factory ${factory} on this chain`);
      }
      const created = await this.createContract(factory as Address, (referrer as Address | undefined) ?? null);
      this.sync.recheck();
      return { factory, ...created };
    } catch (error) {
      throw asRequestError(error, 'POST /chain/init');
    } finally {
      this.initializing = false;
    }
  }

  /**
   * Copies `userId`'s record from the referrer contract into the tracker's (`migrateUser`). The
   * user must not have registered here yet: registering afterwards with the same key starts them
   * at the migrated totals, which the chain already holds.
   */
  async migrate(userId: unknown): Promise<Record<string, unknown>> {
    if (typeof userId !== 'string' || !USER_ID_PATTERN.test(userId)) {
      throw new ChainRequestError(400, 'bad_user_id', 'user_id must be 1 to 64 characters of A-Z a-z 0-9 _ . -');
    }
    const { contract, referrer } = this.outbox.state() as { contract: Address | null; referrer: Address | null };
    if (contract === null) throw new ChainRequestError(409, 'no_contract', 'the tracker has no contract yet (POST /chain/init)');
    if (referrer === null) throw new ChainRequestError(409, 'no_referrer', `the contract ${contract} has no referrer to migrate from`);
    if (this.migrating.has(userId)) throw new ChainRequestError(409, 'migration_in_progress', `${userId} is being migrated`);
    try {
      this.outbox.beginMigration(userId, contract);
    } catch (error) {
      if (!(error instanceof DuplicateUserError)) throw error;
      throw new ChainRequestError(409, 'user_registered', `${userId} is registered with this tracker or already migrated`);
    }
    this.migrating.add(userId);
    // Once the user may be on chain here, the id stays reserved until a retry settles it: a
    // registration would queue a batch the contract refuses (UserExists) forever.
    let mayBeOnChain = false;
    try {
      let txHash: Hex | null = null;
      // A previous attempt may have landed without an answer: then only the store lags behind.
      if ((await this.reputation.localRecord(contract, userId)).found) {
        mayBeOnChain = true;
      } else {
        if (!(await this.reputation.localRecord(referrer, userId)).found) {
          throw new ChainRequestError(404, 'not_in_referrer', `${userId} has no record in the referrer ${referrer}`);
        }
        mayBeOnChain = true;
        try {
          txHash = await this.reputation.migrateUser(contract, userId);
        } catch (error) {
          if (error instanceof ChainError && error.code === 'reverted') mayBeOnChain = false;
          throw error;
        }
      }
      const record = await this.reputation.localRecord(contract, userId);
      const uploaded = Number(record.uploaded);
      const downloaded = Number(record.downloaded);
      if (!Number.isSafeInteger(uploaded) || !Number.isSafeInteger(downloaded)) {
        throw new ChainRequestError(422, 'too_large', `${userId}'s totals exceed what the store can hold`);
      }
      this.outbox.finishMigration(userId, { publicKey: hexToBytes(record.publicKey), uploaded, downloaded, txHash });
      return { user_id: userId, public_key: record.publicKey.slice(2), uploaded, downloaded, from: referrer, contract, tx_hash: txHash };
    } catch (error) {
      if (!mayBeOnChain) this.outbox.abortMigration(userId);
      throw asRequestError(error, 'POST /chain/migrate');
    } finally {
      this.migrating.delete(userId);
    }
  }

  /** The embedded chain's self-provisioning: a factory if the chain has none, then the contract. */
  private async provision(): Promise<void> {
    let factory = this.outbox.state().factory as Address | null;
    if (factory === null || !(await this.reputation.hasCode(factory))) {
      factory = await this.reputation.deployFactory();
      this.outbox.setFactory(factory);
      this.options.log?.(`deployed the ReputationFactory at ${factory}`);
    }
    await this.createContract(factory, null);
  }

  private async createContract(factory: Address, referrer: Address | null) {
    const attestationHash = (await this.options.attestationHash?.()) ?? zeroHash;
    const created = await this.reputation.createReputation(factory, { referrer: referrer ?? zeroAddress, attestationHash });
    this.outbox.setContract(created.address, referrer, created.blockNumber);
    this.options.log?.(`created the reputation contract ${created.address} (tx ${created.txHash})`);
    return { contract: created.address, referrer, tx_hash: created.txHash, attestation_hash: attestationHash };
  }
}

/** The status of a tracker without a chain: what the outbox holds for a chain to come. */
export function disabledStatus(outbox: Outbox): ChainStatusView {
  return {
    enabled: false,
    mode: 'none',
    rpc_url: null,
    connected: false,
    account: null,
    ...outboxStatus(outbox),
    last_error: null,
    last_error_at: null,
    divergence: null,
  };
}

/** The part of the status the outbox holds, with or without a chain. */
function outboxStatus(outbox: Outbox) {
  const state = outbox.state();
  const stats = outbox.stats();
  return {
    factory: state.factory,
    contract: state.contract,
    referrer: state.referrer,
    last_confirmed_sequence: stats.confirmedSequence,
    pending_entries: stats.pendingEntries,
    pending_batches: stats.pendingBatches,
  };
}
