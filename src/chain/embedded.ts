/**
 * The embedded chain: an Anvil node owned by the tracker, its state kept under the data directory
 * (`anvil-state.json`, dumped periodically and on shutdown), its PID in `anvil.pid` so a tracker
 * restarted after a crash waits for (or ends) the previous node before loading the same state.
 * Without a configured account the tracker signs with a key of its own, generated once and kept
 * in `chain-key` (mode 0600): Anvil's dev keys are public, so anyone could write as their owner.
 * @module
 */
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Account, createTestClient, http, parseEther } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { type AnvilProcess, anvilBinaryPath, launchAnvil, processAlive } from './anvil.ts';
import { chainAccountFromKey } from './clients.ts';

/** Anvil's state file inside the data directory. */
export const ANVIL_STATE_FILE = 'anvil-state.json';
/** PID file of the running embedded node inside the data directory. */
export const ANVIL_PID_FILE = 'anvil.pid';
/** The embedded chain's own private key (hex, mode 0600) inside the data directory. */
export const CHAIN_KEY_FILE = 'chain-key';

/** Options of {@link startEmbeddedChain}. */
export interface EmbeddedChainOptions {
  dataDir: string;
  /** The tracker's account; default the data directory's own (`chain-key`, created on first start). Funded on the node. */
  account?: Account;
  /** Seconds between state dumps, so a node killed outright loses at most this much; default 2. */
  stateInterval?: number;
  log?: (line: string) => void;
}

/** A running embedded chain. */
export interface EmbeddedChain {
  rpcUrl: string;
  pid: number;
  account: Account;
  /** Stops the node (it dumps its state) and removes the PID file. */
  stop(): Promise<void>;
}

/** How long a restarted tracker waits for the previous node to finish dumping its state. */
const PREVIOUS_NODE_GRACE_MS = 10_000;

/** Whether `pid` is the embedded node of this data directory (not a recycled PID). */
function isOurNode(pid: number, statePath: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv[0] === anvilBinaryPath() && argv.includes(statePath);
  } catch {
    return false;
  }
}

/**
 * A previous tracker that crashed left its node to the watchdog, which sends it SIGTERM: wait
 * for it to write its state, and end it if it does not.
 */
async function reclaimPrevious(pidFile: string, statePath: string, log: (line: string) => void): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (Number.isSafeInteger(pid) && pid > 0 && processAlive(pid) && isOurNode(pid, statePath)) {
    log(`waiting for the previous embedded Anvil (pid ${pid}) to save its state`);
    const deadline = Date.now() + PREVIOUS_NODE_GRACE_MS;
    while (processAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    if (processAlive(pid)) {
      log(`ending the previous embedded Anvil (pid ${pid})`);
      process.kill(pid, 'SIGKILL');
      while (processAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  rmSync(pidFile, { force: true });
}

/**
 * Starts the data directory's Anvil from its saved state. A state file Anvil cannot load (cut
 * short by a power loss, say) is set aside and the node starts empty: the sync then re-creates
 * the contract and re-sends every batch from the tracker's log.
 */
async function launchFromState(statePath: string, stateInterval: number, log: (line: string) => void): Promise<AnvilProcess> {
  try {
    return await launchAnvil({ state: statePath, stateInterval });
  } catch (error) {
    if (!existsSync(statePath)) throw error;
    const aside = `${statePath}.unreadable-${Date.now()}`;
    renameSync(statePath, aside);
    log(`embedded Anvil could not load its state (${(error as Error).message.split('\n')[0]}); moved it to ${aside} and starting empty`);
    return launchAnvil({ state: statePath, stateInterval });
  }
}

/** The account of `dataDir`'s `chain-key`, generating the key (readable by its owner only) when there is none. */
export function dataDirAccount(dataDir: string): Account {
  const file = path.join(dataDir, CHAIN_KEY_FILE);
  if (!existsSync(file)) {
    // `wx`: two trackers racing on one data directory cannot end up with two keys.
    try {
      writeFileSync(file, `${generatePrivateKey()}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  // Owner-only whatever an earlier copy or restore left.
  chmodSync(file, 0o600);
  try {
    return chainAccountFromKey(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
}

/** Starts (or restarts) the embedded chain of `dataDir`. */
export async function startEmbeddedChain(options: EmbeddedChainOptions): Promise<EmbeddedChain> {
  const log = options.log ?? (() => {});
  const statePath = path.resolve(options.dataDir, ANVIL_STATE_FILE);
  const pidFile = path.join(options.dataDir, ANVIL_PID_FILE);
  await reclaimPrevious(pidFile, statePath, log);
  const anvil = await launchFromState(statePath, options.stateInterval ?? 2, log);
  writeFileSync(pidFile, `${anvil.pid}\n`);
  try {
    const account = options.account ?? dataDirAccount(options.dataDir);
    const testClient = createTestClient({ chain: foundry, mode: 'anvil', transport: http(anvil.rpcUrl) });
    await testClient.setBalance({ address: account.address, value: parseEther('10000') });
    return {
      rpcUrl: anvil.rpcUrl,
      pid: anvil.pid,
      account,
      async stop() {
        await anvil.stop();
        rmSync(pidFile, { force: true });
      },
    };
  } catch (error) {
    await anvil.stop();
    rmSync(pidFile, { force: true });
    throw error;
  }
}
