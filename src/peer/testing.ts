/**
 * Test support for src/peer: torrents of random bytes in temporary folders, and sessions that
 * are all closed and removed afterwards.
 * @module
 */
import Wire from 'bittorrent-protocol';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net, { type AddressInfo, type Socket } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Torrent, type TorrentOptions } from './engine.ts';
import { createTorrent, parseMetainfo, type Metainfo } from './metainfo.ts';

/** A torrent made from random files, with the folder holding its data. */
export interface Fixture {
  metainfo: Metainfo;
  torrent: Uint8Array;
  /** Seeder folder: the data is here. */
  dir: string;
  /** The files' contents by path below the torrent's folder. */
  contents: Map<string, Buffer>;
}

/** Temporary folders and sessions of one test file, to be removed and closed by `cleanup`. */
export class Scratch {
  readonly #dirs: string[] = [];
  readonly #torrents: Torrent[] = [];
  readonly #sockets: Socket[] = [];
  readonly #servers: net.Server[] = [];

  /** A new empty folder. */
  async dir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'pbts-peer-'));
    this.#dirs.push(dir);
    return dir;
  }

  /**
   * A torrent of random files: `{ 'a.bin': 100_000 }` is single-file (named a.bin); several
   * entries, or paths with a slash, make a multi-file torrent in a folder `name`.
   */
  async fixture(files: Record<string, number>, options: { pieceLength?: number; name?: string; announce?: string } = {}): Promise<Fixture> {
    const dir = await this.dir();
    const entries = Object.entries(files);
    const multi = entries.length > 1 || entries.some(([path]) => path.includes('/'));
    const name = options.name ?? (multi ? 'set' : entries[0]![0]);
    const root = multi ? join(dir, name) : dir;
    const contents = new Map<string, Buffer>();
    for (const [path, size] of entries) {
      const data = randomBytes(size);
      contents.set(path, data);
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), data);
    }
    const torrent = await createTorrent(multi ? root : join(root, entries[0]![0]), {
      pieceLength: options.pieceLength ?? 16 * 1024,
      announce: options.announce,
    });
    return { metainfo: parseMetainfo(torrent), torrent, dir, contents };
  }

  /** Opens a session that `cleanup` closes. */
  async open(options: TorrentOptions): Promise<Torrent> {
    const torrent = await Torrent.open(options);
    this.#torrents.push(torrent);
    return torrent;
  }

  /**
   * A bare bittorrent-protocol wire (no engine) connected to `port`, handshaken for `infoHash`
   * with the fast extension: the tests' hostile or scripted peer. Resolves after both handshakes.
   */
  async rawPeer(port: number, infoHash: Uint8Array): Promise<RawPeer> {
    const socket = net.connect(port, '127.0.0.1');
    this.#sockets.push(socket);
    await once(socket, 'connect');
    return this.#wire(socket, infoHash, true);
  }

  /**
   * A scripted peer listening on a free port: each connection gets a bare wire that answers
   * the handshake for `infoHash` and is passed to `onPeer`.
   */
  async rawListener(infoHash: Uint8Array, onPeer: (peer: RawPeer) => void): Promise<number> {
    const server = net.createServer((socket) => {
      this.#sockets.push(socket);
      void this.#wire(socket, infoHash, false).then(onPeer, () => socket.destroy());
    });
    this.#servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  async #wire(socket: Socket, infoHash: Uint8Array, initiate: boolean): Promise<RawPeer> {
    const wire = new Wire(initiate ? 'tcpOutgoing' : 'tcpIncoming');
    socket.on('error', () => wire.destroy());
    wire.on('error', () => socket.destroy());
    socket.pipe(wire).pipe(socket);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const peerId = Buffer.concat([Buffer.from('-XX0001-'), randomBytes(12)]);
    if (initiate) wire.handshake(infoHash, peerId, { fast: true });
    await new Promise<void>((resolve, reject) => {
      wire.once('handshake', () => {
        if (!initiate) wire.handshake(infoHash, peerId, { fast: true });
        resolve();
      });
      void closed.then(() => reject(new Error('closed before the handshake')));
    });
    return { wire, socket, closed };
  }

  /** Closes every session, socket and listener, and removes every folder. */
  async cleanup(): Promise<void> {
    for (const socket of this.#sockets.splice(0)) socket.destroy();
    await Promise.all(this.#servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
    await Promise.all(this.#torrents.splice(0).map((t) => t.close()));
    await Promise.all(this.#dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** A bare wire over a socket, driven by a test. */
export interface RawPeer {
  wire: Wire;
  socket: Socket;
  /** Resolves when the socket closed. */
  closed: Promise<void>;
}

/** Resolves when `torrent` has every piece (at once if it has), rejects after `ms`. */
export async function whenDone(torrent: Torrent, ms = 20_000): Promise<void> {
  if (torrent.done) return;
  await once(torrent, 'done', { signal: AbortSignal.timeout(ms) });
}
