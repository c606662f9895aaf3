import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type TestUser, getJson, postJson, register, reportBody, testUsers } from '../fixtures/pbts-client.ts';
import { type TrackerProcess, spawnTracker } from '../fixtures/tracker-process.ts';
import { decode } from '../src/bencode/index.ts';
import { TrackerClient } from '../src/client/tracker-client.ts';
import { percentEncode } from '../src/client/announce.ts';
import { getBackend } from '../src/receipts/index.ts';

const bls = getBackend('blst');
const users = testUsers('process-test-', 2);
const alice = users[0]!;
const bob = users[1]!;
const PIECE = 256 * 1024;
const INITIAL = 1_000_000;
/** A report of `count` fresh receipts from alice to bob. */
const reportOf = (count: number) => reportBody(alice, Array.from({ length: count }, () => bob), PIECE);
const [carl, dora] = testUsers('process-clients-', 2) as [TestUser, TestUser];
/** No chain, no TEE: the tracker alone, as the tests of its BitTorrent side need it. */
const BARE = ['--chain', 'none', '--dstack', 'none', '--verify-workers', '1'];

/** The scrape counts of `infohash` through `passkey`'s scrape URL. */
async function scrape(url: string, passkey: string, infohash: Uint8Array): Promise<Record<string, number> | undefined> {
  const body = decode(new Uint8Array(await (await fetch(`${url}/scrape/${passkey}?info_hash=${percentEncode(infohash)}`)).arrayBuffer()));
  return (body as { files: Record<string, Record<string, number>> }).files[Buffer.from(infohash).toString('latin1')];
}

describe('pbts tracker as a process', () => {
  let dataDir: string;
  let tracker: TrackerProcess | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'pbts-process-'));
  });
  afterEach(async () => {
    await tracker?.stop('SIGKILL');
    tracker = undefined;
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test('behavior: a report answered before SIGKILL survives the crash, and its replay is never credited', async () => {
    tracker = await spawnTracker(dataDir, ['--initial-credit', String(INITIAL), '--verify-workers', '1']);
    await register(tracker.url, alice);
    await register(tracker.url, bob);
    const body = reportOf(20);
    const first = await postJson(`${tracker.url}/report`, body);
    expect(first.status).toBe(200);
    expect(first.json.accepted).toBe(20);

    expect(await tracker.stop('SIGKILL')).toBe('SIGKILL');
    tracker = await spawnTracker(dataDir, ['--initial-credit', String(INITIAL), '--verify-workers', '1']);

    expect(await getJson(`${tracker.url}/users/${alice.userId}`)).toMatchObject({ uploaded: INITIAL + 20 * PIECE, downloaded: 0 });
    expect(await getJson(`${tracker.url}/users/${bob.userId}`)).toMatchObject({ uploaded: INITIAL, downloaded: 20 * PIECE });
    const replay = await postJson(`${tracker.url}/report`, body);
    expect(replay.status).toBe(409);
    expect(replay.json.error).toBe('already_spent');
    expect(await getJson(`${tracker.url}/users/${alice.userId}`)).toMatchObject({ uploaded: INITIAL + 20 * PIECE });

    // Fresh receipts are still credited after the restart.
    const fresh = await postJson(`${tracker.url}/report`, reportOf(5));
    expect(fresh.status).toBe(200);
    expect(fresh.json.sender.uploaded).toBe(INITIAL + 25 * PIECE);
  });

  test('default: SIGTERM shuts the tracker down gracefully with exit code 0', async () => {
    tracker = await spawnTracker(dataDir);
    expect((await fetch(`${tracker.url}/health`)).status).toBe(200);
    expect(await tracker.stop('SIGTERM')).toBe(0);
    expect(tracker.output()).toContain('pbts tracker stopped');
  });

  test('behavior: pbts keygen keeps the secret key in a 0600 file and pbts register sends only the public key and PoP', async () => {
    tracker = await spawnTracker(dataDir);
    const keyFile = path.join(dataDir, 'carol.json');
    const pbts = (...args: string[]) =>
      execFileSync(process.execPath, [path.resolve(import.meta.dirname, '../bin/pbts.js'), ...args], { encoding: 'utf8' });
    const made = pbts('keygen', '--out', keyFile);
    const key = JSON.parse(readFileSync(keyFile, 'utf8')) as { secret_key: string; public_key: string; pop: string };
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(made).not.toContain(key.secret_key);
    expect(bls.popVerify(Buffer.from(key.public_key, 'hex'), Buffer.from(key.pop, 'hex'))).toBe(true);
    const registered = pbts('register', '--tracker', tracker.url, '--user', 'carol', '--key', keyFile);
    expect(registered).toMatch(new RegExp(`announce URL ${tracker.url}/announce/[0-9a-f]{32}`));
    expect(registered).not.toContain(key.secret_key);
    expect(tracker.output()).not.toContain(key.secret_key);
  });

  test('behavior: --interval below 900 starts, with half of it as min interval unless --min-interval says', async () => {
    tracker = await spawnTracker(dataDir, [...BARE, '--interval', '60']);
    await register(tracker.url, carl);
    const announce = (client: TrackerClient) =>
      client.announce({ passkey: carl.passkey!, infohash: new Uint8Array(20).fill(1), peerId: new Uint8Array(20).fill(2), port: 6881, uploaded: 0, downloaded: 0, left: 0 });
    expect(await announce(new TrackerClient(tracker.url))).toMatchObject({ interval: 60, minInterval: 30 });
    expect(await getJson(`${tracker.url}/config`)).toMatchObject({ interval: 60, min_interval: 30, peer_ttl_seconds: 1320 });
    await tracker.stop();
    tracker = await spawnTracker(dataDir, [...BARE, '--interval', '60', '--min-interval', '45']);
    expect(await announce(new TrackerClient(tracker.url))).toMatchObject({ interval: 60, minInterval: 45 });
  });

  test('behavior: snatch counts survive the last peer leaving and a restart', async () => {
    tracker = await spawnTracker(dataDir, BARE);
    await register(tracker.url, dora);
    const client = new TrackerClient(tracker.url);
    const infohash = new Uint8Array(20).fill(9);
    const announce = (peer: number, left: number, event?: 'started' | 'stopped') =>
      client.announce({ passkey: dora.passkey!, infohash, peerId: new Uint8Array(20).fill(peer), port: 6881, uploaded: 0, downloaded: 0, left, event });
    await announce(1, 100, 'started');
    await announce(1, 0);
    // rTorrent's way out: stopped with left=0, its `completed` never sent.
    await announce(2, 100, 'started');
    await announce(2, 0, 'stopped');
    await announce(1, 0, 'stopped');
    expect(await scrape(tracker.url, dora.passkey!, infohash)).toEqual({ complete: 0, incomplete: 0, downloaded: 2 });
    expect(await tracker.stop('SIGTERM')).toBe(0);
    tracker = await spawnTracker(dataDir, BARE);
    expect(await scrape(tracker.url, dora.passkey!, infohash)).toEqual({ complete: 0, incomplete: 0, downloaded: 2 });
    expect(await getJson(`${tracker.url}/stats`)).toMatchObject({ torrents: 0, peers: 0 });
  });

  test('error: bad options stop the tracker with a message and a non-zero exit code', async () => {
    await expect(spawnTracker(dataDir, ['--mode', 'closed'])).rejects.toThrow(/--mode must be private or open/);
  });
});
