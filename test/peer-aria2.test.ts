// A PBTS peer and a real BitTorrent client, Debian's aria2 (`apt-get install aria2`), meeting
// through the real PBTS tracker: aria2 has no keys, only a passkey in its torrent's announce URL.
// Skipped when aria2c is missing, unless PBTS_REQUIRE_CLIENTS=1 (CI), where that fails.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { decode } from '../src/bencode/index.ts';
import { TrackerClient } from '../src/client/tracker-client.ts';
import { type Aria2, aria2Version, clientsRequired, runAria2 } from '../src/peer/aria2.ts';
import { createTorrent, parseMetainfo } from '../src/peer/index.ts';
import { PbtsPeer, type PbtsPeerOptions } from '../src/peer/pbts/index.ts';
import { generateKeyPair, getBackend, type KeyPair } from '../src/receipts/index.ts';
import { type RunningTracker, startTracker } from '../src/tracker/server.ts';

const version = aria2Version;
const required = clientsRequired;
if (!version && !required) console.warn('test/peer-aria2.test.ts: aria2c not found, skipping (apt-get install aria2; PBTS_REQUIRE_CLIENTS=1 makes this fail)');

const bls = getBackend('blst');
const INITIAL = 1024 ** 3;
const PIECE = 256 * 1024;
const SIZE = 3 * 1024 * 1024;
const PIECES = SIZE / PIECE;
const TIMEOUT = 30_000;

let tracker: RunningTracker;
let client: TrackerClient;
const dirs: string[] = [];
const peers: PbtsPeer[] = [];
const children: ChildProcess[] = [];
let users = 0;

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pbts-aria2-'));
  dirs.push(dir);
  return dir;
}

/** A registered user: its keys, passkey and the announce URL a plain client is given. */
async function user(): Promise<{ name: string; keys: KeyPair; passkey: string; announceUrl: string }> {
  const name = `aria2user${users++}`;
  const keys = generateKeyPair(bls);
  const { passkey, announceUrl } = await client.register(name, keys);
  return { name, keys, passkey, announceUrl };
}

/**
 * Random data in a fresh folder and two .torrents of it: the PBTS one (announce without a
 * passkey: a PbtsPeer gets its passkey from its options) and aria2's, whose announce carries
 * the passkey of `announceUrl`. The announce is outside the info dict: one infohash.
 */
async function torrentsOf(size: number, announceUrl: string): Promise<{ torrent: Uint8Array; plainTorrent: Uint8Array; dir: string; data: Buffer }> {
  const dir = await scratch();
  const data = randomBytes(size);
  await writeFile(join(dir, 'data.bin'), data);
  const torrent = await createTorrent(join(dir, 'data.bin'), { pieceLength: PIECE, announce: `${tracker.url}/announce`, private: true });
  const plainTorrent = await createTorrent(join(dir, 'data.bin'), { pieceLength: PIECE, announce: announceUrl, private: true });
  const [pbts, plain] = [parseMetainfo(torrent), parseMetainfo(plainTorrent)];
  expect(plain.announce).toEqual([announceUrl]);
  expect(pbts.announce).not.toEqual(plain.announce);
  expect(plain.infoHashHex).toBe(pbts.infoHashHex);
  return { torrent, plainTorrent, dir, data };
}

async function open(options: Omit<PbtsPeerOptions, 'stateDir'>): Promise<PbtsPeer> {
  const peer = await PbtsPeer.open({ stateDir: await scratch(), ...options });
  peers.push(peer);
  return peer;
}

/** Runs aria2c on a .torrent (a scratch copy) with its data in `dir`, and records it for clean-up. */
async function startAria2(torrent: Uint8Array, dir: string, args: string[]): Promise<Aria2> {
  const aria2 = await runAria2(torrent, join(await scratch(), 'plain.torrent'), dir, args);
  children.push(aria2.child);
  return aria2;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    // aria2 announces `stopped` on SIGTERM; a second signal makes it quit at once.
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

/** The tracker's counts for one torrent, through the scrape route (a private tracker wants a passkey). */
async function scrape(passkey: string, infohash: Uint8Array): Promise<{ complete: number; incomplete: number; downloaded: number }> {
  const escaped = [...infohash].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  const response = await fetch(`${tracker.url}/scrape/${passkey}?info_hash=${escaped}`);
  const body = decode(new Uint8Array(await response.arrayBuffer())) as { files?: Record<string, Record<string, number>> };
  const counts = body.files?.[Buffer.from(infohash).toString('latin1')];
  return { complete: counts?.complete ?? 0, incomplete: counts?.incomplete ?? 0, downloaded: counts?.downloaded ?? 0 };
}

/** What the tracker holds of users and reports, to show none of it moved. */
async function ledger(...names: string[]): Promise<{ users: { uploaded: number; downloaded: number }[]; reports: number; uploaded: number; downloaded: number }> {
  const stats = await client.stats();
  const users = await Promise.all(names.map(async (name) => ({ uploaded: (await client.user(name)).uploaded, downloaded: (await client.user(name)).downloaded })));
  return { users, reports: stats.reports, uploaded: stats.uploaded_bytes, downloaded: stats.downloaded_bytes };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  tracker = await startTracker({ port: 0, host: '127.0.0.1', verifyWorkers: 1, backend: 'blst', config: { dataDir: await scratch(), initialCredit: INITIAL } });
  client = new TrackerClient(tracker.url);
});
afterEach(async () => {
  await Promise.all(children.splice(0).map(stop));
  await Promise.all(peers.splice(0).map((peer) => peer.close()));
});
afterAll(async () => {
  await tracker?.close();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe.skipIf(!version && !required)(`PBTS peers and ${version ?? 'aria2'} through the PBTS tracker`, () => {
  test("behavior: aria2 downloads from a PBTS seeder with plainPeers 'serve', and nobody is credited or signs a receipt", { timeout: TIMEOUT }, async () => {
    expect(version, 'aria2c is required (PBTS_REQUIRE_CLIENTS=1)').toBeDefined();
    const [alice, plain] = [await user(), await user()];
    const { torrent, plainTorrent, dir, data } = await torrentsOf(SIZE, plain.announceUrl);
    const seeder = await open({ torrent, dir, keys: alice.keys, tracker: { url: tracker.url, passkey: alice.passkey }, plainPeers: 'serve' });
    const before = await ledger(alice.name, plain.name);

    // aria2 knows the seeder only from the tracker's answer to its announce.
    const downloadDir = await scratch();
    const { child, output } = await startAria2(plainTorrent, downloadDir, ['--seed-time=0']);
    const [code] = await once(child, 'exit');
    expect(code, output()).toBe(0);
    expect((await readFile(join(downloadDir, 'data.bin'))).equals(data)).toBe(true);

    await seeder.flushReports();
    expect(seeder.stats()).toMatchObject({ uploaded: SIZE, receiptsReceived: 0, receiptsRejected: 0, receiptsReported: 0, receiptsCredited: 0, creditedBytes: 0 });
    // The tracker credits receipts only; aria2's announced `downloaded` is never read.
    expect(await ledger(alice.name, plain.name)).toEqual(before);
    expect(before.users).toEqual([
      { uploaded: INITIAL, downloaded: 0 },
      { uploaded: INITIAL, downloaded: 0 },
    ]);
    // aria2 with --seed-time=0 goes from `started` (left > 0) straight to `stopped` with left=0,
    // never `completed`: it left the swarm, and its download counts.
    expect(await scrape(alice.passkey, parseMetainfo(torrent).infoHash)).toEqual({ complete: 1, incomplete: 0, downloaded: 1 });
  });

  test("behavior: aria2 connects to a PBTS seeder with plainPeers 'refuse' but stays choked and gets no payload", { timeout: TIMEOUT }, async () => {
    expect(version, 'aria2c is required (PBTS_REQUIRE_CLIENTS=1)').toBeDefined();
    const [alice, plain] = [await user(), await user()];
    const { torrent, plainTorrent, dir, data } = await torrentsOf(SIZE, plain.announceUrl);
    const seeder = await open({ torrent, dir, keys: alice.keys, tracker: { url: tracker.url, passkey: alice.passkey }, plainPeers: 'refuse' });

    const downloadDir = await scratch();
    const { child, output } = await startAria2(plainTorrent, downloadDir, ['--seed-time=0']);
    await expect.poll(() => seeder.stats().peers, { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(1);
    await sleep(3000);
    expect(child.exitCode, output()).toBeNull();
    expect(seeder.stats()).toMatchObject({ uploaded: 0, receiptsReceived: 0 });
    await stop(child);
    const file = join(downloadDir, 'data.bin');
    expect(existsSync(file) && (await readFile(file)).equals(data)).toBe(false);
    expect(seeder.stats().uploaded).toBe(0);
  });

  describe('a PBTS downloader finds aria2 seeding through the tracker', () => {
    /** aria2 seeding the complete file under its own passkey; resolves once the tracker lists it as a seeder. */
    async function aria2Seeder(): Promise<{ torrent: Uint8Array; data: Buffer; plain: { name: string }; output: () => string }> {
      const plain = await user();
      const { torrent, plainTorrent, dir, data } = await torrentsOf(SIZE, plain.announceUrl);
      const { output } = await startAria2(plainTorrent, dir, ['--check-integrity=true', '--bt-hash-check-seed=true', '--seed-ratio=0.0', '--seed-time=10']);
      const infohash = parseMetainfo(torrent).infoHash;
      await expect.poll(async () => (await scrape(plain.passkey, infohash)).complete, { timeout: 15_000, interval: 100 }).toBe(1);
      return { torrent, data, plain, output };
    }

    test("behavior: a PBTS downloader with plainPeers 'serve' downloads from aria2 and signs no receipt", { timeout: TIMEOUT }, async () => {
      expect(version, 'aria2c is required (PBTS_REQUIRE_CLIENTS=1)').toBeDefined();
      const { torrent, data, plain } = await aria2Seeder();
      const bob = await user();
      const before = await ledger(bob.name, plain.name);
      const downloadDir = await scratch();
      // No `peers`: the tracker's answer to `started` is how it finds aria2.
      const downloader = await open({ torrent, dir: downloadDir, keys: bob.keys, tracker: { url: tracker.url, passkey: bob.passkey }, plainPeers: 'serve' });
      await downloader.whenDone();
      expect((await readFile(join(downloadDir, 'data.bin'))).equals(data)).toBe(true);
      expect(downloader.stats()).toMatchObject({ downloaded: SIZE, piecesVerified: PIECES, receiptsSigned: 0, receiptsSent: 0 });
      expect(await ledger(bob.name, plain.name)).toEqual(before);
    });

    test("behavior: a PBTS downloader with plainPeers 'refuse' still downloads from aria2 ('refuse' governs serving only)", { timeout: TIMEOUT }, async () => {
      expect(version, 'aria2c is required (PBTS_REQUIRE_CLIENTS=1)').toBeDefined();
      const { torrent, data, plain } = await aria2Seeder();
      const bob = await user();
      const before = await ledger(bob.name, plain.name);
      const downloadDir = await scratch();
      const downloader = await open({ torrent, dir: downloadDir, keys: bob.keys, tracker: { url: tracker.url, passkey: bob.passkey }, plainPeers: 'refuse' });
      await downloader.whenDone();
      expect((await readFile(join(downloadDir, 'data.bin'))).equals(data)).toBe(true);
      expect(downloader.stats()).toMatchObject({ downloaded: SIZE, uploaded: 0, piecesVerified: PIECES, receiptsSigned: 0, receiptsSent: 0 });
      expect(await ledger(bob.name, plain.name)).toEqual(before);
    });
  });
});
