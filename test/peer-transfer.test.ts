import type Wire from 'bittorrent-protocol';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { AlreadySpentRefusal, TrackerClient } from '../src/client/tracker-client.ts';
import { createTorrent, parseMetainfo, Torrent, type TorrentOptions } from '../src/peer/index.ts';
import { PbtsPeer, type PbtsPeerOptions, type PbtsPeerStats } from '../src/peer/pbts/index.ts';
import { Inbox, INBOX_FILE } from '../src/peer/pbts/inbox.ts';
import { currentEpoch, generateKeyPair, getBackend, type KeyPair, type Receipt, signReceipt } from '../src/receipts/index.ts';
import { pbtsExtension, pbtsOf } from '../src/wire/index.ts';
import { type RunningTracker, startTracker } from '../src/tracker/server.ts';

const bls = getBackend('blst');
const INITIAL = 1024 ** 3;
const PIECE = 256 * 1024;
const SIZE = 3 * 1024 * 1024;
const PIECES = SIZE / PIECE;

let tracker: RunningTracker;
let client: TrackerClient;
const dirs: string[] = [];
const peers: PbtsPeer[] = [];
let users = 0;

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pbts-transfer-'));
  dirs.push(dir);
  return dir;
}

/** A registered user: its keys and passkey. */
async function user(): Promise<{ name: string; keys: KeyPair; passkey: string }> {
  const name = `user${users++}`;
  const keys = generateKeyPair(bls);
  const { passkey } = await client.register(name, keys);
  return { name, keys, passkey };
}

/** A torrent of `size` random bytes in a fresh folder (the seeder's). */
async function torrentOf(size: number): Promise<{ torrent: Uint8Array; dir: string; data: Buffer }> {
  const dir = await scratch();
  const data = randomBytes(size);
  await writeFile(join(dir, 'data.bin'), data);
  const torrent = await createTorrent(join(dir, 'data.bin'), { pieceLength: PIECE, announce: `${tracker.url}/announce`, private: true });
  return { torrent, dir, data };
}

async function open(options: Omit<PbtsPeerOptions, 'stateDir'> & { stateDir?: string }): Promise<PbtsPeer> {
  const peer = await PbtsPeer.open({ stateDir: await scratch(), ...options });
  peers.push(peer);
  return peer;
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(async () => {
  tracker = await startTracker({ port: 0, host: '127.0.0.1', verifyWorkers: 1, backend: 'blst', config: { dataDir: await scratch(), initialCredit: INITIAL } });
  client = new TrackerClient(tracker.url);
});
afterEach(async () => {
  await Promise.all(peers.splice(0).map((peer) => peer.close()));
});
afterAll(async () => {
  await tracker.close();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('PBTS peers through the tracker', () => {
  test('default', async () => {
    const [alice, bob] = [await user(), await user()];
    const { torrent, dir, data } = await torrentOf(SIZE);
    const url = tracker.url;
    const stateDir = await scratch();
    const seeder = await open({ torrent, dir, stateDir, keys: alice.keys, tracker: { url, passkey: alice.passkey } });
    const downloadDir = await scratch();
    const downloader = await open({ torrent, dir: downloadDir, keys: bob.keys, tracker: { url, passkey: bob.passkey } });
    await downloader.whenDone();
    await seeder.flushReports();

    expect((await readFile(join(downloadDir, 'data.bin'))).equals(data)).toBe(true);
    expect(seeder.stats()).toMatchObject({ receiptsReceived: PIECES, receiptsRejected: 0, receiptsReported: PIECES, receiptsCredited: PIECES, creditedBytes: SIZE, uploaded: SIZE });
    expect(downloader.stats()).toMatchObject({ receiptsSigned: PIECES, receiptsSent: PIECES, piecesVerified: PIECES, pieces: PIECES, downloaded: SIZE });
    expect(await client.user(alice.name)).toMatchObject({ uploaded: INITIAL + SIZE, downloaded: 0 });
    expect(await client.user(bob.name)).toMatchObject({ uploaded: INITIAL, downloaded: SIZE });

    // Every piece's receipt was stored and credited, once: a replay is refused.
    const infohash = parseMetainfo(torrent).infoHash;
    const inbox = Inbox.open(stateDir);
    const credited = inbox.list(infohash, 'credited', 100);
    expect(inbox.pendingCount(infohash)).toBe(0);
    inbox.close();
    expect(credited.map((stored) => stored.receipt.pieceIndex).sort((a, b) => a - b)).toEqual([...Array(PIECES).keys()]);
    await expect(client.report([credited[3]!.receipt])).rejects.toBeInstanceOf(AlreadySpentRefusal);
    expect(await client.user(alice.name)).toMatchObject({ uploaded: INITIAL + SIZE });
    // `completed` reached the tracker; `stopped` takes both out of the swarm.
    await expect.poll(async () => (await client.stats()).seeders).toBe(2);
    await Promise.all([seeder.close(), downloader.close()]);
    expect(await client.stats()).toMatchObject({ peers: 0 });
  });

  test('behavior: a piece is credited once, to one seeder, when two seed it', async () => {
    const [alice, carol, bob] = [await user(), await user(), await user()];
    const { torrent, dir, data } = await torrentOf(SIZE);
    const url = tracker.url;
    const seeders = [
      await open({ torrent, dir, keys: alice.keys, tracker: { url, passkey: alice.passkey } }),
      await open({ torrent, dir, keys: carol.keys, tracker: { url, passkey: carol.passkey } }),
    ];
    const downloadDir = await scratch();
    const downloader = await open({ torrent, dir: downloadDir, keys: bob.keys, tracker: { url, passkey: bob.passkey } });
    await downloader.whenDone();
    await Promise.all(seeders.map((seeder) => seeder.flushReports()));

    expect((await readFile(join(downloadDir, 'data.bin'))).equals(data)).toBe(true);
    expect(downloader.stats()).toMatchObject({ receiptsSigned: PIECES, peers: 2 });
    const [a, c] = seeders.map((seeder) => seeder.stats()) as [PbtsPeerStats, PbtsPeerStats];
    expect(a.receiptsCredited + c.receiptsCredited).toBe(PIECES);
    expect(a.creditedBytes + c.creditedBytes).toBe(SIZE);
    const uploaded = (await client.user(alice.name)).uploaded + (await client.user(carol.name)).uploaded;
    expect(uploaded).toBe(2 * INITIAL + SIZE);
    expect(await client.user(bob.name)).toMatchObject({ downloaded: SIZE });
  });

  test('behavior: receipts stored before a restart are reported after it, credited exactly once', async () => {
    const [alice, bob] = [await user(), await user()];
    const { torrent, dir } = await torrentOf(SIZE);
    const url = tracker.url;
    const stateDir = await scratch();
    const quiet = { reportIntervalMs: 3_600_000, reportBatch: 1000 };
    const seeder = await open({ torrent, dir, stateDir, keys: alice.keys, tracker: { url, passkey: alice.passkey }, ...quiet });
    const downloader = await open({ torrent, dir: await scratch(), keys: bob.keys, tracker: { url, passkey: bob.passkey } });
    await downloader.whenDone();
    await until(() => seeder.stats().receiptsReceived === PIECES);
    expect(seeder.stats()).toMatchObject({ receiptsReported: 0 });
    await seeder.close();
    expect(await client.user(alice.name)).toMatchObject({ uploaded: INITIAL });

    const reopened = await open({ torrent, dir, stateDir, keys: alice.keys, tracker: { url, passkey: alice.passkey } });
    await reopened.flushReports();
    expect(reopened.stats()).toMatchObject({ receiptsReceived: 0, receiptsReported: PIECES, receiptsCredited: PIECES, creditedBytes: SIZE });
    expect(await client.user(alice.name)).toMatchObject({ uploaded: INITIAL + SIZE });
    expect(await client.user(bob.name)).toMatchObject({ downloaded: SIZE });
  });
});

describe('the incentive and the plain-peer policy (no tracker)', () => {
  const torrents: Torrent[] = [];
  afterEach(async () => {
    await Promise.all(torrents.splice(0).map((torrent) => torrent.close()));
  });

  /** A BitTorrent session of the engine, outside PbtsPeer (a test peer built from the same parts). */
  async function session(options: Omit<TorrentOptions, 'dir' | 'metainfo'> & { torrent: Uint8Array }): Promise<Torrent> {
    const torrent = await Torrent.open({ ...options, metainfo: parseMetainfo(options.torrent), dir: await scratch() });
    torrents.push(torrent);
    return torrent;
  }

  test('behavior: a downloader that withholds receipts gets `receiptLead` pieces and a request; once it sends them, the rest', async () => {
    const { torrent, dir } = await torrentOf(SIZE);
    const metainfo = parseMetainfo(torrent);
    const seederKeys = generateKeyPair(bls);
    const seeder = await open({ torrent, dir, keys: seederKeys, receiptLead: 3 });
    const keys = generateKeyPair(bls);
    const requests: number[] = [];
    const verified = new Map<number, Uint8Array>();
    let honest = false;
    let wire: Wire | undefined;
    const receiptOf = (index: number): Receipt => {
      const fields = {
        infohash: metainfo.infoHash,
        senderPk: seederKeys.publicKey,
        receiverPk: keys.publicKey,
        pieceHash: new Uint8Array(createHash('sha256').update(verified.get(index)!).digest()),
        pieceIndex: index,
        pieceSize: verified.get(index)!.length,
        epoch: currentEpoch(),
      };
      return signReceipt(bls, fields, keys.secretKey);
    };
    const withholder = await session({
      torrent,
      onWire: (w) => {
        wire = w;
        w.use(pbtsExtension({ publicKey: keys.publicKey }));
        pbtsOf(w)!.on('request', (index) => requests.push(index));
      },
    });
    withholder.on('piece-verified', ({ index, data }) => {
      verified.set(index, Buffer.from(data));
      if (honest) pbtsOf(wire!)!.sendReceipt(receiptOf(index));
    });
    await withholder.connect('127.0.0.1', seeder.address.port);

    await until(() => withholder.have.count === 3);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(withholder.have.count).toBe(3);
    expect(seeder.stats()).toMatchObject({ uploaded: 3 * PIECE, receiptsReceived: 0 });
    // Held back for a second, the seeder asks for the oldest receipt it is owed.
    await until(() => requests.length > 0);
    expect(verified.has(requests[0]!)).toBe(true);

    honest = true;
    expect(pbtsOf(wire!)!.sendBatch([...verified.keys()].map(receiptOf))).toBe(true);
    // Serving resumes, to the end. (The engine pauses a peer that refused it, 250 ms and doubling.)
    await until(() => withholder.done, 20_000);
    await until(() => seeder.stats().receiptsReceived === PIECES);
    expect(seeder.stats()).toMatchObject({ uploaded: SIZE, receiptsRejected: 0 });
  });

  test('behavior: a downloader whose receipts carry bad signatures gets at most two leads of pieces, and none of its receipts is kept', async () => {
    const { torrent, dir } = await torrentOf(SIZE);
    const metainfo = parseMetainfo(torrent);
    const seederKeys = generateKeyPair(bls);
    const seeder = await open({ torrent, dir, keys: seederKeys, receiptLead: 3 });
    const keys = generateKeyPair(bls);
    const forger = generateKeyPair(bls);
    let wire: Wire | undefined;
    const rejected: string[] = [];
    const cheat = await session({
      torrent,
      onWire: (w) => {
        wire = w;
        w.use(pbtsExtension({ publicKey: keys.publicKey }));
        pbtsOf(w)!.on('reject', (_index, reason) => rejected.push(reason));
      },
    });
    // Every field right, the signature by another key: only the (batched) verification finds out.
    cheat.on('piece-verified', ({ index, data }) => {
      const fields = {
        infohash: metainfo.infoHash,
        senderPk: seederKeys.publicKey,
        receiverPk: keys.publicKey,
        pieceHash: new Uint8Array(createHash('sha256').update(data).digest()),
        pieceIndex: index,
        pieceSize: data.length,
        epoch: currentEpoch(),
      };
      pbtsOf(wire!)!.sendReceipt(signReceipt(bls, fields, forger.secretKey));
    });
    await cheat.connect('127.0.0.1', seeder.address.port);

    await until(() => rejected.length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(cheat.have.count).toBeGreaterThanOrEqual(3);
    expect(cheat.have.count).toBeLessThanOrEqual(6);
    expect(rejected).toEqual(Array(cheat.have.count).fill('bad_signature'));
    expect(seeder.stats()).toMatchObject({ receiptsReceived: 0, receiptsRejected: cheat.have.count });
  });

  test('behavior: a peer without the extension is never unchoked by default', async () => {
    const { torrent, dir } = await torrentOf(SIZE);
    const seeder = await open({ torrent, dir, keys: generateKeyPair(bls) });
    const plain = await session({ torrent });
    const peer = await plain.connect('127.0.0.1', seeder.address.port);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(peer.wire.amInterested).toBe(true);
    expect(peer.wire.peerChoking).toBe(true);
    expect(plain.have.count).toBe(0);
    expect(seeder.stats()).toMatchObject({ uploaded: 0, peers: 1 });
  });

  test("behavior: with plainPeers 'serve' a peer with receipts off downloads as plain BitTorrent", async () => {
    const { torrent, dir, data } = await torrentOf(SIZE);
    const seeder = await open({ torrent, dir, keys: generateKeyPair(bls), plainPeers: 'serve' });
    const downloadDir = await scratch();
    const stateDir = await scratch();
    const plain = await open({ torrent, dir: downloadDir, stateDir, peers: [seeder.address] });
    await plain.whenDone();
    expect((await readFile(join(downloadDir, 'data.bin'))).equals(data)).toBe(true);
    expect(seeder.stats()).toMatchObject({ uploaded: SIZE, receiptsReceived: 0, receiptsRejected: 0 });
    expect(plain.stats()).toMatchObject({ downloaded: SIZE, receiptsSigned: 0 });
    expect(existsSync(join(stateDir, INBOX_FILE))).toBe(false);
  });

  test('behavior: a PBTS downloader signs nothing for pieces from a peer with receipts off', async () => {
    const { torrent, dir } = await torrentOf(SIZE);
    const seeder = await open({ torrent, dir });
    const downloader = await open({ torrent, dir: await scratch(), keys: generateKeyPair(bls), peers: [seeder.address] });
    await downloader.whenDone();
    expect(downloader.stats()).toMatchObject({ downloaded: SIZE, receiptsSigned: 0, receiptsSent: 0 });
    expect(seeder.stats()).toMatchObject({ uploaded: SIZE });
  });

  test('error: bad options are refused', async () => {
    const { torrent, dir } = await torrentOf(PIECE);
    await expect(open({ torrent, dir, receiptLead: 0 })).rejects.toThrow(/receiptLead/);
    await expect(open({ torrent, dir, plainPeers: 'maybe' as 'serve' })).rejects.toThrow(/plainPeers/);
    await expect(open({ torrent, dir, reportBatch: 1.5 })).rejects.toThrow(/reportBatch/);
    await expect(open({ torrent: new Uint8Array([1, 2, 3]), dir })).rejects.toThrow(/torrent/);
  });
});
