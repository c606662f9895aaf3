// Types for the untyped JavaScript packages the peer engine drives (only what it uses). This is
// the project's one declaration of bittorrent-protocol: src/wire's extension uses it too.

declare module 'bittorrent-protocol' {
  import { Duplex } from 'node:stream';

  /** A peer's pieces as the wire tracks them (a `bitfield` BitField, or "have all"). */
  export interface PeerPieces {
    get(index: number): boolean;
  }

  /** A BEP 10 extension class for `wire.use`: `new Extension(wire)`, named by its prototype. */
  export interface ExtensionConstructor {
    new (wire: Wire): {
      onHandshake?(infoHash: string, peerId: string, extensions: Record<string, boolean>): void;
      onExtendedHandshake?(handshake: Record<string, unknown>): void;
      onMessage?(buffer: Uint8Array): void;
    };
    prototype: { name: string };
  }

  /**
   * One BitTorrent peer-wire connection (BEP 3, 6, 10, and MSE/PE). Really a streamx Duplex,
   * which pipes to and from Node streams; typed as Node's Duplex.
   */
  export default class Wire extends Duplex {
    /** `peEnabled`: 0 plaintext only, 1 MSE with plaintext allowed, 2 MSE with RC4 only. */
    constructor(type?: string, peEnabled?: 0 | 1 | 2);
    /** Whether Node's crypto has RC4 (not by default on Node 17+, so MSE runs RC4 in JS). */
    static readonly nativeRC4: boolean;
    readonly type: string;
    /** The peer's id, hex, once its handshake arrived. */
    peerId: string | null;
    peerIdBuffer: Uint8Array | null;
    amChoking: boolean;
    amInterested: boolean;
    peerChoking: boolean;
    peerInterested: boolean;
    peerPieces: PeerPieces;
    /** BEP 6 is on: both handshakes set its bit. */
    hasFast: boolean;
    peerExtensions: { dht?: boolean; fast?: boolean; extended?: boolean };
    /** Our extended-handshake keys other than `m`. */
    extendedHandshake: Record<string, unknown>;
    /** Our id -> extension name. */
    extendedMapping: Record<number, string>;
    /** Extension name -> the peer's id for it. */
    peerExtendedMapping: Record<string, number>;
    peerExtendedHandshake: Record<string, unknown>;
    /** Payload bytes sent and received. */
    uploaded: number;
    downloaded: number;

    use(extension: ExtensionConstructor): void;
    setKeepAlive(enable: boolean): void;
    startEncryption(infoHashHex: string): void;
    setInfoHash(infoHashHex: string): void;
    handshake(infoHash: Uint8Array | string, peerId: Uint8Array | string, extensions?: { dht?: boolean; fast?: boolean }): void;
    choke(): void;
    unchoke(): void;
    interested(): void;
    uninterested(): void;
    have(index: number): void;
    bitfield(bitfield: Uint8Array): void;
    haveAll(): void;
    haveNone(): void;
    request(index: number, offset: number, length: number, callback: (error: Error | null, block?: Uint8Array) => void): void;
    piece(index: number, offset: number, block: Uint8Array): void;
    cancel(index: number, offset: number, length: number): void;
    reject(index: number, offset: number, length: number): void;
    extended(ext: number | string, message: Uint8Array | object): void;

    /** Internal (5.0.9): handles a message's 4-byte length prefix. */
    protected _onMessageLength(buffer: Uint8Array): void;
    /** Internal (5.0.9): sets how many bytes the parser waits for, and what gets them. */
    protected _parse(size: number, parser: (buffer: Uint8Array) => void): void;
    /** Internal (5.0.9): logs through `debug`, formatting its message first. */
    protected _debug(...args: unknown[]): void;
    /** Internal (5.0.9): the stream's write: buffers `data` and parses what is complete. */
    protected _write(data: Uint8Array, callback: (error: Error | null) => void): void;
    /** Internal (5.0.9): bytes the parser waits for, and bytes buffered towards them. */
    protected _parserSize: number;
    protected _bufferSize: number;
  }
}

declare module 'create-torrent' {
  interface CreateTorrentOptions {
    name?: string;
    comment?: string;
    createdBy?: string;
    creationDate?: Date | number;
    private?: boolean;
    pieceLength?: number;
    announceList?: string[][];
    urlList?: string[];
  }
  /** Hashes the files at `input` and calls back with the bencoded .torrent. */
  export default function createTorrent(
    input: string | string[],
    options: CreateTorrentOptions,
    callback: (error: Error | null, torrent: Uint8Array) => void,
  ): void;
}

declare module 'bittorrent-tracker' {
  import type { EventEmitter } from 'node:events';
  import type { Server as HttpServer } from 'node:http';

  /** The webtorrent tracker server (HTTP, UDP and WebSocket), an open tracker. */
  export class Server extends EventEmitter {
    constructor(options?: { interval?: number; http?: boolean; udp?: boolean; ws?: boolean; stats?: boolean });
    http: HttpServer | null;
    listen(port: number, hostname: string, onListening?: () => void): void;
    close(done?: () => void): void;
  }
}
