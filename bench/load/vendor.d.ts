// Types for the untyped packages the load experiment drives (only what it uses).

declare module 'bittorrent-tracker/server' {
  import type { EventEmitter } from 'node:events';
  import type { Server as HttpServer } from 'node:http';

  interface ServerOptions {
    interval?: number;
    http?: boolean;
    udp?: boolean;
    ws?: boolean;
    stats?: boolean;
  }

  /** The webtorrent tracker server (HTTP, UDP and WebSocket). */
  export default class Server extends EventEmitter {
    constructor(options?: ServerOptions);
    http: HttpServer | null;
    listen(port: number, hostname: string, onListening?: () => void): void;
    close(done?: () => void): void;
  }
}
