/**
 * Opens the tracker's chain from its settings: the embedded Anvil (started, funded, provisioned
 * by the sync) or an external node, with the clients, the contract port and the service on top.
 * @module
 */
import type { Account, Address, Hex } from 'viem';
import { foundry } from 'viem/chains';
import type { Outbox } from '../store/index.ts';
import { createChainClients } from './clients.ts';
import { startEmbeddedChain } from './embedded.ts';
import { ReputationChain } from './reputation.ts';
import { ChainService } from './service.ts';
import type { SyncTuning } from './sync.ts';

/** Settings both kinds of chain share. */
interface ChainSetupCommon {
  /** The hash committed with the contract's creation (a TEE passes its quote's); default zero. */
  attestationHash?: () => Promise<Hex>;
  tuning?: SyncTuning;
}

/**
 * `embedded`: Anvil under the data directory, signing as `account` or else the data directory's
 * own key (`chain-key`), funded on start. `external`: the node at `rpcUrl`, signing as `account`, creating the contract
 * through `factory` on `POST /chain/init`.
 */
export type ChainSetup =
  | (ChainSetupCommon & { mode: 'embedded'; account?: Account; stateInterval?: number })
  | (ChainSetupCommon & { mode: 'external'; rpcUrl: string; account: Account; factory?: Address });

/** What {@link openChain} needs from the tracker. */
export interface OpenChainOptions {
  dataDir: string;
  outbox: Outbox;
  log?: (line: string) => void;
}

/** Starts the chain `setup` describes and its service (not yet its sync: call `start()`). */
export async function openChain(setup: ChainSetup, options: OpenChainOptions): Promise<ChainService> {
  const common = { outbox: options.outbox, attestationHash: setup.attestationHash, tuning: setup.tuning, log: options.log };
  if (setup.mode === 'external') {
    const reputation = new ReputationChain(createChainClients(setup.rpcUrl, setup.account));
    return new ChainService({ ...common, mode: 'external', rpcUrl: setup.rpcUrl, reputation, factory: setup.factory });
  }
  const embedded = await startEmbeddedChain({
    dataDir: options.dataDir,
    account: setup.account,
    stateInterval: setup.stateInterval,
    log: options.log,
  });
  try {
    const reputation = new ReputationChain(createChainClients(embedded.rpcUrl, embedded.account, { chain: foundry }));
    return new ChainService({ ...common, mode: 'embedded', rpcUrl: embedded.rpcUrl, reputation, onClose: () => embedded.stop() });
  } catch (error) {
    await embedded.stop();
    throw error;
  }
}
