// Types for the untyped JavaScript packages the tracker's tests drive.

declare module 'bencode' {
  const bencode: {
    encode(value: unknown): Uint8Array;
    /** Byte strings decode to Uint8Array; dict keys to strings (hex when not valid UTF-8). */
    decode(data: Uint8Array): unknown;
  };
  export default bencode;
}

declare module 'bittorrent-tracker' {
  import { EventEmitter } from 'node:events';

  export interface ClientOptions {
    infoHash: string | Uint8Array;
    peerId: string | Uint8Array;
    announce: string | string[];
    port: number;
    userAgent?: string;
  }

  export interface AnnounceOptions {
    uploaded?: number;
    downloaded?: number;
    left?: number;
    numwant?: number;
  }

  /** The webtorrent tracker client (HTTP, UDP and WebSocket trackers). */
  export default class Client extends EventEmitter {
    constructor(opts: ClientOptions);
    readonly infoHash: string;
    readonly peerId: string;
    destroyed: boolean;
    start(opts?: AnnounceOptions): void;
    update(opts?: AnnounceOptions): void;
    complete(opts?: AnnounceOptions): void;
    stop(opts?: AnnounceOptions): void;
    scrape(opts?: { infoHash?: string | string[] }): void;
    setInterval(intervalMs?: number): void;
    destroy(cb?: (err: Error | null) => void): void;
  }
}
