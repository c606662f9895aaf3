// Types for the untyped packages the load experiment drives (only what it uses).

declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    /** A request as autocannon builds it; `setupRequest` may change it before each send. */
    interface Request {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      setupRequest?: (request: Request) => Request | undefined;
    }

    interface Options {
      url: string;
      connections?: number;
      pipelining?: number;
      /** Seconds (ignored when `amount` is set). */
      duration?: number;
      /** Total requests, split over the connections. */
      amount?: number;
      /** Per-request timeout in seconds. */
      timeout?: number;
      /** Milliseconds between the samples of its own histograms. */
      sampleInt?: number;
      method?: string;
      headers?: Record<string, string>;
      requests?: Request[];
      /** False counts the response as a mismatch. */
      verifyBody?: (body: string) => boolean;
      /** Called with each connection's client as it is made. */
      setupClient?: (client: Client) => void;
    }

    /** One connection. */
    interface Client {
      /** Replaces the requests this connection sends in turn (built once). */
      setRequests(requests: Request[]): void;
    }

    interface Result {
      errors: number;
      timeouts: number;
      mismatches: number;
      non2xx: number;
      requests: { sent: number };
    }

    /** A running load; emits `response` (client, statusCode, bytes, milliseconds) and `reqError` (error). */
    interface Instance extends EventEmitter {
      stop(): void;
    }
  }

  function autocannon(options: autocannon.Options, done: (error: Error | null, result: autocannon.Result) => void): autocannon.Instance;
  export default autocannon;
}

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
