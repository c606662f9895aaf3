// A real BitTorrent client against `pbts tracker` as users run it: two of Debian's aria2c (1.36),
// a seeder and a leecher, each under its own registered user and announcing through its passkey
// URL (/announce/<passkey>, the form registration gives) to a private tracker on loopback. The
// leecher finds the seeder only through the tracker, the file arrives whole, and the scrape
// counts the download. Skipped when aria2c is missing, unless PBTS_REQUIRE_CLIENTS=1 (CI, whose
// .ci/run installs it), where that fails.
//
// What matters with real clients on one host, all on 127.0.0.1 (also in the README):
// - aria2 takes loopback peers from the tracker's answer and connects to them. Transmission 3
//   ignores tracker-given loopback peers but accepts incoming ones: there the leecher must be
//   the one the seeder connects to.
// - Several clients keep one connection per address (libtorrent's allow_multiple_connections_per_ip
//   is off by default): of several peers on 127.0.0.1 such a client talks to one. One seeder and
//   one leecher is the case every client gets right.
// - qBittorrent looks things up on the network at start (the peer-country database, for one):
//   switch that off, as DHT, LPD, PEX and UPnP, so nothing leaves loopback. aria2 here runs
//   with DHT, LPD and PEX off, bound to 127.0.0.1 (src/peer/aria2.ts).
// - libtorrent clients refuse a loopback tracker whose path does not start with /announce (their
//   default SSRF mitigation): /<passkey>/announce fails there, /announce/<passkey> works.
import { type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type TrackerProcess, spawnTracker } from '../fixtures/tracker-process.ts';
import { decode } from '../src/bencode/index.ts';
import { percentEncode } from '../src/client/announce.ts';
import { TrackerClient } from '../src/client/tracker-client.ts';
import { aria2Version, clientsRequired, runAria2 } from '../src/peer/aria2.ts';
import { createTorrent, parseMetainfo } from '../src/peer/index.ts';
import { generateKeyPair, getBackend } from '../src/receipts/index.ts';

if (!aria2Version && !clientsRequired) {
  console.warn('test/real-client.test.ts: aria2c not found, skipping (apt-get install aria2; PBTS_REQUIRE_CLIENTS=1 makes this fail)');
}

const SIZE = 4 * 1024 * 1024;
const PIECE = 256 * 1024;
const TIMEOUT = 90_000;
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

let scratch: string;
let tracker: TrackerProcess | undefined;
const children: ChildProcess[] = [];

/** The tracker's counts for `infohash`, through `passkey`'s scrape URL. */
async function scrape(passkey: string, infohash: Uint8Array): Promise<Record<string, number>> {
  const response = await fetch(`${tracker!.url}/scrape/${passkey}?info_hash=${percentEncode(infohash)}`);
  const body = decode(new Uint8Array(await response.arrayBuffer())) as { files: Record<string, Record<string, number>> };
  return body.files[Buffer.from(infohash).toString('latin1')]!;
}

/**
 * SIGINT, aria2's graceful shutdown, which announces `stopped` (SIGTERM is its emergency
 * shutdown: it leaves without a word to the tracker); SIGKILL if it has not gone within 10 s.
 */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'pbts-real-client-'));
});
afterAll(async () => {
  await Promise.all(children.map(stop));
  await tracker?.stop();
  await rm(scratch, { recursive: true, force: true });
});

describe.skipIf(!aria2Version && !clientsRequired)(`${aria2Version ?? 'aria2'} against pbts tracker in private mode`, () => {
  test('behavior: a seeder and a leecher meet through their passkey URLs, the file arrives whole, and scrape counts the download', { timeout: TIMEOUT }, async () => {
    expect(aria2Version, 'aria2c is required (PBTS_REQUIRE_CLIENTS=1)').toBeDefined();
    tracker = await spawnTracker(join(scratch, 'tracker'), ['--chain', 'none', '--dstack', 'none', '--verify-workers', '1']);
    const client = new TrackerClient(tracker.url);
    const bls = getBackend('blst');
    const [seeder, leecher] = [await client.register('seeder', generateKeyPair(bls)), await client.register('leecher', generateKeyPair(bls))];
    expect(seeder.announceUrl).toBe(`${tracker.url}/announce/${seeder.passkey}`);

    // One file; each user's .torrent carries its own announce URL, outside the info dict: one infohash.
    const seedDir = join(scratch, 'seed');
    const leechDir = join(scratch, 'leech');
    const data = randomBytes(SIZE);
    await mkdir(seedDir);
    await mkdir(leechDir);
    await writeFile(join(seedDir, 'data.bin'), data);
    const torrentOf = (announce: string) => createTorrent(join(seedDir, 'data.bin'), { pieceLength: PIECE, announce, private: true });
    const [seedTorrent, leechTorrent] = [await torrentOf(seeder.announceUrl), await torrentOf(leecher.announceUrl)];
    const infohash = parseMetainfo(seedTorrent).infoHash;
    expect(parseMetainfo(leechTorrent).infoHash).toEqual(infohash);

    // The seeder checks its data and seeds until stopped (ratio 0: whatever it uploads).
    const seeding = await runAria2(seedTorrent, join(scratch, 'seed.torrent'), seedDir, ['--check-integrity=true', '--bt-hash-check-seed=true', '--seed-ratio=0.0']);
    children.push(seeding.child);
    await expect.poll(async () => (await scrape(seeder.passkey, infohash)).complete, { timeout: 30_000, interval: 200 }).toBe(1);
    expect(await scrape(seeder.passkey, infohash)).toEqual({ complete: 1, incomplete: 0, downloaded: 0 });

    // The leecher knows the seeder only from the tracker's answer, and leaves once done.
    const started = Date.now();
    const leeching = await runAria2(leechTorrent, join(scratch, 'leech.torrent'), leechDir, ['--seed-time=0']);
    children.push(leeching.child);
    const [code] = (await once(leeching.child, 'exit')) as [number | null];
    expect(code, leeching.output()).toBe(0);
    console.log(`test/real-client.test.ts: ${aria2Version}: ${SIZE / 2 ** 20} MiB through pbts tracker in ${Date.now() - started} ms`);
    expect(sha256(await readFile(join(leechDir, 'data.bin')))).toBe(sha256(data));

    // aria2 with --seed-time=0 leaves with `stopped` and left=0, without a `completed`: it counts.
    expect(await scrape(leecher.passkey, infohash)).toEqual({ complete: 1, incomplete: 0, downloaded: 1 });
    await stop(seeding.child);
    expect(seeding.child.exitCode, seeding.output()).toBe(0);
    await expect.poll(async () => (await scrape(seeder.passkey, infohash)).complete, { timeout: 10_000, interval: 100 }).toBe(0);
    expect(await scrape(seeder.passkey, infohash)).toEqual({ complete: 0, incomplete: 0, downloaded: 1 });
    expect(await client.stats()).toMatchObject({ torrents: 0, peers: 0 });
  });
});
