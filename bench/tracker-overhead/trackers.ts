/**
 * The trackers the tracker-overhead experiment measures, each its own `pbts tracker` process
 * (the fixtures' `spawnTracker`), in private mode: everything on (embedded Anvil with the
 * contracts, the dstack simulator's socket) at the default batch delay and at a small one, and
 * chain and TEE off; or a running tracker given with `--no-auto-start`. Every one it starts, it
 * stops.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type TrackerProcess, spawnTracker } from '../../fixtures/tracker-process.ts';
import { waitFor } from '../../fixtures/wait.ts';
import type { TrackerSetup } from '../../src/bench/experiments/tracker-overhead/records.ts';
import { loopbackUrl } from '../../src/bench/loopback.ts';
import { TrackerClient } from '../../src/client/tracker-client.ts';

/** What `GET /chain/status` says (the fields used here). */
interface ChainStatus {
  enabled: boolean;
  mode?: string;
  rpc_url?: string;
  contract?: string | null;
}

/** What `GET /tee/status` says (the fields used here). */
export interface TeeStatus {
  mode: string;
  chain_account: string | null;
  identity_public_key: string | null;
}

/** A tracker under test: where it listens, its chain and TEE, and how to stop it (none when not ours). */
export interface Target {
  url: string;
  setup: TrackerSetup;
  tee: TeeStatus;
  stop?: () => Promise<void>;
}

/** How a started tracker is configured. */
export interface TrackerSpec {
  name: string;
  /** dstack socket, or undefined for `--dstack none --chain none`. */
  dstack?: string;
  batchMs?: number;
}

async function getJson<T>(url: string, adminToken?: string): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = adminToken === undefined ? {} : { authorization: `Bearer ${adminToken}` };
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.json()) as T };
}

/**
 * The tracker's chain and TEE as it reports them; its chain must be on loopback (nothing is sent
 * elsewhere). The chain's RPC URL is in the status for the admin only: without `adminToken` the
 * chain counts as off here.
 */
export async function describeTracker(url: string, batchMs: number | null, verifyWorkers: number | null, adminToken?: string): Promise<Target> {
  await new TrackerClient(url).health();
  const tee = (await getJson<TeeStatus>(`${url}/tee/status`)).body;
  const chain = await getJson<ChainStatus>(`${url}/chain/status`, adminToken);
  const enabled = chain.status === 200 && chain.body.enabled && typeof chain.body.rpc_url === 'string';
  return {
    url,
    tee,
    setup: {
      url,
      chain: enabled
        ? {
            mode: chain.body.mode ?? 'unknown',
            rpc_url: loopbackUrl(chain.body.rpc_url!, "the tracker's chain RPC URL"),
            contract: chain.body.contract ?? null,
            batch_ms: batchMs,
          }
        : null,
      tee: tee.mode,
      verify_workers: verifyWorkers,
    },
  };
}

/** Stops a tracker and requires a clean exit (SIGKILL after 20 s): a crash is a failed run. */
async function stopTracker(name: string, tracker: TrackerProcess): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<string>((resolve) => {
    timer = setTimeout(() => {
      tracker.child.kill('SIGKILL');
      resolve('killed after 20 s');
    }, 20_000);
  });
  const code = await Promise.race([tracker.stop('SIGTERM'), killed]);
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${name} tracker did not exit cleanly (${code}):\n${tracker.output().slice(-2_000)}`);
}

/**
 * Starts one tracker under `dir` and waits until its contract exists (with a chain), so no
 * measurement waits for the tracker's own start-up.
 */
export async function startTracker(dir: string, spec: TrackerSpec): Promise<Target> {
  const dataDir = path.join(dir, spec.name);
  mkdirSync(dataDir);
  const workers = os.availableParallelism();
  const args = ['--mode', 'private', '--verify-workers', String(workers)];
  if (spec.dstack) args.push('--dstack', spec.dstack, '--chain', 'embedded', '--chain-batch-ms', String(spec.batchMs));
  else args.push('--dstack', 'none', '--chain', 'none');
  // The admin token (in the environment, not in `ps`) lets the bench read the chain's RPC URL.
  const adminToken = randomBytes(16).toString('hex');
  const tracker = await spawnTracker(dataDir, args, 60_000, { PBTS_ADMIN_TOKEN: adminToken });
  const stop = () => stopTracker(spec.name, tracker);
  try {
    if (spec.dstack) {
      await waitFor(`the ${spec.name} tracker's contract`, async () => (await getJson<ChainStatus>(`${tracker.url}/chain/status`)).body.contract, {
        timeoutMs: 60_000,
        intervalMs: 50,
      });
    }
    return { ...(await describeTracker(tracker.url, spec.dstack ? spec.batchMs! : null, workers, adminToken)), stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
