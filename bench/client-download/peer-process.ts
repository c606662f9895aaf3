/**
 * One peer of the client-download experiment in its own process: a seeder or a downloader
 * (`PbtsPeer`), receipts on when it is given a key. Started by the bench with its configuration
 * as one JSON argument; reads commands and writes events as JSON lines (`protocol.ts`).
 * @module
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { PbtsPeer, type PbtsPeerStats } from '../../src/peer/pbts/index.ts';
import { getBackend } from '../../src/receipts/index.ts';
import type { PeerCommand, PeerConfig, PeerCounters, PeerEvent } from './protocol.ts';

const config = JSON.parse(process.argv[2] ?? '{}') as PeerConfig;

function emit(event: PeerEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

function counters(stats: PbtsPeerStats): PeerCounters {
  const { uploaded, downloaded, piecesVerified, pieces, receiptsSigned, receiptsSent, receiptsReceived, receiptsRejected, receiptsReported, receiptsCredited, creditedBytes } = stats;
  return { uploaded, downloaded, piecesVerified, pieces, receiptsSigned, receiptsSent, receiptsReceived, receiptsRejected, receiptsReported, receiptsCredited, creditedBytes };
}

function fail(error: unknown): never {
  emit({ event: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function open(): Promise<PbtsPeer> {
  const backend = getBackend('blst');
  const secretKey = config.secretKey === undefined ? undefined : new Uint8Array(Buffer.from(config.secretKey, 'hex'));
  const peer = await PbtsPeer.open({
    torrent: new Uint8Array(readFileSync(config.torrent)),
    dir: config.dir,
    stateDir: config.stateDir,
    ...(secretKey && { keys: { secretKey, publicKey: backend.publicKey(secretKey) } }),
    ...(config.tracker && { tracker: config.tracker }),
    ...(config.peers && { peers: config.peers }),
    host: '127.0.0.1',
    port: 0,
    ...(config.uploadRate !== undefined && { uploadRate: config.uploadRate }),
    ...(config.receiptLead !== undefined && { receiptLead: config.receiptLead }),
    ...(config.reportBatch !== undefined && { reportBatch: config.reportBatch }),
    ...(config.reportIntervalMs !== undefined && { reportIntervalMs: config.reportIntervalMs }),
  });
  peer.on('warning', (message) => emit({ event: 'warning', message }));
  peer.on('error', fail);
  return peer;
}

/** Waits until the seeder holds `expected` receipts (received, accepted or not), then for their reports. */
async function flush(peer: PbtsPeer, expected: number, timeoutMs: number): Promise<void> {
  const started = performance.now();
  const arrived = () => peer.stats().receiptsReceived + peer.stats().receiptsRejected;
  while (arrived() < expected && performance.now() - started < timeoutMs) await sleep(10);
  await peer.flushReports();
  emit({ event: 'flushed', waited_ms: performance.now() - started, missing: Math.max(0, expected - arrived()), stats: counters(peer.stats()) });
}

let peer: PbtsPeer | undefined;
let closing = false;

async function close(code: number): Promise<never> {
  if (!closing) {
    closing = true;
    await peer?.close();
  }
  process.exit(code);
}

async function command(line: string): Promise<void> {
  const message = JSON.parse(line) as PeerCommand;
  switch (message.cmd) {
    case 'start': {
      if (config.role !== 'downloader' || peer) throw new Error('start: only a downloader starts, once');
      const t0 = performance.now();
      peer = await open();
      const opened = performance.now();
      await peer.whenDone();
      emit({ event: 'done', elapsed_s: (performance.now() - t0) / 1000, open_s: (opened - t0) / 1000, stats: counters(peer.stats()) });
      return;
    }
    case 'flush':
      if (!peer) throw new Error('flush: no peer open');
      return flush(peer, message.expected, message.timeoutMs);
    case 'stats':
      return emit({ event: 'stats', stats: peer ? counters(peer.stats()) : null });
    case 'close':
      return void (await close(0));
  }
}

process.on('SIGTERM', () => void close(0));
try {
  if (config.role === 'seeder') {
    peer = await open();
    emit({ event: 'ready', address: peer.address });
  } else emit({ event: 'ready' });
} catch (error) {
  fail(error);
}
// Commands run one after another, in the order they arrive.
let queue = Promise.resolve();
createInterface({ input: process.stdin })
  .on('line', (line) => {
    // `stats` is answered at once: it is how the bench looks into a transfer that stalls.
    if (line.includes('"stats"')) void command(line).catch(fail);
    else queue = queue.then(() => command(line)).catch(fail);
  })
  // The bench closing our stdin ends us at once, also in the middle of a download that stalled.
  .on('close', () => void close(0).catch(fail));
