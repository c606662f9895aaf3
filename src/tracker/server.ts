/**
 * A running tracker: the store under the data directory, the verification pool, the hooks of
 * the configured mode, the chain (when configured), the app, and an HTTP server; `close()` shuts
 * all of it down in order.
 * @module
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { ChainService } from '../chain/service.ts';
import { type ChainSetup, openChain } from '../chain/setup.ts';
import { type BackendName, VerifyPool } from '../receipts/index.ts';
import type { TeeRuntime } from '../tee/runtime.ts';
import { type ReportCommitter, WriterThread, inlineCommitter, openStore } from '../store/index.ts';
import { createApp } from './app.ts';
import { limitConnectionsPerAddress } from './connection-limit.ts';
import { type TrackerConfig, resolveConfig } from './config.ts';
import { withFastPath } from './fast-path.ts';
import { openHooks } from './hooks.ts';
import { privateHooks } from './private-hooks.ts';
import { serveRawAnnounces } from './raw-announce.ts';
import { DurableSnatches } from './snatches.ts';
import { Swarms } from './swarm.ts';

/** Options of {@link startTracker}. */
export interface TrackerOptions {
  config?: Partial<TrackerConfig>;
  /** TCP port; 0 picks a free one. */
  port?: number;
  /** Address to listen on; loopback by default. */
  host?: string;
  /** Worker threads for BLS verification; default: available parallelism. */
  verifyWorkers?: number;
  backend?: BackendName;
  /** The chain reputation is committed to; none when omitted (the outbox still records everything). */
  chain?: ChainSetup;
  /** The TEE runtime (`/tee/status`, `/tee/attestation`); no TEE routes when omitted. */
  tee?: TeeRuntime;
  /** Receives operational lines (chain progress and errors); default none. */
  log?: (line: string) => void;
}

/** A started tracker. */
export interface RunningTracker {
  url: string;
  port: number;
  /** The live settings (`POST /config` changes them in place). */
  config: TrackerConfig;
  /** The chain service, when the tracker has a chain. */
  chain: ChainService | undefined;
  close(): Promise<void>;
}

/** Seconds between sweeps of stale peers. */
const SWEEP_SECONDS = 60;

/** Starts a tracker and resolves once it accepts connections. */
export async function startTracker(options: TrackerOptions = {}): Promise<RunningTracker> {
  // A mutable copy: POST /config changes the reputation policy in place.
  const config: TrackerConfig = { ...resolveConfig(options.config) };
  mkdirSync(config.dataDir, { recursive: true });
  const store = openStore({ dataDir: config.dataDir });
  let chain: ChainService | undefined;
  try {
    chain = options.chain && (await openChain(options.chain, { dataDir: config.dataDir, outbox: store.outbox, log: options.log }));
  } catch (error) {
    store.close();
    throw error;
  }
  let committer: ReportCommitter;
  try {
    // A file store commits reports on its writer thread (the fsync off the event loop).
    committer =
      config.dataDir === ':memory:' ? inlineCommitter(store) : await WriterThread.start(config.dataDir, () => store.outbox.notify());
  } catch (error) {
    await chain?.close();
    store.close();
    throw error;
  }
  const pool = new VerifyPool({ size: options.verifyWorkers, backend: options.backend });
  const hooks = config.mode === 'open' ? openHooks : privateHooks({ store, config });
  // Report bodies are parsed on the verify workers: a 1,024-receipt parse would hold announces up.
  const parser = pool.checkReport.bind(pool);
  const snatches = new DurableSnatches(store, committer);
  const swarms = new Swarms(config, snatches);
  const tracker = createApp({ config, swarms, hooks, pbts: { store, pool, committer, parser, startedAt: Date.now(), chain, tee: options.tee } });
  const { app } = tracker;

  const server = createServer(withFastPath(tracker, getRequestListener(app.fetch)));
  const raw = serveRawAnnounces(server, tracker);
  // After the raw path's listener: a connection over the limit is closed before anything reads it.
  const connections = limitConnectionsPerAddress(server, { max: () => config.maxConnectionsPerAddress, exempt: config.trustProxy });
  tracker.samples.push(connections.samples);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
      server.listen(options.port ?? 8000, options.host ?? '127.0.0.1');
    });
  } catch (error) {
    await chain?.close();
    await pool.close();
    await committer.close();
    store.close();
    throw error;
  }
  // The sync works in the background from here on; requests only commit outbox entries.
  chain?.start();
  const sweep = setInterval(() => swarms.sweep(Date.now() / 1000), SWEEP_SECONDS * 1000);
  sweep.unref();
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}`,
    port,
    config,
    chain,
    async close() {
      clearInterval(sweep);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      raw.closeIdle();
      await closed;
      // Before the store closes: the sync writes confirmations to it.
      await chain?.close();
      await pool.close();
      await snatches.close();
      await committer.close();
      store.close();
    },
  };
}
