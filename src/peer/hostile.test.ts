import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { PeerBanned, PieceFailed, Torrent } from './engine.ts';
import { pieceSize } from './metainfo.ts';
import { Scratch, whenDone, type Fixture, type RawPeer } from './testing.ts';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

/** The bytes of piece `index` of a single-file fixture. */
function pieceOf(fixture: Fixture, index: number): Buffer {
  const data = [...fixture.contents.values()][0]!;
  const { pieceLength } = fixture.metainfo;
  return data.subarray(index * pieceLength, index * pieceLength + pieceSize(fixture.metainfo, index));
}

/**
 * A scripted seeder: has every piece, unchokes whoever is interested, and answers each request
 * through `answer` (which may corrupt the block, delay it, or close the connection).
 */
async function scriptedSeeder(fixture: Fixture, answer: (peer: RawPeer, index: number, offset: number, block: Buffer) => void): Promise<number> {
  return scratch.rawListener(fixture.metainfo.infoHash, (peer) => {
    peer.wire.haveAll();
    peer.wire.on('interested', () => peer.wire.unchoke());
    peer.wire.on('request', (index: number, offset: number, length: number) => {
      answer(peer, index, offset, Buffer.from(pieceOf(fixture, index).subarray(offset, offset + length)));
    });
  });
}

/** An honest seeder session. */
async function honest(fixture: Fixture, options: Partial<Parameters<Scratch['open']>[0]> = {}): Promise<{ seeder: Torrent; port: number }> {
  const seeder = await scratch.open({ metainfo: fixture.metainfo, dir: fixture.dir, ...options });
  return { seeder, port: (await seeder.listen()).port };
}

/** Resolves with the wire's `reject`s once `count` arrived. */
function rejects(peer: RawPeer, count: number): Promise<number[]> {
  const indices: number[] = [];
  return new Promise((resolve) => {
    peer.wire.on('reject', (index: number) => {
      indices.push(index);
      if (indices.length === count) resolve(indices);
    });
  });
}

async function unchoked(peer: RawPeer): Promise<void> {
  peer.wire.interested();
  if (peer.wire.peerChoking) await once(peer.wire, 'unchoke');
}

describe('hostile peers', () => {
  test('behavior: a seeder sending corrupt pieces is banned and the pieces come from an honest one', async () => {
    const fixture = await scratch.fixture({ 'data.bin': 200_000 });
    const liar = await scriptedSeeder(fixture, (peer, index, offset, block) => {
      block[0]! ^= 0xff;
      peer.wire.piece(index, offset, block);
    });
    const dir = await scratch.dir();
    const downloader = await scratch.open({ metainfo: fixture.metainfo, dir, encryption: 'disable' });
    const failed: PieceFailed[] = [];
    downloader.on('piece-failed', (event) => failed.push(event));
    const banned = once(downloader, 'peer-banned') as Promise<[PeerBanned]>;
    const hostile = await downloader.connect('127.0.0.1', liar);
    const [{ peer, reason }] = await banned;
    expect(peer).toBe(hostile);
    expect(reason).toMatch(/failed its hash/);
    expect(failed[0]!.senders.map((s) => s.peer)).toEqual([hostile]);
    expect(downloader.have.count).toBe(0);
    await expect(downloader.connect('127.0.0.1', liar)).rejects.toThrow(/banned/);

    const { port } = await honest(fixture);
    await downloader.connect('127.0.0.1', port);
    await whenDone(downloader);
    expect(downloader.have.full).toBe(true);
  });

  test('behavior: a bad block inside a piece shared by two peers is traced to its sender', async () => {
    // One piece of four blocks. The liar answers its first two requests (block 0 corrupt) and
    // then none, so the honest seeder sends blocks 2 and 3 (endgame), and later the whole piece.
    const fixture = await scratch.fixture({ 'data.bin': 64 * 1024 }, { pieceLength: 64 * 1024 });
    let answered = 0;
    let halfSent!: () => void;
    const half = new Promise<void>((resolve) => (halfSent = resolve));
    const liar = await scriptedSeeder(fixture, (peer, index, offset, block) => {
      if (++answered > 2) return;
      if (offset === 0) block[100]! ^= 0xff;
      peer.wire.piece(index, offset, block);
      if (answered === 2) halfSent();
    });
    const downloader = await scratch.open({ metainfo: fixture.metainfo, dir: await scratch.dir(), encryption: 'disable', pipeline: 2 });
    const failed = once(downloader, 'piece-failed') as Promise<[PieceFailed]>;
    const banned = once(downloader, 'peer-banned') as Promise<[PeerBanned]>;
    const hostile = await downloader.connect('127.0.0.1', liar);
    await half;
    const { port } = await honest(fixture);
    const good = await downloader.connect('127.0.0.1', port);

    const [{ senders }] = await failed;
    expect(senders.map((s) => [s.peer, s.bytes])).toEqual([
      [hostile, 32 * 1024],
      [good, 32 * 1024],
    ]);
    await whenDone(downloader);
    const [{ peer, reason }] = await banned;
    expect(peer).toBe(hostile);
    expect(reason).toBe('sent a bad block of piece 0');
    expect(downloader.peers).toHaveLength(1);
    expect(downloader.peers[0]).toBe(good);
  });

  test('behavior: blocks a peer sits on are cancelled after the timeout and asked again, fewer at once', async () => {
    const fixture = await scratch.fixture({ 'data.bin': 64 * 1024 }, { pieceLength: 64 * 1024 });
    const events: string[] = [];
    let answering = false;
    const slow = await scratch.rawListener(fixture.metainfo.infoHash, (peer) => {
      peer.wire.haveAll();
      peer.wire.on('interested', () => peer.wire.unchoke());
      peer.wire.on('cancel', (_index: number, offset: number) => events.push(`cancel ${offset / 16384}`));
      peer.wire.on('request', (index: number, offset: number, length: number) => {
        events.push(`request ${offset / 16384}`);
        if (answering) peer.wire.piece(index, offset, Buffer.from(pieceOf(fixture, index).subarray(offset, offset + length)));
        // It wakes up once it has been asked again.
        if (events.includes('cancel 3')) answering = true;
      });
    });
    const downloader = await scratch.open({ metainfo: fixture.metainfo, dir: await scratch.dir(), encryption: 'disable', requestTimeout: 300 });
    await downloader.connect('127.0.0.1', slow);
    await whenDone(downloader);
    const cancelled = events.indexOf('cancel 0');
    expect(events.slice(0, cancelled)).toEqual(['request 0', 'request 1', 'request 2', 'request 3']);
    expect(events.slice(cancelled, cancelled + 4)).toEqual(['cancel 0', 'cancel 1', 'cancel 2', 'cancel 3']);
    // Asked again, but with the pipeline halved per timeout, one block at a time at first.
    expect(events[cancelled + 4]).toBe('request 0');
  });

  test('behavior: a choked peer gets no blocks (a reject for each request)', async () => {
    const fixture = await scratch.fixture({ 'data.bin': 4 * 16 * 1024 });
    const { seeder, port } = await honest(fixture);
    const peer = await scratch.rawPeer(port, fixture.metainfo.infoHash);
    let served = 0;
    peer.wire.on('piece', () => served++);
    // Never interested, so never unchoked. A bare wire sends no request while choked; this one
    // is made to, as a hostile peer would.
    peer.wire.peerChoking = false;
    const refused = rejects(peer, 2);
    peer.wire.request(0, 0, 16 * 1024, () => {});
    peer.wire.request(1, 0, 16 * 1024, () => {});
    expect(await refused).toEqual([0, 1]);
    expect(served).toBe(0);
    expect(seeder.uploaded).toBe(0);
  });

  test('behavior: requests for pieces we lack are rejected, and a peer that keeps asking is dropped', async () => {
    const fixture = await scratch.fixture({ 'data.bin': 8 * 16 * 1024 });
    // A session holding only the first four pieces.
    const dir = await scratch.dir();
    await writeFile(join(dir, 'data.bin'), fixture.contents.get('data.bin')!.subarray(0, 4 * 16 * 1024));
    const partial = await scratch.open({ metainfo: fixture.metainfo, dir });
    expect(partial.have.count).toBe(4);
    const { port } = await partial.listen();
    const banned = once(partial, 'peer-banned') as Promise<[PeerBanned]>;
    const peer = await scratch.rawPeer(port, fixture.metainfo.infoHash);
    await unchoked(peer);

    const first = rejects(peer, 1);
    peer.wire.request(6, 0, 16 * 1024, () => {});
    expect(await first).toEqual([6]);
    for (let i = 0; i < 40; i++) peer.wire.request(7, 0, 16 * 1024, () => {});
    const [{ reason }] = await banned;
    expect(reason).toMatch(/piece 7, which we do not have/);
    await peer.closed;
  });

  test('behavior: a request flood is bounded by the queue, then the peer is dropped', async () => {
    const fixture = await scratch.fixture({ 'data.bin': 4 * 16 * 1024 });
    const { seeder, port } = await honest(fixture, { maxQueuedRequests: 16, uploadRate: 256 * 1024 });
    const banned = once(seeder, 'peer-banned') as Promise<[PeerBanned]>;
    const peer = await scratch.rawPeer(port, fixture.metainfo.infoHash);
    await unchoked(peer);
    let served = 0;
    peer.wire.on('piece', () => served++);
    for (let i = 0; i < 200; i++) peer.wire.request(i % 4, 0, 1024, () => {});
    const [{ reason }] = await banned;
    expect(reason).toMatch(/more than 16 blocks at once/);
    await peer.closed;
    // 16 queued plus the one being sent when they came.
    expect(served).toBeLessThanOrEqual(17);
    expect(seeder.uploaded).toBeLessThanOrEqual(17 * 1024);
  });

  test('error: an oversized block, bytes past a piece, an overlong message close the connection', async () => {
    const fixture = await scratch.fixture({ 'data.bin': 4 * 16 * 1024 });
    const { seeder, port } = await honest(fixture);
    const reasons: string[] = [];
    seeder.on('peer-banned', ({ reason }) => reasons.push(reason));

    const greedy = await scratch.rawPeer(port, fixture.metainfo.infoHash);
    await unchoked(greedy);
    greedy.wire.request(0, 0, 256 * 1024, () => {});
    await greedy.closed;

    const overrun = await scratch.rawPeer(port, fixture.metainfo.infoHash);
    await unchoked(overrun);
    overrun.wire.request(3, 16 * 1024 - 10, 20, () => {});
    await overrun.closed;
    expect(reasons).toEqual(['requested a block of 262144 bytes', 'requested bytes 16374+20 of piece 3, which has 16384']);

    // A raw socket: a valid handshake, then a message claiming 16 MiB.
    const raw = net.connect(port, '127.0.0.1');
    await once(raw, 'connect');
    const handshake = Buffer.concat([Buffer.from('\x13BitTorrent protocol'), Buffer.alloc(8), fixture.metainfo.infoHash, Buffer.from('-XX0001-abcdefghijkl')]);
    raw.write(handshake);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(16 * 1024 * 1024);
    raw.write(length);
    raw.write(Buffer.alloc(64 * 1024));
    // Dropped with our bytes unread, the seeder's side may answer with a reset: closed either way.
    raw.on('error', () => {});
    raw.resume();
    await new Promise((resolve) => raw.once('close', resolve));
    expect(seeder.peers).toHaveLength(0);
  });

  test('behavior: mayServe refuse stops upload to that peer, and serve resumes it', async () => {
    const fixture = await scratch.fixture({ 'data.bin': 40 * 16 * 1024 });
    let blocked: string | undefined;
    const { seeder, port } = await honest(fixture, { uploadRate: 2 * 1024 * 1024, mayServe: (wire) => (wire.peerId === blocked ? 'refuse' : 'serve') });
    const a = await scratch.open({ metainfo: fixture.metainfo, dir: await scratch.dir() });
    const b = await scratch.open({ metainfo: fixture.metainfo, dir: await scratch.dir() });
    const bId = Buffer.from(b.peerId).toString('hex');
    let toB = 0;
    seeder.on('block-uploaded', ({ peer }) => {
      if (peer.id !== bId) return;
      // After its fifth block, b withholds receipts (say): no more upload to it.
      if (++toB === 5) blocked = bId;
    });
    await a.connect('127.0.0.1', port);
    await b.connect('127.0.0.1', port);
    await whenDone(a);
    expect(toB).toBe(5);
    expect(b.have.count).toBeLessThanOrEqual(5);

    blocked = undefined;
    await whenDone(b);
    expect(toB).toBe(40);
  });
});
