/**
 * A minimal HTTP/1.1 keep-alive load engine for the load generator: one socket per client, one
 * request in flight per socket (clients do not pipeline), requests pre-encoded once, responses
 * parsed just enough for a status, a body and whether the socket stays open. It exists because
 * the generator shares the machine's cores with the tracker it measures: in the load experiment
 * it costs about 30 us of CPU per announce where autocannon cost about 55 us (and a third of
 * autocannon's per report). What is left is mostly the kernel's loopback TCP and event-loop
 * wake-ups, which any Node client pays. Loopback targets only.
 * @module
 */
import net from 'node:net';

/** What a load sends, where, and who hears about each outcome. */
export interface HttpLoadOptions {
  /** A loopback address: 127.x.x.x or ::1. */
  host: string;
  port: number;
  /** Sockets, one client each. */
  connections: number;
  /** Requests in all, split over the clients as autocannon does (client i sends floor(amount/n), +1 if i < amount mod n); unbounded when absent. */
  amount?: number;
  /** The load stops (capped) after this long. */
  maxSeconds: number;
  /** A request counts as timed out after this long without its whole response (default 10 s). */
  timeoutMs?: number;
  /** Client `client`'s next complete request (see encodeGet, encodePost), or undefined when it has no more work. */
  next(client: number): Buffer | undefined;
  /** A whole response, `ms` after its request was written; `body` is only valid during the call. */
  onResponse(client: number, status: number, body: Buffer, ms: number): void;
  /** A request or connection that failed; timeouts are `Error('request timed out')`. */
  onError(client: number, error: Error): void;
}

/** A running load. */
export interface HttpLoad {
  /** Resolves when every client is done, on stop() or at the cap; never rejects. */
  done: Promise<void>;
  /** Ends the load now: sockets closed, requests in flight neither answered nor counted. */
  stop(): void;
  /** Whether the load ended at maxSeconds rather than out of work or on stop(). */
  readonly capped: boolean;
}

/** The timeout error's message (the generator counts these apart). */
export const TIMEOUT_MESSAGE = 'request timed out';
/** A pause before reconnecting after a socket error, so a refusing port is not hammered in a hot loop. */
const RECONNECT_DELAY_MS = 100;
/** A response head larger than this is a protocol error, not a partial read to wait on. */
const MAX_HEAD_BYTES = 64 * 1024;
const EMPTY = Buffer.alloc(0);
/** Per-client read buffer: tracker responses (a bencoded peer list) fit in one read. */
const READ_BUFFER_BYTES = 64 * 1024;

/** Whether `host` is a loopback address (127.0.0.0/8 or ::1); names are refused, they could resolve elsewhere. */
export function isLoopback(host: string): boolean {
  return (net.isIPv4(host) && host.startsWith('127.')) || host === '::1';
}

/** A GET request, encoded once; `host` is the Host header (e.g. `127.0.0.1:8080`). */
export function encodeGet(path: string, host: string): Buffer {
  return Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 'latin1');
}

/** A POST request with a JSON body, encoded once. */
export function encodePost(path: string, host: string, body: string | Buffer): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const head = `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${bytes.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), bytes]);
}

/** A parsed response: its body, where it ended in the buffer, whether the server closes the socket. */
interface Response {
  status: number;
  body: Buffer;
  end: number;
  close: boolean;
  /** No length given: the body runs to the socket's close (old-style servers). */
  untilClose?: boolean;
}

/** The value of header `name` (lower case, given as `\r\nname:`) in a lower-cased head. */
function header(head: string, name: string): string | undefined {
  const at = head.indexOf(name);
  if (at < 0) return undefined;
  const end = head.indexOf('\r\n', at + name.length);
  return head.slice(at + name.length, end < 0 ? undefined : end).trim();
}

/** A chunked body from `pos` (just past the head): the body and its end, or undefined if incomplete. */
function chunked(buf: Buffer, pos: number): { body: Buffer; end: number } | undefined {
  const parts: Buffer[] = [];
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', pos, 'latin1');
    if (lineEnd < 0) return undefined;
    // parseInt stops at a chunk extension (";name=value").
    const size = Number.parseInt(buf.toString('latin1', pos, lineEnd), 16);
    if (!Number.isInteger(size) || size < 0) throw new Error('malformed chunk size');
    if (size === 0) {
      // Trailers, if any, end with an empty line; searching from the size line's CRLF also finds "0\r\n\r\n".
      const end = buf.indexOf('\r\n\r\n', lineEnd, 'latin1');
      if (end < 0) return undefined;
      return { body: parts.length === 1 ? parts[0]! : Buffer.concat(parts), end: end + 4 };
    }
    pos = lineEnd + 2;
    if (buf.length < pos + size + 2) return undefined;
    parts.push(buf.subarray(pos, pos + size));
    pos += size + 2;
  }
}

/** The response starting at `start`, or undefined while it is incomplete; throws on a malformed one. */
export function parseResponse(buf: Buffer, start: number): Response | undefined {
  const headEnd = buf.indexOf('\r\n\r\n', start, 'latin1');
  if (headEnd < 0) {
    if (buf.length - start > MAX_HEAD_BYTES) throw new Error('response head too large');
    return undefined;
  }
  // Lower-cased once so the few headers that matter are found with plain indexOf.
  const head = buf.toString('latin1', start, headEnd + 2).toLowerCase();
  const status = Number(head.slice(9, 12));
  if (!head.startsWith('http/1.') || head[12] === undefined || !(status >= 100 && status <= 599)) {
    throw new Error(`malformed status line: ${JSON.stringify(head.slice(0, 40))}`);
  }
  const connection = header(head, '\r\nconnection:');
  const close = connection === undefined ? head.startsWith('http/1.0') : connection.includes('close');
  const bodyStart = headEnd + 4;
  if (status < 200 || status === 204 || status === 304) return { status, body: EMPTY, end: bodyStart, close };
  if (header(head, '\r\ntransfer-encoding:')?.includes('chunked')) {
    const body = chunked(buf, bodyStart);
    return body && { status, close, ...body };
  }
  const length = header(head, '\r\ncontent-length:');
  if (length === undefined) return { status, body: EMPTY, end: bodyStart, close: true, untilClose: true };
  const n = Number(length);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`malformed content-length: ${length}`);
  if (buf.length < bodyStart + n) return undefined;
  return { status, body: buf.subarray(bodyStart, bodyStart + n), end: bodyStart + n, close };
}

/** Starts a load; see HttpLoadOptions. Throws at once for a non-loopback host. */
export function runHttpLoad(options: HttpLoadOptions): HttpLoad {
  const { host, port, connections, amount, maxSeconds, next, onResponse, onError } = options;
  if (!isLoopback(host)) throw new Error(`load is only sent to loopback addresses (127.x.x.x, ::1), got "${host}"`);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`bad port ${port}`);
  const timeoutMs = options.timeoutMs ?? 10_000;

  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  let ended = false;
  let capped = false;
  let active = 0;

  /** One client: its socket, its quota and its request in flight. */
  interface Client {
    id: number;
    quota: number;
    socket: net.Socket | undefined;
    /** Bytes of a response not yet complete (a copy: the read buffer is reused). */
    pending: Buffer | undefined;
    /** Every read of this client's sockets lands here. */
    readBuffer: Buffer;
    /** When the request in flight was written; undefined when none is. */
    sentAt: number | undefined;
    /** The socket being read reported an error (counted once, reconnect after a pause). */
    errored: boolean;
    finished: boolean;
  }

  const clients: Client[] = Array.from({ length: connections }, (_, id) => ({
    id,
    quota: amount === undefined ? Infinity : Math.floor(amount / connections) + (id < amount % connections ? 1 : 0),
    socket: undefined,
    pending: undefined,
    readBuffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
    sentAt: undefined,
    errored: false,
    finished: false,
  }));

  function end(): void {
    if (ended) return;
    ended = true;
    clearTimeout(capTimer);
    clearInterval(timeoutTimer);
    for (const client of clients) client.socket?.destroy();
    resolveDone();
  }

  function finish(client: Client): void {
    if (client.finished) return;
    client.finished = true;
    client.sentAt = undefined;
    client.socket?.destroy();
    if (--active === 0) end();
  }

  function send(client: Client): void {
    if (ended || client.finished) return;
    const request = client.quota > 0 ? next(client.id) : undefined;
    if (request === undefined) return finish(client);
    client.quota--;
    client.sentAt = performance.now();
    client.socket!.write(request);
  }

  function connect(client: Client): void {
    if (ended || client.finished) return;
    // `onread` reads into one reused buffer and skips the readable stream (no Buffer and no
    // 'data' event per read): a good part of the CPU a response costs in Node.
    const socket: net.Socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: client.readBuffer,
        callback: (nread: number, buffer: Uint8Array) => {
          if (socket === client.socket) read(client, socket, (buffer as Buffer).subarray(0, nread));
          return true; // keep reading
        },
      },
    });
    client.socket = socket;
    client.pending = undefined;
    client.sentAt = undefined;
    client.errored = false;
    socket.on('connect', () => send(client));
    socket.on('error', (error) => {
      if (ended || socket !== client.socket || client.finished) return;
      client.errored = true;
      client.sentAt = undefined;
      onError(client.id, error);
    });
    socket.on('close', () => {
      if (ended || socket !== client.socket || client.finished) return;
      if (client.sentAt !== undefined) {
        const head = client.pending && parseResponse(client.pending, 0);
        if (head?.untilClose) {
          // An old-style response: its body is everything up to the close.
          const body = client.pending!.subarray(head.end);
          const ms = performance.now() - client.sentAt;
          client.sentAt = undefined;
          onResponse(client.id, head.status, body, ms);
        } else {
          client.sentAt = undefined;
          onError(client.id, new Error('connection closed before the response'));
        }
      }
      if (client.quota === 0) finish(client);
      else if (client.errored) setTimeout(() => connect(client), RECONNECT_DELAY_MS);
      else connect(client);
    });
  }

  /** Parses every complete response in the bytes read so far; each one sends the client's next request. */
  function read(client: Client, socket: net.Socket, chunk: Buffer): void {
    const buf = client.pending ? Buffer.concat([client.pending, chunk]) : chunk;
    let offset = 0;
    while (offset < buf.length && !ended && socket === client.socket && !socket.destroyed) {
      let response: Response | undefined;
      try {
        response = parseResponse(buf, offset);
      } catch (error) {
        client.pending = undefined;
        if (client.sentAt !== undefined) {
          client.sentAt = undefined;
          onError(client.id, error as Error);
        }
        socket.destroy();
        return;
      }
      if (response === undefined || response.untilClose) break;
      offset = response.end;
      if (response.status < 200) continue; // informational (100 Continue): the real response follows
      if (client.sentAt === undefined) {
        // Bytes nobody asked for: the socket can no longer be trusted.
        client.pending = undefined;
        socket.destroy();
        return;
      }
      const ms = performance.now() - client.sentAt;
      client.sentAt = undefined;
      onResponse(client.id, response.status, response.body, ms);
      if (response.close) {
        // The server closes the socket: the close handler reconnects.
        client.pending = undefined;
        socket.destroy();
        return;
      }
      send(client);
    }
    client.pending = offset < buf.length ? Buffer.from(buf.subarray(offset)) : undefined;
  }

  // One sweep for every client's timeout: cheaper than a timer per request.
  const timeoutTimer = setInterval(
    () => {
      const now = performance.now();
      for (const client of clients) {
        if (client.sentAt === undefined || now - client.sentAt < timeoutMs) continue;
        client.sentAt = undefined;
        onError(client.id, new Error(TIMEOUT_MESSAGE));
        client.socket?.destroy(); // the close handler reconnects
      }
    },
    Math.max(5, Math.min(250, timeoutMs / 10)),
  );
  const capTimer = setTimeout(() => {
    capped = true;
    end();
  }, maxSeconds * 1000);

  for (const client of clients) {
    if (client.quota === 0) {
      client.finished = true;
      continue;
    }
    active++;
    connect(client);
  }
  if (active === 0) end();

  return {
    done,
    stop: end,
    get capped() {
      return capped;
    },
  };
}
