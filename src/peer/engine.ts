/**
 * A BitTorrent session for one torrent (download, then seed) over `bittorrent-protocol` wires:
 * TCP in and out, MSE/PE, choking with bounded upload slots, pipelined block requests with
 * timeouts and endgame, SHA-1 before a piece counts, bounded serving. It reports what PBTS
 * accounts for: which peers' blocks made each verified piece, and each block it uploads; an
 * upload policy (`mayServe`) lets PBTS hold back a peer's requests while it withholds receipts.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import net, { type AddressInfo, type Socket } from 'node:net';
import type Wire from 'bittorrent-protocol';
import { Bitfield } from './bitfield.ts';
import { chooseUnchoked } from './choker.ts';
import { pieceSize, type Metainfo } from './metainfo.ts';
import { OFFLOAD_MIN, PieceHasher, sharedBuffer } from './piece-hasher.ts';
import { BLOCK_LENGTH, Picker, type PieceSender } from './picker.ts';
import { TokenBucket } from './rate.ts';
import { ReadCache } from './read-cache.ts';
import { Storage } from './storage.ts';
import {
  incomingWire,
  mseInfoHashKey,
  outgoingWire,
  streamEncryption,
  type BoundedWire,
  type Encryption,
  type StreamEncryption,
} from './wire.ts';

/** A connected peer as the session's events and hooks see it. */
export interface Peer {
  /** Its peer id, hex ('' until its handshake arrives). */
  readonly id: string;
  /** `host:port` of the connection's far end. */
  readonly address: string;
  /** Whether we opened the connection. */
  readonly outgoing: boolean;
  /** How the stream is encrypted (known once the handshake is done). */
  readonly encryption: StreamEncryption;
  /** The wire, for BEP 10 extensions and their messages. */
  readonly wire: Wire;
}

/** Options of `Torrent.open`. */
export interface TorrentOptions {
  metainfo: Metainfo;
  /** Folder the torrent's files are in, or go to (a multi-file torrent in `dir/<name>/`). */
  dir: string;
  /** 20 bytes (default: `-PB0100-` and 12 random bytes). */
  peerId?: Uint8Array;
  /** MSE/PE policy (default `prefer`). */
  encryption?: Encryption;
  /** Peers we upload to at once (default 8). */
  uploadSlots?: number;
  /** Most connections, open or opening (default 64). */
  maxConnections?: number;
  /** Most connections with one IP address (default 16). */
  maxConnectionsPerHost?: number;
  /**
   * Blocks requested from one peer at once (default 128, 2 MiB: at 100 MB/s that covers 20 ms of a
   * busy event loop on either side; 32 held loopback transfers to about 75 MB/s here). Lower if
   * the peer's `reqq` is.
   */
  pipeline?: number;
  /** Requests a peer may have queued with us (default and most 250, libtorrent's `reqq`; we advertise it). */
  maxQueuedRequests?: number;
  /** Largest block we serve (default and most 128 KiB; a larger request closes the connection). */
  maxBlockLength?: number;
  /** A block not received this long after its request is asked of someone else (default 30 s). */
  requestTimeout?: number;
  /** Time for a connection to finish its handshakes (default 10 s). */
  handshakeTimeout?: number;
  /** Pieces in progress held in memory, in bytes (default 64 MiB, at least one piece). */
  maxActiveBytes?: number;
  /** Upload limit over all peers, bytes/s (payload; default none). */
  uploadRate?: number;
  /** Download limit over all peers, bytes/s (what we read off the sockets; default none). */
  downloadRate?: number;
  /** Also hash each downloaded piece with SHA-256 (`PieceVerified.sha256`, what a PBTS receipt signs; default no). */
  pieceSha256?: boolean;
  /** Called with each piece the data check at open finds intact (its data valid during the call). */
  onIntact?: (index: number, data: Uint8Array) => void;
  /** Called with each new wire before our handshake goes out: attach extensions here. */
  onWire?: (wire: Wire, peer: Peer) => void;
  /** Upload policy, asked for each request at arrival and again before its block goes out (default: serve). */
  mayServe?: (wire: Wire, index: number) => UploadDecision;
}

/**
 * What the upload policy says of a request: send it now; hold it until `Torrent.resume` says
 * the policy may have changed (the request stays queued, so the downloader neither waits for a
 * reject nor backs off); or refuse it (a BEP 6 reject, and the downloader asks someone else).
 */
export type UploadDecision = 'serve' | 'wait' | 'refuse';

/** `piece-verified`: a piece matched its hash and is stored. */
export interface PieceVerified {
  readonly index: number;
  /** The piece, valid while the event's listeners run: its buffer is reused for a later piece. */
  readonly data: Uint8Array;
  /** Its SHA-256, when the session was opened with `pieceSha256`. */
  readonly sha256?: Uint8Array;
  /** Peers whose blocks made it up and how many bytes each sent. */
  readonly senders: readonly PieceSender<Peer>[];
}

/** `piece-failed`: a piece did not match its hash; it is fetched again. */
export interface PieceFailed {
  readonly index: number;
  readonly senders: readonly PieceSender<Peer>[];
}

/** `block-uploaded`: a block went to a peer. */
export interface BlockUploaded {
  readonly peer: Peer;
  readonly index: number;
  readonly offset: number;
  readonly length: number;
}

/** `peer-banned`: a peer was disconnected and will not be let back in. */
export interface PeerBanned {
  readonly peer: Peer;
  readonly reason: string;
}

/** The session's events. */
export interface TorrentEvents {
  'piece-verified': [PieceVerified];
  'piece-failed': [PieceFailed];
  'block-uploaded': [BlockUploaded];
  'peer-banned': [PeerBanned];
  /** A wire about to send our handshake (as `onWire`). */
  wire: [Wire, Peer];
  /** A peer finished the handshakes. */
  peer: [Peer];
  /** Every piece is verified and stored. */
  done: [];
  /** A disk or listener failure (as with any EventEmitter, unheard it throws). */
  error: [Error];
}

/** Strikes (requests for pieces we lack, a full queue, bad messages) before a peer is dropped. */
const MAX_STRIKES = 32;
/** Upload slots are reassigned this often; the optimistic slot every third time. */
const RECHOKE_INTERVAL = 10_000;
/** A socket holding more unsent bytes than this waits before we queue more blocks on it. */
const SEND_BUFFER = 256 * 1024;
const HARD_MAX_BLOCK = 128 * 1024;
/** Failed pieces kept to compare with their good copy (each is a piece of memory). */
const MAX_FAILED_COPIES = 8;
/** A peer silent this long is gone (a live one sends a keep-alive every 55 s or so). */
const IDLE_TIMEOUT = 180_000;

interface Outstanding {
  index: number;
  offset: number;
  length: number;
  at: number;
}

interface Queued {
  index: number;
  offset: number;
  length: number;
  respond: (error: Error | null, block?: Uint8Array) => void;
}

/** One connection: its wire, socket, and what we and it asked of each other. */
class Connection implements Peer {
  readonly has: Bitfield;
  /** Pieces it has that we do not, so interest is O(1) to keep. */
  wanted = 0;
  /** Our requests to it, by `index:offset`. */
  readonly requests = new Map<string, Outstanding>();
  /** Its requests to us, in order. */
  readonly queue: Queued[] = [];
  serving = false;
  /** Its queued requests wait for the upload policy (see `Torrent.resume`). */
  held = false;
  /** Most blocks to ask of it at once (ours, lowered to its `reqq`)... */
  pipeline: number;
  /** ...and for now: halved by each timeout, regained block by block. */
  limit: number;
  /** Misbehaviour so far (see `MAX_STRIKES`). */
  strikes = 0;
  /** Our requests it refused in a row, and until when we ask it for nothing. */
  rejects = 0;
  pausedUntil = 0;
  /** Payload bytes each way since the last rechoke. */
  received = 0;
  sent = 0;
  /** Both handshakes done. */
  ready = false;
  closed = false;
  banned = false;
  /** Why it closed (the first cause seen). */
  dropReason = '';
  /** When it last sent us anything (`performance.now()`). */
  heard = performance.now();
  /** Whether the MSE handshake completed. */
  mse = false;
  encryption: StreamEncryption = 'none';

  constructor(
    readonly wire: BoundedWire,
    readonly socket: Socket,
    readonly address: string,
    readonly host: string,
    readonly outgoing: boolean,
    pieces: number,
    pipeline: number,
  ) {
    this.has = new Bitfield(pieces);
    this.pipeline = pipeline;
    this.limit = pipeline;
  }

  get id(): string {
    return this.wire.peerId ?? '';
  }
}

/** One torrent's session. Create with `Torrent.open`; `close` ends it. */
export class Torrent extends EventEmitter<TorrentEvents> {
  /** The torrent this session trades. */
  readonly metainfo: Metainfo;
  /** Ours, as sent in every handshake. */
  readonly peerId: Uint8Array;
  /** The torrent's files under `dir`. */
  readonly storage: Storage;

  readonly #picker: Picker<Connection>;
  readonly #connections = new Set<Connection>();
  readonly #banned = new Set<string>();
  /** Copies of pieces that failed with several senders, to tell later who sent the bad block. */
  readonly #failed = new Map<number, { data: Buffer; blockSenders: readonly Connection[] }>();
  readonly #options: Required<Omit<TorrentOptions, 'metainfo' | 'dir' | 'peerId' | 'uploadRate' | 'downloadRate' | 'onWire' | 'mayServe' | 'onIntact'>> &
    Pick<TorrentOptions, 'onWire' | 'mayServe'>;
  readonly #upload?: TokenBucket;
  readonly #download?: TokenBucket;
  readonly #mseKey: string;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #reads: ReadCache;
  #server?: net.Server;
  #optimistic?: Connection;
  #rechokes = 0;
  #fillScheduled = false;
  #closed = false;
  #uploaded = 0;
  #downloaded = 0;
  readonly #hasher = new PieceHasher();

  /** Opens a session: checks the data already under `dir` (a seeder's files) first. */
  static async open(options: TorrentOptions): Promise<Torrent> {
    const storage = new Storage(options.metainfo, options.dir);
    const have = await storage.scan(options.onIntact);
    return new Torrent(options, storage, have);
  }

  private constructor(options: TorrentOptions, storage: Storage, have: Bitfield) {
    super();
    const metainfo = options.metainfo;
    this.metainfo = metainfo;
    this.storage = storage;
    this.#reads = new ReadCache(storage, metainfo);
    this.peerId = options.peerId ?? Buffer.concat([Buffer.from('-PB0100-'), randomBytes(12)]);
    if (this.peerId.length !== 20) throw new RangeError('peerId must be 20 bytes');
    this.#options = {
      encryption: options.encryption ?? 'prefer',
      uploadSlots: options.uploadSlots ?? 8,
      maxConnections: options.maxConnections ?? 64,
      maxConnectionsPerHost: options.maxConnectionsPerHost ?? 16,
      pipeline: Math.max(1, Math.min(options.pipeline ?? 128, 250)),
      maxQueuedRequests: Math.max(1, Math.min(options.maxQueuedRequests ?? 250, 250)),
      maxBlockLength: Math.min(options.maxBlockLength ?? HARD_MAX_BLOCK, HARD_MAX_BLOCK),
      requestTimeout: options.requestTimeout ?? 30_000,
      handshakeTimeout: options.handshakeTimeout ?? 10_000,
      maxActiveBytes: options.maxActiveBytes ?? 64 * 1024 * 1024,
      pieceSha256: options.pieceSha256 ?? false,
      onWire: options.onWire,
      mayServe: options.mayServe,
    };
    if (options.uploadRate !== undefined) this.#upload = new TokenBucket(options.uploadRate);
    if (options.downloadRate !== undefined) this.#download = new TokenBucket(options.downloadRate);
    this.#picker = new Picker(have, (index) => pieceSize(metainfo, index), {
      maxActiveBytes: this.#options.maxActiveBytes,
      // Large pieces are assembled in shared memory, so the hash worker reads them in place.
      allocate: (size) => (size >= OFFLOAD_MIN ? sharedBuffer(size) : Buffer.allocUnsafeSlow(size)),
    });
    this.#mseKey = mseInfoHashKey(metainfo.infoHash);
    const rechoke = setInterval(() => {
      this.#rechoke(++this.#rechokes % 3 === 0);
      // Rates are per period.
      for (const connection of this.#connections) connection.received = connection.sent = 0;
    }, RECHOKE_INTERVAL);
    const sweep = setInterval(() => this.#sweep(), Math.min(1000, this.#options.requestTimeout / 2));
    this.#timers.push(rechoke, sweep);
  }

  /** Payload bytes sent to peers. */
  get uploaded(): number {
    return this.#uploaded;
  }

  /** Payload bytes received from peers (verified or not). */
  get downloaded(): number {
    return this.#downloaded;
  }

  /** Pieces we have, verified. */
  get have(): Bitfield {
    return this.#picker.have;
  }

  /** Whether every piece is verified and stored. */
  get done(): boolean {
    return this.#picker.done;
  }

  /** Peers that finished the handshakes. */
  get peers(): Peer[] {
    return [...this.#connections].filter((c) => c.ready && !c.closed);
  }

  /** Where we accept peers, once `listen` resolved. */
  get address(): AddressInfo | undefined {
    return (this.#server?.address() as AddressInfo | null) ?? undefined;
  }

  /** Accepts peers on `host:port` (default 127.0.0.1 and a free port). */
  listen(port = 0, host = '127.0.0.1'): Promise<AddressInfo> {
    if (this.#server) return Promise.reject(new Error('already listening'));
    const server = net.createServer((socket) => this.#accept(socket));
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        server.on('error', (error) => this.emit('error', error));
        resolve(server.address() as AddressInfo);
      });
    });
  }

  /**
   * Connects to a peer and resolves once the handshakes are done. With `prefer` encryption a
   * peer that drops our MSE handshake is tried once more in plaintext.
   */
  connect(host: string, port: number): Promise<Peer> {
    return this.#dial(host, port, this.#options.encryption !== 'disable').catch((error: Error) => {
      if (this.#options.encryption !== 'prefer' || this.#closed || (error as { mse?: boolean }).mse !== true) throw error;
      return this.#dial(host, port, false);
    });
  }

  /** The upload policy may serve `peer` now: its held requests are asked about again. */
  resume(peer: Peer): void {
    const connection = peer as Connection;
    if (!this.#connections.has(connection) || !connection.held) return;
    connection.held = false;
    void this.#serve(connection);
  }

  /** Piece `index`'s data (a piece we have) in consecutive parts, as the upload cache holds it (see `ReadCache`). */
  readPiece(index: number): Promise<Buffer[]> {
    return this.#reads.piece(index);
  }

  /** Ends the session: closes every connection, the listener and the files. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    const server = this.#server;
    const closing = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const connection of [...this.#connections]) this.#drop(connection, 'the session closed');
    await closing;
    await Promise.all([this.storage.close(), this.#hasher.close()]);
  }

  #accept(socket: Socket): void {
    const host = socket.remoteAddress ?? '';
    if (this.#closed || !this.#roomFor(host)) {
      socket.destroy();
      return;
    }
    const wire = incomingWire(this.#options.encryption);
    const connection = this.#attach(wire, socket, host, socket.remotePort ?? 0, false);
    wire.on('crypto-infohash', (key: string) => {
      // An MSE initiator names the torrent by a hash of its info hash.
      if (key === this.#mseKey) wire.setInfoHash(this.metainfo.infoHashHex);
      else this.#drop(connection, 'an MSE handshake for another torrent');
    });
    wire.once('crypto-handshake', () => {
      connection.mse = true;
    });
    wire.once('handshake', (infoHash: string, peerId: string) => {
      if (this.#options.encryption === 'require' && !connection.mse) return this.#drop(connection, 'a plaintext handshake, and we require encryption');
      if (!this.#admit(connection, infoHash, peerId)) return;
      this.#sendHandshake(connection);
      this.#ready(connection);
    });
  }

  #dial(host: string, port: number, mse: boolean): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const address = `${host}:${port}`;
      if (this.#closed) return reject(new Error('torrent is closed'));
      if (this.#banned.has(address)) return reject(new Error(`${address} is banned`));
      if (!this.#roomFor(host)) return reject(new Error('connection limit reached'));
      const socket = net.connect(port, host);
      const wire = outgoingWire(this.#options.encryption, mse);
      const connection = this.#attach(wire, socket, host, port, true);
      let settled = false;
      let connected = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        // Closed during the MSE handshake: the peer may not speak MSE.
        reject(Object.assign(error, { mse: mse && connected && !connection.mse }));
      };
      wire.once('close', () => fail(new Error(`${address}: closed before the handshakes were done (${connection.dropReason || 'the peer closed the connection'})`)));
      socket.once('error', fail);
      socket.once('connect', () => {
        connected = true;
        if (mse) {
          wire.once('crypto-handshake', () => {
            connection.mse = true;
            this.#sendHandshake(connection);
          });
          wire.startEncryption(this.metainfo.infoHashHex);
        } else {
          this.#sendHandshake(connection);
        }
      });
      wire.once('handshake', (infoHash: string, peerId: string) => {
        if (!this.#admit(connection, infoHash, peerId)) return;
        this.#ready(connection);
        settled = true;
        resolve(connection);
      });
    });
  }

  #roomFor(host: string): boolean {
    let onHost = 0;
    for (const c of this.#connections) if (c.host === host) onHost++;
    return this.#connections.size < this.#options.maxConnections && onHost < this.#options.maxConnectionsPerHost;
  }

  /** Wires a socket to a new wire and the session's handlers. */
  #attach(wire: BoundedWire, socket: Socket, host: string, port: number, outgoing: boolean): Connection {
    const connection = new Connection(wire, socket, `${host}:${port}`, host, outgoing, this.metainfo.pieces.length, this.#options.pipeline);
    this.#connections.add(connection);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      connection.heard = performance.now();
      wire.write(chunk);
      const wait = this.#download?.take(chunk.length) ?? 0;
      if (wait > 0) {
        socket.pause();
        setTimeout(() => socket.resume(), wait);
      }
    });
    wire.on('data', (chunk: Uint8Array) => {
      if (socket.destroyed) return;
      // The wire writes each message on its own (a 13-byte request, a block's header): what one
      // turn of the event loop sends goes out in one system call.
      if (socket.writableCorked === 0) {
        socket.cork();
        setImmediate(() => socket.uncork());
      }
      socket.write(chunk);
    });
    socket.on('error', (error) => this.#drop(connection, error.message));
    socket.on('close', () => this.#drop(connection, 'the peer closed the connection'));
    socket.on('end', () => this.#drop(connection, 'the peer closed the connection'));
    wire.on('close', () => this.#drop(connection, 'the wire closed (a protocol error)'));
    wire.on('error', (error: Error) => this.#drop(connection, error.message));
    const timer = setTimeout(() => {
      if (!connection.ready) this.#drop(connection, 'no handshake in time');
    }, this.#options.handshakeTimeout);
    wire.once('close', () => clearTimeout(timer));

    wire.on('bitfield', () => this.#onBitfield(connection));
    wire.on('have-all', () => this.#onBitfield(connection));
    wire.on('have', (index: number) => this.#onHave(connection, index));
    wire.on('unchoke', () => this.#fill(connection));
    wire.on('interested', () => this.#rechoke(false));
    wire.on('uninterested', () => this.#rechoke(false));
    wire.on('request', (index: number, offset: number, length: number, respond: Queued['respond']) =>
      this.#onRequest(connection, index, offset, length, respond),
    );
    wire.on('cancel', (index: number, offset: number, length: number) => {
      const at = connection.queue.findIndex((q) => q.index === index && q.offset === offset && q.length === length);
      if (at !== -1) connection.queue.splice(at, 1);
    });
    wire.on('extended', (name: string, message: unknown) => {
      if (name !== 'handshake') return;
      const reqq = (message as { reqq?: unknown }).reqq;
      if (typeof reqq === 'number' && reqq > 0) {
        connection.pipeline = Math.min(connection.pipeline, reqq);
        connection.limit = Math.min(connection.limit, connection.pipeline);
      }
    });
    return connection;
  }

  /** Checks a peer's handshake; drops it unless it is for our torrent and a new, unbanned peer. */
  #admit(connection: Connection, infoHash: string, peerId: string): boolean {
    const duplicate = [...this.#connections].some((c) => c !== connection && c.ready && !c.closed && c.id === peerId);
    const refusal =
      infoHash !== this.metainfo.infoHashHex
        ? 'a handshake for another torrent'
        : peerId === Buffer.from(this.peerId).toString('hex')
          ? 'a connection to ourselves'
          : duplicate
            ? 'already connected to this peer'
            : this.#banned.has(peerId)
              ? 'a banned peer'
              : undefined;
    if (refusal) this.#drop(connection, refusal);
    return refusal === undefined;
  }

  #sendHandshake(connection: Connection): void {
    const { wire } = connection;
    wire.extendedHandshake = { v: 'PBTS 0.1', reqq: this.#options.maxQueuedRequests, ...(this.address ? { p: this.address.port } : {}) };
    this.#options.onWire?.(wire, connection);
    this.emit('wire', wire, connection);
    if (connection.closed) return;
    wire.handshake(this.metainfo.infoHash, this.peerId, { fast: true });
  }

  /** Both handshakes are done: say what we have and start trading. */
  #ready(connection: Connection): void {
    const { wire } = connection;
    connection.ready = true;
    connection.encryption = streamEncryption(wire, connection.mse);
    wire.setKeepAlive(true);
    const have = this.#picker.have;
    if (wire.hasFast && have.full) wire.haveAll();
    else if (wire.hasFast && have.count === 0) wire.haveNone();
    else wire.bitfield(have.bytes);
    this.emit('peer', connection);
  }

  /** A bitfield or have-all. A later one replaces the earlier (aria2 sends one per new piece). */
  #onBitfield(connection: Connection): void {
    const { wire, has } = connection;
    for (let index = 0; index < has.size; index++) {
      const now = wire.peerPieces.get(index);
      if (!has.set(index, now)) continue;
      if (now) this.#picker.addAvailability(index);
      else this.#picker.removeAvailability(index);
      if (!this.#picker.have.has(index)) connection.wanted += now ? 1 : -1;
    }
    this.#interest(connection);
  }

  #onHave(connection: Connection, index: number): void {
    if (!(index < connection.has.size)) return this.#strike(connection, 'have for a piece that does not exist');
    if (!connection.has.set(index)) return;
    this.#picker.addAvailability(index);
    if (!this.#picker.have.has(index)) connection.wanted++;
    this.#interest(connection);
    this.#fill(connection);
  }

  #interest(connection: Connection): void {
    if (connection.closed) return;
    if (connection.wanted > 0 && !this.done) {
      connection.wire.interested();
      this.#fill(connection);
    } else {
      connection.wire.uninterested();
    }
  }

  /** Requests blocks from `connection` up to its pipeline. */
  #fill(connection: Connection): void {
    const { wire } = connection;
    if (this.#closed || connection.closed || !connection.ready || wire.peerChoking || !wire.amInterested) return;
    if (connection.pausedUntil > performance.now()) return;
    const free = connection.limit - connection.requests.size;
    // Requests go out a quarter of the pipeline at a time, not one per block received: one
    // system call and one pick per 32 blocks rather than per block.
    if (free < Math.max(1, connection.limit >> 2) && connection.requests.size > 0) return;
    for (const block of this.#picker.pick(connection, (index) => connection.has.has(index), free)) {
      const key = `${block.index}:${block.offset}`;
      const outstanding: Outstanding = { ...block, at: performance.now() };
      connection.requests.set(key, outstanding);
      wire.request(block.index, block.offset, block.length, (error, data) => {
        // Answered after we gave up on it (timeout or endgame cancel): the block is settled.
        if (connection.requests.get(key) !== outstanding) return;
        connection.requests.delete(key);
        if (error || !data) {
          const rejected = /rejected/.test(error?.message ?? '');
          this.#picker.release(connection, block.index, block.offset, rejected);
          // A peer that refuses our requests (BEP 6 reject, e.g. its upload policy) is asked
          // again only after a pause that doubles with each refusal in a row, up to 30 s.
          const now = performance.now();
          if (rejected && connection.pausedUntil <= now) connection.pausedUntil = now + Math.min(30_000, 250 * 2 ** Math.min(connection.rejects++, 7));
          this.#fillAll();
          return;
        }
        this.#onBlock(connection, block.index, block.offset, data);
      });
    }
  }

  /** Asks every peer for more, once per turn of the event loop. */
  #fillAll(): void {
    if (this.#fillScheduled) return;
    this.#fillScheduled = true;
    setImmediate(() => {
      this.#fillScheduled = false;
      for (const connection of this.#connections) this.#fill(connection);
    });
  }

  #onBlock(connection: Connection, index: number, offset: number, data: Uint8Array): void {
    connection.received += data.length;
    this.#downloaded += data.length;
    // A peer that delivers earns back the pipeline a timeout cost it.
    if (connection.limit < connection.pipeline) connection.limit++;
    connection.rejects = 0;
    const result = this.#picker.receive(connection, index, offset, data);
    if (result) {
      for (const other of result.cancel) this.#cancel(other, index, offset);
      if (result.piece) void this.#settle(result.piece.index, result.piece.data, result.piece.blockSenders);
    }
    this.#fill(connection);
  }

  #cancel(connection: Connection, index: number, offset: number): void {
    const key = `${index}:${offset}`;
    const outstanding = connection.requests.get(key);
    if (!outstanding) return;
    connection.requests.delete(key);
    if (!connection.closed) connection.wire.cancel(index, offset, outstanding.length);
    this.#fill(connection);
  }

  /** Hashes a piece whose blocks are all in; stores and announces it, or drops it. */
  async #settle(index: number, data: Buffer, blockSenders: readonly Connection[]): Promise<void> {
    const senders = sendersOf(blockSenders, data.length);
    const { sha1, sha256 } = await this.#hasher.digest(data, this.#options.pieceSha256);
    if (this.#closed) return;
    if (!Buffer.from(sha1.buffer, sha1.byteOffset, sha1.length).equals(this.metainfo.pieces[index]!)) {
      this.#picker.failed(index);
      this.emit('piece-failed', { index, senders });
      const distinct = senders.map((s) => s.peer as Connection);
      if (distinct.length === 1) {
        this.#ban(distinct[0]!, `sent piece ${index}, which failed its hash`);
      } else {
        if (!this.#failed.has(index) && this.#failed.size < MAX_FAILED_COPIES) this.#failed.set(index, { data, blockSenders });
        for (const peer of distinct) this.#strike(peer, `shared in piece ${index}, which failed its hash`, 8);
      }
      this.#fillAll();
      return;
    }
    try {
      await this.storage.write(index, 0, data);
    } catch (error) {
      this.#picker.failed(index);
      if (!this.#closed) this.emit('error', error as Error);
      return;
    }
    if (this.#closed) return;
    this.#picker.verified(index);
    this.#blame(index, data);
    for (const connection of this.#connections) {
      if (!connection.ready || connection.closed) continue;
      connection.wire.have(index);
      if (connection.has.has(index) && --connection.wanted === 0) this.#interest(connection);
    }
    this.emit('piece-verified', { index, data, senders, ...(sha256 ? { sha256 } : {}) });
    this.#picker.recycle(data);
    if (this.done) {
      for (const connection of this.#connections) if (connection.ready) this.#interest(connection);
      this.emit('done');
    }
    this.#fillAll();
  }

  /** Now that piece `index` is known good, bans whoever sent a differing block of a failed copy. */
  #blame(index: number, good: Buffer): void {
    const failed = this.#failed.get(index);
    if (!failed) return;
    this.#failed.delete(index);
    failed.blockSenders.forEach((sender, block) => {
      const start = block * BLOCK_LENGTH;
      const end = Math.min(start + BLOCK_LENGTH, good.length);
      if (!good.subarray(start, end).equals(failed.data.subarray(start, end))) this.#ban(sender, `sent a bad block of piece ${index}`);
    });
  }

  #onRequest(connection: Connection, index: number, offset: number, length: number, respond: Queued['respond']): void {
    const { maxBlockLength, maxQueuedRequests, mayServe } = this.#options;
    if (length === 0 || length > maxBlockLength) return this.#ban(connection, `requested a block of ${length} bytes`);
    const size = index < this.metainfo.pieces.length ? pieceSize(this.metainfo, index) : 0;
    if (offset + length > size) return this.#ban(connection, `requested bytes ${offset}+${length} of piece ${index}, which has ${size}`);
    if (!this.#picker.have.has(index)) {
      respond(new Error('piece not here'));
      return this.#strike(connection, `requested piece ${index}, which we do not have`);
    }
    if (connection.queue.length >= maxQueuedRequests) {
      respond(new Error('queue full'));
      return this.#strike(connection, `requested more than ${maxQueuedRequests} blocks at once`);
    }
    if (mayServe?.(connection.wire, index) === 'refuse') return respond(new Error('refused by the upload policy'));
    connection.queue.push({ index, offset, length, respond });
    void this.#serve(connection);
  }

  /**
   * The first queued request the upload policy lets us send, taken off the queue; those it
   * refuses are answered on the way. Not simply the oldest: a held request must not block the
   * rest of a piece the policy already admitted (whose receipt would release it).
   */
  #nextServable(connection: Connection): Queued | undefined {
    const mayServe = this.#options.mayServe;
    const { queue } = connection;
    for (let at = 0; at < queue.length; ) {
      const request = queue[at]!;
      const decision = mayServe ? mayServe(connection.wire, request.index) : 'serve';
      if (decision === 'wait') {
        at++;
        continue;
      }
      queue.splice(at, 1);
      if (decision === 'serve') return request;
      request.respond(new Error('refused by the upload policy'));
    }
    connection.held = queue.length > 0;
    return undefined;
  }

  /** Sends `connection` the blocks it asked for, one at a time, within the upload rate. */
  async #serve(connection: Connection): Promise<void> {
    if (connection.serving) return;
    connection.serving = true;
    try {
      for (let next = this.#nextServable(connection); next && !connection.closed; next = this.#nextServable(connection)) {
        const { index, offset, length, respond } = next;
        const block = await this.#reads.read(index, offset, length);
        const wait = this.#upload?.take(length) ?? 0;
        if (wait > 0) await sleep(wait);
        while (connection.socket.writableLength > SEND_BUFFER && !connection.closed) await waitForDrain(connection.socket);
        if (connection.closed || connection.wire.amChoking) continue;
        const before = connection.wire.uploaded;
        respond(null, block);
        // The wire sends nothing for a request cancelled in the meantime.
        if (connection.wire.uploaded === before) continue;
        connection.sent += length;
        this.#uploaded += length;
        this.emit('block-uploaded', { peer: connection, index, offset, length });
      }
    } catch (error) {
      if (!this.#closed && !connection.closed) this.emit('error', error as Error);
    } finally {
      connection.serving = false;
    }
  }

  /** Gives upload slots to the best interested peers (see `chooseUnchoked`). */
  #rechoke(rotate: boolean): void {
    if (this.#closed) return;
    const seeding = this.done;
    const candidates = [...this.#connections]
      .filter((c) => c.ready && !c.closed && c.wire.peerInterested)
      .map((c) => ({ peer: c, rate: seeding ? c.sent : c.received, unchoked: !c.wire.amChoking }));
    const choice = chooseUnchoked(candidates, this.#options.uploadSlots, rotate ? undefined : this.#optimistic);
    this.#optimistic = choice.optimistic;
    for (const connection of this.#connections) {
      if (!connection.ready || connection.closed) continue;
      if (choice.unchoke.has(connection)) {
        connection.wire.unchoke();
      } else if (!connection.wire.amChoking) {
        connection.wire.choke();
        connection.queue.length = 0;
      }
    }
  }

  /** Gives up on blocks a peer has not sent in time: they go to other peers first. */
  #sweep(): void {
    const now = performance.now();
    let released = false;
    for (const connection of [...this.#connections]) {
      if (now - connection.heard > IDLE_TIMEOUT) {
        this.#drop(connection, 'silent for too long');
        continue;
      }
      // The policy's own `resume` is what counts; this catches a change it did not announce.
      if (connection.held) this.resume(connection);
      if (connection.pausedUntil !== 0 && connection.pausedUntil <= now) {
        connection.pausedUntil = 0;
        released = true;
      }
      for (const [key, outstanding] of connection.requests) {
        if (now - outstanding.at < this.#options.requestTimeout) continue;
        connection.requests.delete(key);
        this.#picker.release(connection, outstanding.index, outstanding.offset, true);
        if (!connection.closed) connection.wire.cancel(outstanding.index, outstanding.offset, outstanding.length);
        // A slow peer gets fewer blocks at once until it delivers again.
        connection.limit = Math.max(1, connection.limit >> 1);
        released = true;
      }
    }
    if (released) this.#fillAll();
  }

  #strike(connection: Connection, reason: string, weight = 1): void {
    connection.strikes += weight;
    if (connection.strikes > MAX_STRIKES) this.#ban(connection, `too many bad messages (last: ${reason})`);
  }

  #ban(connection: Connection, reason: string): void {
    if (connection.banned) return;
    connection.banned = true;
    if (connection.id) this.#banned.add(connection.id);
    if (connection.outgoing) this.#banned.add(connection.address);
    this.emit('peer-banned', { peer: connection, reason });
    this.#drop(connection, `banned: ${reason}`);
  }

  #drop(connection: Connection, reason: string): void {
    if (connection.closed) return;
    connection.closed = true;
    connection.dropReason = reason;
    this.#connections.delete(connection);
    connection.queue.length = 0;
    this.#picker.removePeer(connection, (index) => connection.has.has(index));
    connection.requests.clear();
    if (this.#optimistic === connection) this.#optimistic = undefined;
    connection.wire.destroy();
    connection.socket.destroy();
    if (!this.#closed) {
      this.#rechoke(false);
      this.#fillAll();
    }
  }
}

/** Bytes per distinct sender, in order of first block. */
function sendersOf(blockSenders: readonly Connection[], length: number): PieceSender<Peer>[] {
  const bytes = new Map<Connection, number>();
  blockSenders.forEach((peer, block) => {
    const size = Math.min(BLOCK_LENGTH, length - block * BLOCK_LENGTH);
    bytes.set(peer, (bytes.get(peer) ?? 0) + size);
  });
  return [...bytes].map(([peer, count]) => ({ peer, bytes: count }));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function waitForDrain(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.once('drain', done);
    socket.once('close', done);
  });
}
