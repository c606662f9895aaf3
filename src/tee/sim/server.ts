/**
 * The embedded dstack simulator (TEST ONLY): the guest agent's HTTP API for the unmodified
 * `@phala/dstack-sdk`, on a unix socket and on 127.0.0.1 TCP, issuing genuine TDX v4 quotes under
 * a seeded test root CA, plus PCCS routes serving their collateral. Replies always carry
 * Content-Length and are never chunked, because the SDK's unix-socket client parses HTTP by hand.
 * Production code must never import this module: its keys are public and its root is fake.
 * @module
 */
import { existsSync } from 'node:fs';
import { lstat, mkdtemp, rm, unlink } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Collateral } from '@phala/dcap-qvl';
import { type SimCollateral, createCollateral } from './collateral.ts';
import { callDstackMethod } from './dstack-api.ts';
import { type AppKeys, DSTACK_SIMULATOR_APP_KEYS } from './keys.ts';
import { type HttpReply, pccsReply } from './pccs.ts';
import { createMockPki } from './pki.ts';
import { createQuotingEnclave } from './quoting-enclave.ts';
import { SimulatedTd } from './td.ts';

/** Device node of a real TDX guest: its presence means real attestation is available. */
const TDX_GUEST_DEVICE = '/dev/tdx_guest';
/** Largest request body accepted; the biggest real request (EmitEvent) is far smaller. */
const MAX_BODY_BYTES = 1 << 20;

/** Options of {@link startDstackSimulator}. */
export interface DstackSimulatorOptions {
  /** Everything (PKI, keys of the quoting enclave, measurements) derives from it. */
  seed: string;
  /** Unix socket to listen on; default: `dstack.sock` in a fresh temp directory. */
  socketPath?: string;
  /** TCP port on 127.0.0.1; default 0 (ephemeral). */
  port?: number;
  /** Milliseconds since the epoch, dating the collateral; default `Date.now`. */
  clock?: () => number;
  /** App keys `GetKey` derives from; default dstack's public simulator keys. */
  appKeys?: AppKeys;
  /** MRTD (48 bytes); default seeded. */
  mrTd?: Uint8Array;
  /** TEE_TCB_SVN (16 bytes) of every quote; default the collateral's UpToDate level. */
  teeTcbSvn?: Uint8Array;
  /** TD attributes (8 bytes) of every quote; default production (no debug). */
  tdAttributes?: Uint8Array;
  /** app-compose.json text; its sha256 is the compose hash. */
  appCompose?: string;
}

/** A running simulator. */
export interface DstackSimulator {
  /** `http://127.0.0.1:<port>`: the SDK endpoint, and the PCCS base URL for `getCollateral`. */
  endpoint: string;
  /** The unix socket the SDK can use instead. */
  socketPath: string;
  /** DER of the test root CA: the trust anchor for `QuoteVerifier.newWithRootCa`. */
  rootCaDer: Uint8Array;
  /** Collateral for the simulator's quotes, dated by the clock now. */
  collateral(): Collateral;
  /** Stops both listeners and removes a socket the simulator created. */
  close(): Promise<void>;
}

let announced = false;

/** Throws where the simulator must not run: in production, or on a real TDX guest. */
export function assertSimulatorAllowed(): void {
  if (process.env.NODE_ENV === 'production') {
    throw new Error('refusing to start the dstack simulator with NODE_ENV=production');
  }
  if (existsSync(TDX_GUEST_DEVICE)) {
    throw new Error(`refusing to start the dstack simulator: ${TDX_GUEST_DEVICE} exists, use the real dstack agent`);
  }
}

function send(res: ServerResponse, reply: HttpReply): void {
  const body = Buffer.from(reply.body);
  res.writeHead(reply.status, { ...reply.headers, 'Content-Length': body.length });
  res.end(body);
}

function jsonReply(status: number, value: unknown): HttpReply {
  return { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function rpcReply(req: IncomingMessage, url: URL, call: (method: string, request: Record<string, unknown>) => unknown): Promise<HttpReply> {
  try {
    const text = await readBody(req);
    const request: unknown = text.trim() === '' ? {} : JSON.parse(text);
    if (typeof request !== 'object' || request === null || Array.isArray(request)) throw new Error('request must be a JSON object');
    return jsonReply(200, call(url.pathname.slice(1), request as Record<string, unknown>));
  } catch (error) {
    return jsonReply(400, { error: error instanceof Error ? error.message : String(error) });
  }
}

/** Frees `path` if it is a stale socket (nobody listening); refuses to touch anything else. */
async function claimSocketPath(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => undefined);
  if (stat === undefined) return;
  if (!stat.isSocket()) throw new Error(`${path} exists and is not a socket`);
  const live = await new Promise<boolean>((resolve) => {
    const probe = connect(path, () => {
      probe.destroy();
      resolve(true);
    });
    probe.on('error', () => resolve(false));
  });
  if (live) throw new Error(`${path} is in use by a running server`);
  await unlink(path);
}

function listen(server: Server, target: { path: string } | { port: number; host: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(target, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Starts a TEST ONLY dstack simulator on a unix socket and on 127.0.0.1. */
export async function startDstackSimulator(options: DstackSimulatorOptions): Promise<DstackSimulator> {
  assertSimulatorAllowed();
  if (!announced) {
    announced = true;
    console.warn(
      'pbts dstack simulator: TEST ONLY. Its quotes chain to a test root CA and its keys are public; never trust them in production.',
    );
  }
  const clock = options.clock ?? Date.now;
  const pki = createMockPki(options.seed);
  const appKeys = options.appKeys ?? DSTACK_SIMULATOR_APP_KEYS;
  const td = new SimulatedTd({
    seed: options.seed,
    appKeys,
    signer: createQuotingEnclave(options.seed, pki),
    mrTd: options.mrTd,
    teeTcbSvn: options.teeTcbSvn,
    tdAttributes: options.tdAttributes,
    appCompose: options.appCompose,
  });
  let cached: { now: number; value: SimCollateral } | undefined;
  const collateralNow = (): SimCollateral => {
    const now = clock();
    if (cached?.now !== now) cached = { now, value: createCollateral(pki, now) };
    return cached.value;
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET') {
      send(res, pccsReply(url, collateralNow) ?? jsonReply(404, { error: `no route ${url.pathname}` }));
    } else if (req.method === 'POST') {
      void rpcReply(req, url, (method, request) => callDstackMethod({ td, appKeys }, method, request)).then((reply) =>
        send(res, reply),
      );
    } else {
      send(res, jsonReply(405, { error: `method ${req.method} not allowed` }));
    }
  };

  const ownDirectory = options.socketPath === undefined ? await mkdtemp(join(tmpdir(), 'pbts-dstack-sim-')) : undefined;
  const socketPath = options.socketPath ?? join(ownDirectory!, 'dstack.sock');
  const socketServer = createServer(handler);
  const tcpServer = createServer(handler);
  let port: number;
  try {
    await claimSocketPath(socketPath);
    await listen(socketServer, { path: socketPath });
    await listen(tcpServer, { port: options.port ?? 0, host: '127.0.0.1' });
    const address = tcpServer.address();
    if (address === null || typeof address === 'string') throw new Error('TCP listener has no port');
    port = address.port;
  } catch (error) {
    await Promise.all([socketServer, tcpServer].filter((s) => s.listening).map(closeServer));
    if (ownDirectory !== undefined) await rm(ownDirectory, { recursive: true, force: true });
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    socketPath,
    rootCaDer: pki.root.der.slice(),
    collateral: () => structuredClone(collateralNow().collateral),
    close: () => {
      closing ??= (async () => {
        await Promise.all([closeServer(socketServer), closeServer(tcpServer)]);
        // Node unlinks its socket on close; the directory is ours to remove if we made it.
        if (ownDirectory !== undefined) await rm(ownDirectory, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
