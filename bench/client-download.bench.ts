/**
 * Experiment 5, client download (seed README section 5, reference spec 6.3): how much receipts
 * slow a download. First the receipt work the model needs, measured as the peers do it: the
 * downloader's signing of a piece's receipt, the uploader's verification, and the piece's
 * SHA-256 (the receipt names the piece by it) per piece size. Then real transfers: per cell
 * (link speed x piece size) a seeder and a downloader, each its own process, move one torrent
 * over loopback TCP, the link limited by the seeder's upload token bucket, with receipts on and
 * off alternated, announcing to and reported to a real tracker (its own process, private mode).
 * Options: PBTS_WARMUP, PBTS_ITERATIONS, PBTS_SPEEDS, PBTS_PIECE_SIZES, PBTS_FILE_SIZE_MB,
 * PBTS_TRANSFER_SPEEDS, PBTS_TRANSFER_PIECE_SIZES, PBTS_TRANSFER_SIZE_MB, PBTS_REPETITIONS,
 * PBTS_QUICK (or the flags of `pbts experiments client-download`).
 *
 * Each cell is one benchmark with one sample, the time of its whole alternated series; each
 * transfer's figures (time, receipts, credit at the tracker, CPU of every process from /proc)
 * reach the report through `recordExtra`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { type TrackerProcess, spawnTracker } from '../fixtures/tracker-process.ts';
import {
  type ClientDownloadConfig,
  type TransferCell,
  type TransferRun,
  cellLabel,
  clientDownloadOptions,
  runOrder,
} from '../src/bench/experiments/client-download/index.ts';
import { KB, MB } from '../src/bench/experiments/client-download/options.ts';
import { recordExtra } from '../src/bench/extras.ts';
import { cycle, samplesOf, stretchedBench } from '../src/bench/harness.ts';
import { TrackerClient } from '../src/client/tracker-client.ts';
import { createTorrent } from '../src/peer/metainfo.ts';
import { MIN_RECEIPT_LEAD, RECEIPT_LEAD_BYTES } from '../src/peer/pbts/index.ts';
import { type KeyPair, type Receipt, currentEpoch, getBackend, keyPairFromSeed, signReceipt, verifyReceipt } from '../src/receipts/index.ts';
import { PeerProcess } from './client-download/peers.ts';
import type { PeerConfig } from './client-download/protocol.ts';
import { cpuSeconds, machineCpuSeconds } from './load/processes.ts';

const EXPERIMENT = 'client-download';
const root = fileURLToPath(new URL('..', import.meta.url));
const options = clientDownloadOptions();
const blst = getBackend('blst');
const cores = os.availableParallelism();
/** The peers' settings, the defaults of `PbtsPeerOptions`, given explicitly so the report can name them. */
// The receipt lead is the peer's default, which depends on the piece size.
const PEER_SETTINGS = { reportBatch: 50, reportIntervalMs: 2_000 };

const config: ClientDownloadConfig = {
  warmup_iterations: options.warmup,
  measure_iterations: options.iterations,
  file_size_mb: options.fileSizeMb,
  speeds_mbps: options.speeds,
  piece_sizes_kb: options.pieceSizes,
  transfer: null,
  cores,
};
recordExtra(EXPERIMENT, 'config', config, root);
recordExtra(EXPERIMENT, 'transfers', [], root);

// The receipt work, as the peers do it (src/peer/pbts: signer.ts, checks.ts, piece-hashes.ts).
const infohash = createHash('sha1').update('client-download model').digest();
const uploader = keyPairFromSeed(blst, 'client-download-uploader');
const downloader = keyPairFromSeed(blst, 'client-download-downloader');
let nextPiece = 0;

function receiptOf(index: number): Receipt {
  const fields = {
    infohash,
    senderPk: uploader.publicKey,
    receiverPk: downloader.publicKey,
    pieceHash: createHash('sha256').update(`piece ${index}`).digest(),
    pieceIndex: index,
    pieceSize: 1024 * KB,
    epoch: currentEpoch(),
  };
  return signReceipt(blst, fields, downloader.secretKey);
}

/** Distinct receipts for the verification samples (warm-up calls included), never verified before. */
const toVerify = cycle(Array.from({ length: options.iterations + options.warmup }, (_, i) => receiptOf(1_000_000 + i)));
/** Every piece size the model or the transfers use, and 1 MiB (the headline's). */
const hashSizes = [...new Set([...options.pieceSizes, ...options.cells.map((cell) => cell.pieceSizeKb), 1024])].sort((a, b) => a - b);

// Vitest's bench runner runs a suite's sub-suites before its own benchmarks and calls only the
// file's hooks: the model's benchmarks and the transfers are sibling suites, set up at file level.
beforeAll(setUp, 300_000);
afterAll(tearDown, 120_000);

describe('client-download', () => {
  describe('model', () => {
    stretchedBench('receipt sign', () => receiptOf(nextPiece++), samplesOf(options.iterations, options.warmup));

    stretchedBench(
      'receipt verify',
      () => {
        if (!verifyReceipt(blst, toVerify())) throw new Error('a receipt did not verify');
      },
      samplesOf(options.iterations, options.warmup),
    );

    for (const kb of hashSizes) {
      const piece = randomBytes(kb * KB);
      stretchedBench(`piece hash ${kb} KB`, () => createHash('sha256').update(piece).digest(), samplesOf(options.iterations, options.warmup));
    }
  });

  // A benchmark that throws ends the file's remaining ones: a cell throws only after its whole series.
  describe('transfer', () => {
    for (const cell of options.cells) {
      // Declared async: tinybench calls a function that is not, once, to find out whether it returns a promise.
      bench(cellLabel(cell), async () => runCell(cell), samplesOf(1, 0));
    }
  });
});

/** A torrent of the transfers: its data (in the seeder's folder) and its .torrent file. */
interface Torrent {
  file: string;
  seedDir: string;
  pieces: number;
}

interface Session {
  dir: string;
  seed: string;
  tracker: TrackerProcess;
  client: TrackerClient;
  uploader: { userId: string; keys: KeyPair; passkey: string };
  /** By piece size in KB. */
  torrents: Map<number, Torrent>;
}

let session: Session | undefined;
/** Undo steps of the set-up, run in reverse by tearDown, also after a failed set-up. */
const cleanup: (() => Promise<unknown>)[] = [];
const runs: TransferRun[] = [];
let downloaders = 0;

async function setUp(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pbts-client-download-'));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  const seed = `client-download-${randomBytes(4).toString('hex')}`;
  const dataDir = path.join(dir, 'tracker');
  mkdirSync(dataDir);
  // No chain and no TEE: their costs are the onchain and tee experiments'.
  const tracker = await spawnTracker(dataDir, ['--mode', 'private', '--chain', 'none', '--dstack', 'none']);
  cleanup.push(async () => {
    const code = await tracker.stop();
    if (code !== 0) throw new Error(`the tracker exited with ${code} on SIGTERM:\n${tracker.output().slice(-2000)}`);
  });
  const client = new TrackerClient(tracker.url, { backend: blst, timeoutMs: 30_000 });
  const keys = keyPairFromSeed(blst, seed, 0);
  const userId = `uploader-${seed}`;
  const { passkey } = await client.register(userId, keys);
  const torrents = new Map<number, Torrent>();
  for (const kb of new Set(options.cells.map((cell) => cell.pieceSizeKb))) {
    const seedDir = path.join(dir, `seed-${kb}`);
    mkdirSync(seedDir);
    const data = path.join(seedDir, 'data.bin');
    writeFileSync(data, randomBytes(options.transferSizeMb * MB));
    const file = path.join(dir, `${kb}.torrent`);
    writeFileSync(file, await createTorrent(data, { pieceLength: kb * KB, private: true, name: 'data.bin' }));
    torrents.set(kb, { file, seedDir, pieces: Math.ceil((options.transferSizeMb * MB) / (kb * KB)) });
  }
  session = { dir, seed, tracker, client, uploader: { userId, keys, passkey }, torrents };
  recordExtra(
    EXPERIMENT,
    'config',
    {
      ...config,
      transfer: {
        size_mb: options.transferSizeMb,
        repetitions: options.repetitions,
        cells: options.cells.map((cell) => ({ speed_mbps: cell.speedMbps, piece_size_kb: cell.pieceSizeKb })),
        tracker_url: tracker.url,
        receipt_lead: { min_pieces: MIN_RECEIPT_LEAD, min_bytes: RECEIPT_LEAD_BYTES },
        report_batch: PEER_SETTINGS.reportBatch,
        report_interval_ms: PEER_SETTINGS.reportIntervalMs,
      },
    } satisfies ClientDownloadConfig,
    root,
  );
}

async function tearDown(): Promise<void> {
  const errors: unknown[] = [];
  for (const undo of cleanup.reverse()) {
    try {
      await undo();
    } catch (error) {
      errors.push(error);
    }
  }
  cleanup.length = 0;
  if (errors.length > 0) throw errors[0];
}

function requireSession(): Session {
  if (!session) throw new Error('the client-download transfers did not set up (see the set-up error)');
  return session;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Runs a cell's alternated series (on, off, off, on, ...), recording every transfer; throws after it when one failed. */
async function runCell(cell: TransferCell): Promise<void> {
  const done = { on: 0, off: 0 };
  const failed: string[] = [];
  for (const receipts of runOrder(options.repetitions)) {
    const repetition = ++done[receipts ? 'on' : 'off'];
    const run = await transfer(cell, receipts, repetition);
    runs.push(run);
    recordExtra(EXPERIMENT, 'transfers', runs, root);
    if (run.error) failed.push(`receipts ${receipts ? 'on' : 'off'} #${repetition}: ${run.error}`);
  }
  if (failed.length > 0) throw new Error(`${cellLabel(cell)}: ${failed.join('; ')}`);
}

/** One transfer: a new seeder and a new downloader (a newly registered user), timed and measured. */
async function transfer(cell: TransferCell, receipts: boolean, repetition: number): Promise<TransferRun> {
  const s = requireSession();
  const torrent = s.torrents.get(cell.pieceSizeKb)!;
  const size = options.transferSizeMb * MB;
  const record: TransferRun = {
    speed_mbps: cell.speedMbps,
    piece_size_kb: cell.pieceSizeKb,
    receipts,
    repetition,
    size_bytes: size,
    pieces: torrent.pieces,
    elapsed_s: null,
    cpu: null,
    receipt_counts: null,
    tracker_credit: null,
  };
  const runDir = mkdtempSync(path.join(s.dir, 'run-'));
  const peers: PeerProcess[] = [];
  try {
    // A new downloader each run: receipts of the same piece, uploader, downloader and epoch would have spent ids.
    const keys = keyPairFromSeed(blst, s.seed, ++downloaders);
    const downloaderId = `downloader-${s.seed}-${downloaders}`;
    const { passkey } = await s.client.register(downloaderId, keys);
    const common = { torrent: torrent.file, ...PEER_SETTINGS };
    const seeder = PeerProcess.start(root, 'seeder', {
      ...common,
      role: 'seeder',
      dir: torrent.seedDir,
      stateDir: path.join(runDir, 'seeder'),
      ...(receipts && { secretKey: hex(s.uploader.keys.secretKey) }),
      tracker: { url: s.tracker.url, passkey: s.uploader.passkey },
      uploadRate: cell.speedMbps * MB,
    } satisfies PeerConfig);
    peers.push(seeder);
    const { address } = await seeder.next('ready', 60_000);
    if (!address) throw new Error('the seeder did not say where it listens');
    const downloading = PeerProcess.start(root, 'downloader', {
      ...common,
      role: 'downloader',
      dir: path.join(runDir, 'download'),
      stateDir: path.join(runDir, 'downloader'),
      ...(receipts && { secretKey: hex(keys.secretKey) }),
      tracker: { url: s.tracker.url, passkey },
      peers: [address],
    } satisfies PeerConfig);
    peers.push(downloading);
    await downloading.next('ready', 60_000);

    const uploadedBefore = (await s.client.user(s.uploader.userId)).uploaded;
    const downloadedBefore = (await s.client.user(downloaderId)).downloaded;
    const cpu = () => ({
      seeder: cpuSeconds(seeder.pid),
      downloader: cpuSeconds(downloading.pid),
      tracker: cpuSeconds(s.tracker.child.pid),
      machine: machineCpuSeconds(),
    });
    const before = cpu();
    const t0 = performance.now();
    downloading.send({ cmd: 'start' });
    // Generous: ten times the transfer at the link's speed, at least a minute; a download that moves no byte for 15 s has stalled.
    const done = await downloading.whenDone(seeder, Math.max(60_000, (size / (cell.speedMbps * MB)) * 10_000), 15_000);
    record.elapsed_s = done.elapsed_s;
    record.open_s = done.open_s;
    seeder.send({ cmd: 'flush', expected: receipts ? torrent.pieces : 0, timeoutMs: 30_000 });
    const flushed = await seeder.next('flushed', 120_000);
    const wall = (performance.now() - t0) / 1000;
    const after = cpu();
    const used = (from: number | null, to: number | null) => (from === null || to === null ? null : to - from);
    record.cpu = {
      wall_s: wall,
      seeder_s: used(before.seeder, after.seeder),
      downloader_s: used(before.downloader, after.downloader),
      tracker_s: used(before.tracker, after.tracker),
      machine_s: used(before.machine, after.machine),
    };
    const problems: string[] = [];
    if (done.stats.piecesVerified !== torrent.pieces) problems.push(`the downloader verified ${done.stats.piecesVerified} of ${torrent.pieces} pieces`);
    if (receipts) {
      record.receipt_counts = {
        signed: done.stats.receiptsSigned,
        sent: done.stats.receiptsSent,
        received: flushed.stats.receiptsReceived,
        rejected: flushed.stats.receiptsRejected,
        reported: flushed.stats.receiptsReported,
        credited: flushed.stats.receiptsCredited,
        credited_bytes: flushed.stats.creditedBytes,
      };
      record.tracker_credit = {
        uploader_uploaded_delta: (await s.client.user(s.uploader.userId)).uploaded - uploadedBefore,
        downloader_downloaded_delta: (await s.client.user(downloaderId)).downloaded - downloadedBefore,
      };
      if (flushed.missing > 0) problems.push(`${flushed.missing} receipts never reached the seeder`);
    } else if (done.stats.receiptsSigned > 0 || flushed.stats.receiptsReceived > 0) {
      problems.push('receipts were exchanged with receipts off');
    }
    const warnings = [...seeder.warnings.map((w) => `seeder: ${w}`), ...downloading.warnings.map((w) => `downloader: ${w}`)];
    if (warnings.length > 0) record.warnings = warnings;
    if (problems.length > 0) record.error = problems.join('; ');
  } catch (error) {
    record.error = error instanceof Error ? error.message : String(error);
    const warnings = peers.flatMap((peer) => peer.warnings.map((w) => `${peer.name}: ${w}`));
    if (warnings.length > 0) record.warnings = warnings;
  } finally {
    for (const peer of peers.reverse()) {
      const code = await peer.stop();
      if (code !== 0 && record.error === undefined) record.error = `the ${peer.name} exited with code ${code}:\n${peer.tail()}`;
    }
    rmSync(runDir, { recursive: true, force: true });
  }
  return record;
}
