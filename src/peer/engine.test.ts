import type { ExtensionConstructor } from 'bittorrent-protocol';
import type Wire from 'bittorrent-protocol';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { BlockUploaded, PieceVerified, Torrent } from './engine.ts';
import { Scratch, whenDone, type Fixture } from './testing.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

/** Whether every file of `fixture` is under `dir` with the same bytes. */
async function sameFiles(fixture: Fixture, dir: string): Promise<boolean> {
  const { metainfo } = fixture;
  const root = metainfo.multiFile ? join(dir, metainfo.name) : dir;
  for (const [path, data] of fixture.contents) {
    if (!(await readFile(join(root, path))).equals(data)) return false;
  }
  return true;
}

async function seed(fixture: Fixture, options: Partial<Parameters<Scratch['open']>[0]> = {}): Promise<{ seeder: Torrent; port: number }> {
  const seeder = await scratch.open({ metainfo: fixture.metainfo, dir: fixture.dir, ...options });
  const { port } = await seeder.listen();
  return { seeder, port };
}

describe('Torrent', () => {
  test('default', async () => {
    const fixture = await scratch.fixture({ 'data.bin': 1_000_000 }, { pieceLength: 64 * 1024 });
    const { seeder, port } = await seed(fixture);
    expect(seeder.done).toBe(true);
    const dir = await scratch.dir();
    const downloader = await scratch.open({ metainfo: fixture.metainfo, dir, pieceSha256: true });
    expect(downloader.have.count).toBe(0);
    const verified: PieceVerified[] = [];
    // The event's data is valid while it is handled: its SHA-256 is checked then.
    const sha256Right: boolean[] = [];
    downloader.on('piece-verified', (event) => {
      sha256Right.push(Buffer.from(event.sha256!).equals(createHash('sha256').update(event.data).digest()));
      verified.push(event);
    });
    const uploaded: number[] = [];
    seeder.on('block-uploaded', (event) => uploaded.push(event.length));

    const peer = await downloader.connect('127.0.0.1', port);
    await whenDone(downloader);

    expect(await sameFiles(fixture, dir)).toBe(true);
    expect(verified.map((v) => v.index).sort((a, b) => a - b)).toEqual([...fixture.metainfo.pieces.keys()]);
    expect(sha256Right.every(Boolean)).toBe(true);
    // Every piece came whole from the one seeder.
    for (const v of verified) {
      expect(v.senders).toHaveLength(1);
      expect(v.senders[0]!.peer).toBe(peer);
      expect(v.senders[0]!.bytes).toBe(v.data.length);
    }
    expect(uploaded.reduce((a, b) => a + b, 0)).toBe(1_000_000);
    expect(downloader.downloaded).toBe(1_000_000);
    expect(seeder.uploaded).toBe(1_000_000);
    // Reopened, the downloader finds its data and seeds.
    await downloader.close();
    expect((await scratch.open({ metainfo: fixture.metainfo, dir })).done).toBe(true);
  });

  test('behavior: a multi-file torrent, pieces spanning files, an empty file', async () => {
    const fixture = await scratch.fixture({ 'a.bin': 40_000, 'sub/b.bin': 70_001, 'sub/c.txt': 7, 'sub/empty': 0, 'z.bin': 100_000 });
    expect(fixture.metainfo.multiFile).toBe(true);
    const { port } = await seed(fixture);
    const dir = await scratch.dir();
    const downloader = await scratch.open({ metainfo: fixture.metainfo, dir });
    await downloader.connect('127.0.0.1', port);
    await whenDone(downloader);
    expect(await sameFiles(fixture, dir)).toBe(true);
    expect((await stat(join(dir, 'set', 'sub', 'empty'))).size).toBe(0);
  });

  test('behavior: several downloaders at once, also trading among themselves', async () => {
    const fixture = await scratch.fixture({ 'data.bin': 2_000_000 }, { pieceLength: 32 * 1024 });
    const { seeder, port } = await seed(fixture);
    const downloaders = await Promise.all(
      [0, 1, 2].map(async () => {
        const dir = await scratch.dir();
        const torrent = await scratch.open({ metainfo: fixture.metainfo, dir });
        return { dir, torrent, port: (await torrent.listen()).port };
      }),
    );
    const fromPeers = new Map<Torrent, number>();
    for (const { torrent } of downloaders) {
      torrent.on('piece-verified', ({ senders }) => {
        for (const { peer, bytes } of senders) if (peer.address !== `127.0.0.1:${port}`) fromPeers.set(torrent, (fromPeers.get(torrent) ?? 0) + bytes);
      });
    }
    // Each connects to the seeder and to the downloaders before it.
    for (const [i, { torrent }] of downloaders.entries()) {
      await torrent.connect('127.0.0.1', port);
      for (const other of downloaders.slice(0, i)) await torrent.connect('127.0.0.1', other.port);
    }
    await Promise.all(downloaders.map(({ torrent }) => whenDone(torrent)));
    for (const { dir } of downloaders) expect(await sameFiles(fixture, dir)).toBe(true);
    expect(seeder.peers).toHaveLength(3);
    // The seeder is not the only source: downloaders passed pieces on.
    expect(downloaders.reduce((sum, { torrent }) => sum + torrent.uploaded, 0)).toBeGreaterThan(0);
  });

  test('behavior: MSE with RC4 only (encryption: require) talks to require and prefer peers', async () => {
    const fixture = await scratch.fixture({ 'data.bin': 300_000 });
    for (const seederEncryption of ['require', 'prefer'] as const) {
      const { seeder, port } = await seed(fixture, { encryption: seederEncryption });
      const dir = await scratch.dir();
      const downloader = await scratch.open({ metainfo: fixture.metainfo, dir, encryption: 'require' });
      const peer = await downloader.connect('127.0.0.1', port);
      expect(peer.encryption).toBe('rc4');
      await whenDone(downloader);
      expect(await sameFiles(fixture, dir)).toBe(true);
      expect(seeder.peers.map((p) => p.encryption)).toEqual(['rc4']);
    }
  });

  test('behavior: prefer makes the MSE handshake and the answering side picks plaintext; disable skips it', async () => {
    const fixture = await scratch.fixture({ 'data.bin': 100_000 });
    const { port } = await seed(fixture);
    const preferring = await scratch.open({ metainfo: fixture.metainfo, dir: await scratch.dir() });
    expect((await preferring.connect('127.0.0.1', port)).encryption).toBe('mse-plaintext');
    const plain = await scratch.open({ metainfo: fixture.metainfo, dir: await scratch.dir(), encryption: 'disable' });
    expect((await plain.connect('127.0.0.1', port)).encryption).toBe('none');
    await Promise.all([whenDone(preferring), whenDone(plain)]);
  });

  test('error: a require seeder refuses a plaintext peer; prefer falls back to plaintext with a disable seeder', async () => {
    const fixture = await scratch.fixture({ 'data.bin': 100_000 });
    const { port: strict } = await seed(fixture, { encryption: 'require' });
    const plain = await scratch.open({ metainfo: fixture.metainfo, dir: await scratch.dir(), encryption: 'disable' });
    await expect(plain.connect('127.0.0.1', strict)).rejects.toThrow(/closed the connection/);

    const { port: legacy } = await seed(fixture, { encryption: 'disable' });
    const preferring = await scratch.open({ metainfo: fixture.metainfo, dir: await scratch.dir() });
    expect((await preferring.connect('127.0.0.1', legacy)).encryption).toBe('none');
    await whenDone(preferring);
  });

  test('behavior: onWire runs before our handshake, so a BEP 10 extension is in the extended handshake', async () => {
    const fixture = await scratch.fixture({ 'data.bin': 50_000 });
    const seen: string[] = [];
    class Hello {
      constructor(readonly wire: Wire) {}
      onExtendedHandshake(handshake: Record<string, unknown>) {
        seen.push(`${(handshake as { v?: Uint8Array }).v ? Buffer.from((handshake as { v: Uint8Array }).v).toString() : '?'}`);
      }
    }
    (Hello.prototype as unknown as { name: string }).name = 'pbts_hello';
    const attach = (wire: Wire) => wire.use(Hello as unknown as ExtensionConstructor);
    const { seeder, port } = await seed(fixture, { onWire: attach });
    const wires: Wire[] = [];
    seeder.on('wire', (wire) => wires.push(wire));
    const downloader = await scratch.open({ metainfo: fixture.metainfo, dir: await scratch.dir(), onWire: attach });
    const peer = await downloader.connect('127.0.0.1', port);
    await whenDone(downloader);
    await expect.poll(() => seen.length).toBe(2);
    expect(seen).toEqual(['PBTS 0.1', 'PBTS 0.1']);
    expect(peer.wire.peerExtendedMapping.pbts_hello).toBeGreaterThan(0);
    expect(wires).toHaveLength(1);
  });

  test('behavior: the upload rate limit holds a transfer to its rate', async () => {
    const rate = 1024 * 1024;
    const fixture = await scratch.fixture({ 'data.bin': 1.5 * rate }, { pieceLength: 64 * 1024 });
    const { seeder, port } = await seed(fixture, { uploadRate: rate });
    const downloader = await scratch.open({ metainfo: fixture.metainfo, dir: await scratch.dir() });
    // From the first block on: the handshakes are not the limiter's business.
    const first = once(seeder, 'block-uploaded').then(([block]) => ({ at: performance.now(), bytes: (block as BlockUploaded).length }));
    await downloader.connect('127.0.0.1', port);
    await whenDone(downloader);
    const { at, bytes } = await first;
    const measured = (fixture.metainfo.length - bytes) / ((performance.now() - at) / 1000);
    expect(measured / rate).toBeGreaterThan(0.9);
    expect(measured / rate).toBeLessThan(1.1);
  });

  test('behavior: the download rate limit holds a transfer to its rate', async () => {
    const rate = 1024 * 1024;
    const fixture = await scratch.fixture({ 'data.bin': 1.5 * rate }, { pieceLength: 64 * 1024 });
    const { port } = await seed(fixture);
    const downloader = await scratch.open({ metainfo: fixture.metainfo, dir: await scratch.dir(), downloadRate: rate });
    const first = once(downloader, 'piece-verified').then(([piece]) => ({ at: performance.now(), bytes: (piece as PieceVerified).data.length }));
    await downloader.connect('127.0.0.1', port);
    await whenDone(downloader);
    const { at, bytes } = await first;
    const measured = (fixture.metainfo.length - bytes) / ((performance.now() - at) / 1000);
    expect(measured / rate).toBeGreaterThan(0.9);
    expect(measured / rate).toBeLessThan(1.1);
  });

  test('behavior: connection limits, in total and per host', async () => {
    const fixture = await scratch.fixture({ 'data.bin': 50_000 });
    const { seeder, port } = await seed(fixture, { maxConnections: 2 });
    const first = await scratch.rawPeer(port, fixture.metainfo.infoHash);
    const second = await scratch.rawPeer(port, fixture.metainfo.infoHash);
    await expect(scratch.rawPeer(port, fixture.metainfo.infoHash)).rejects.toThrow(/closed before the handshake/);
    expect(seeder.peers).toHaveLength(2);
    first.socket.destroy();
    await expect.poll(() => seeder.peers.length).toBe(1);
    await scratch.rawPeer(port, fixture.metainfo.infoHash);
    void second;

    const { port: perHost } = await seed(fixture, { maxConnectionsPerHost: 1 });
    await scratch.rawPeer(perHost, fixture.metainfo.infoHash);
    await expect(scratch.rawPeer(perHost, fixture.metainfo.infoHash)).rejects.toThrow(/closed before the handshake/);
  });

  test('error: a peer of another torrent, a closed port, a handshake that never comes', async () => {
    const fixture = await scratch.fixture({ 'data.bin': 50_000 });
    const other = await scratch.fixture({ 'other.bin': 50_000 });
    const { port } = await seed(fixture, { handshakeTimeout: 300 });
    const stranger = await scratch.open({ metainfo: other.metainfo, dir: other.dir });
    await expect(stranger.connect('127.0.0.1', port)).rejects.toThrow(/closed the connection/);

    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(stranger.connect('127.0.0.1', closedPort)).rejects.toThrow(/ECONNREFUSED/);

    const silent = net.connect(port, '127.0.0.1');
    await once(silent, 'connect');
    const start = performance.now();
    await once(silent, 'close');
    expect(performance.now() - start).toBeLessThan(2000);
  });
});
