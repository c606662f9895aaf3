// Interoperability with a real BitTorrent client: Debian's aria2 (`apt-get install aria2`).
// Skipped when aria2c is missing, unless PBTS_REQUIRE_CLIENTS=1 (CI), where that fails.
import { Server } from 'bittorrent-tracker';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { type Aria2, aria2Version, clientsRequired, runAria2 } from './aria2.ts';
import type { Peer } from './engine.ts';
import type { Metainfo } from './metainfo.ts';
import { Scratch, whenDone, type Fixture } from './testing.ts';

const version = aria2Version;
const required = clientsRequired;
if (!version && !required) console.warn('src/peer/interop.test.ts: aria2c not found, skipping (apt-get install aria2; PBTS_REQUIRE_CLIENTS=1 makes this fail)');

const scratch = new Scratch();
const children: ChildProcess[] = [];
const trackers: Server[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }
  await Promise.all(trackers.splice(0).map((tracker) => new Promise<void>((resolve) => tracker.close(() => resolve()))));
  await scratch.cleanup();
});

/** An open tracker (bittorrent-tracker's server, HTTP only) on loopback; returns its announce URL. */
async function tracker(): Promise<string> {
  const server = new Server({ http: true, udp: false, ws: false, stats: false });
  trackers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.http!.address() as AddressInfo).port}/announce`;
}

/** Announces a seeder at `port` (a plain HTTP announce, as any client makes). */
async function announce(url: string, metainfo: Metainfo, peerId: Uint8Array, port: number): Promise<void> {
  const escape = (bytes: Uint8Array) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  const query = `info_hash=${escape(metainfo.infoHash)}&peer_id=${escape(peerId)}&port=${port}&uploaded=0&downloaded=0&left=0&compact=1&event=started`;
  const response = await fetch(`${url}?${query}`);
  expect(response.status).toBe(200);
  await response.arrayBuffer();
}

/** Runs aria2c on the fixture's .torrent (written to `dir`) and records it for clean-up. */
async function startAria2(fixture: Fixture, dir: string, args: string[]): Promise<Aria2> {
  const aria2 = await runAria2(fixture.torrent, join(dir, 'file.torrent'), dir, args);
  children.push(aria2.child);
  return aria2;
}

/** What a real client said about itself in its BEP 10 handshake. */
function extendedHandshake(peer: Peer): { client: string; extensions: string[] } {
  const handshake = peer.wire.peerExtendedHandshake as { v?: Uint8Array; m?: Record<string, number> };
  return { client: handshake.v ? Buffer.from(handshake.v).toString() : '', extensions: Object.keys(handshake.m ?? {}).sort() };
}

async function sameFiles(fixture: Fixture, root: string): Promise<boolean> {
  for (const [path, data] of fixture.contents) if (!(await readFile(join(root, path))).equals(data)) return false;
  return true;
}

describe.skipIf(!version && !required)(`interop with ${version ?? 'aria2'}`, () => {
  test('default: aria2 downloads a multi-file torrent from our seeder (it connects, with MSE)', async () => {
    expect(version, 'aria2c is required (PBTS_REQUIRE_CLIENTS=1)').toBeDefined();
    const url = await tracker();
    const fixture = await scratch.fixture({ 'a.bin': 700_000, 'sub/b.bin': 1_300_001 }, { pieceLength: 64 * 1024, announce: url });
    const seeder = await scratch.open({ metainfo: fixture.metainfo, dir: fixture.dir });
    const peers: Peer[] = [];
    seeder.on('peer', (peer) => peers.push(peer));
    const extended = new Promise<Record<string, unknown>>((resolve) => seeder.on('wire', (wire) => wire.once('extended', (_name: string, handshake: Record<string, unknown>) => resolve(handshake))));
    const { port } = await seeder.listen();
    await announce(url, fixture.metainfo, seeder.peerId, port);

    const dir = await scratch.dir();
    const { child, output } = await startAria2(fixture, dir, ['--seed-time=0']);
    const [code] = await once(child, 'exit');
    expect(code, output()).toBe(0);
    expect(await sameFiles(fixture, join(dir, 'set'))).toBe(true);
    expect(seeder.uploaded).toBe(fixture.metainfo.length);

    await extended;
    const peer = peers[0]!;
    expect(peer.outgoing).toBe(false);
    // aria2 opens with the MSE handshake offering both; as the answering side we pick plaintext.
    expect(peer.encryption).toBe('mse-plaintext');
    expect(peer.wire.hasFast).toBe(true);
    expect(extendedHandshake(peer)).toEqual({ client: expect.stringMatching(/^aria2\//), extensions: ['ut_metadata'] });
  });

  test('behavior: aria2 requiring encryption (arc4 only) downloads from our seeder over RC4', async () => {
    expect(version, 'aria2c is required (PBTS_REQUIRE_CLIENTS=1)').toBeDefined();
    const url = await tracker();
    const fixture = await scratch.fixture({ 'data.bin': 1_000_000 }, { pieceLength: 32 * 1024, announce: url });
    const seeder = await scratch.open({ metainfo: fixture.metainfo, dir: fixture.dir });
    const { port } = await seeder.listen();
    await announce(url, fixture.metainfo, seeder.peerId, port);
    const dir = await scratch.dir();
    const { child, output } = await startAria2(fixture, dir, ['--seed-time=0', '--bt-require-crypto=true', '--bt-min-crypto-level=arc4']);
    const encryption = new Promise<string>((resolve) => seeder.on('peer', (peer) => resolve(peer.encryption)));
    const [code] = await once(child, 'exit');
    expect(code, output()).toBe(0);
    expect(await sameFiles(fixture, dir)).toBe(true);
    expect(await encryption).toBe('rc4');
  });

  test('behavior: we download from aria2 seeding, plaintext after MSE and RC4-only', async () => {
    expect(version, 'aria2c is required (PBTS_REQUIRE_CLIENTS=1)').toBeDefined();
    const fixture = await scratch.fixture({ 'data.bin': 1_500_000 }, { pieceLength: 64 * 1024 });
    const { port, output } = await startAria2(fixture, fixture.dir, ['--check-integrity=true', '--bt-hash-check-seed=true', '--seed-ratio=0.0', '--seed-time=10']);
    // aria2 seeds once it has hashed the data.
    await expect.poll(() => /SEED/.test(output()), { timeout: 15_000, interval: 100 }).toBe(true);

    for (const encryption of ['prefer', 'require'] as const) {
      const dir = await scratch.dir();
      const downloader = await scratch.open({ metainfo: fixture.metainfo, dir, encryption });
      const senders = new Set<Peer>();
      downloader.on('piece-verified', (event) => event.senders.forEach((s) => senders.add(s.peer)));
      const peer = await downloader.connect('127.0.0.1', port);
      await whenDone(downloader);
      expect(await sameFiles(fixture, dir)).toBe(true);
      expect([...senders]).toEqual([peer]);
      expect(Buffer.from(peer.id, 'hex').toString('latin1')).toMatch(/^A2-/);
      expect(peer.encryption).toBe(encryption === 'require' ? 'rc4' : 'mse-plaintext');
      expect(extendedHandshake(peer).client).toMatch(/^aria2\//);
      await downloader.close();
    }
  });
});
