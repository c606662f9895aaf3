/**
 * Raw announces: plain HTTP/1.1 `GET` announces answered straight off the socket, skipping
 * Node's HTTP machinery (its parser callbacks, `IncomingMessage`, `ServerResponse` and the
 * stream `writev`), which cost about as much CPU as the announce itself.
 *
 * Every connection starts here. A request is answered here only when its whole head is in the
 * bytes read so far and it is a strict, simple case: `GET` of an announce path, HTTP/1.0 or 1.1,
 * `Host` present (1.1), every header a valid token and value, no body, no upgrade, no
 * duplicate header. Anything else (another route, a body, a head split across reads, a header
 * Node would refuse) hands the connection, with the bytes not yet answered, to Node's HTTP server
 * for the rest of its life: there every answer, refusal and timeout is Node's own, and announces
 * still take the request-listener fast path. So this module answers only requests that Node would
 * have passed to the same announce logic unchanged, and answers them with the same bytes.
 * @module
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { matchAnnouncePath } from './announce.ts';
import type { TrackerApp } from './app.ts';
import { INTERNAL_ERROR_BYTES } from './errors.ts';
import type { Incoming } from './query.ts';

/** Node's default `maxHeaderSize`: a longer head is Node's to refuse. */
const MAX_HEAD_BYTES = 16 * 1024;
/** Unanswered bytes buffered while an announce is pending before reading pauses. */
const MAX_BUFFERED_BYTES = 64 * 1024;

/** Request line and headers, as Node's strict parser accepts them (tokens; values without controls but tab). */
const SIMPLE_GET =
  /^GET (\/[\x21-\x7e]*) HTTP\/1\.([01])\r\n((?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*\r\n)*)$/;

/** The raw path of a server; `closeIdle()` ends its connections waiting for a request. */
export interface RawAnnounces {
  closeIdle(): void;
}

/**
 * Takes over `server`'s connections: simple announces are answered here, everything else is
 * handed to the server's own connection handling (see the module comment).
 */
export function serveRawAnnounces(server: Server, tracker: Pick<TrackerApp, 'announce' | 'counter'>): RawAnnounces {
  const [nodeConnection, ...others] = server.listeners('connection') as ((socket: Socket) => void)[];
  if (nodeConnection === undefined || others.length > 0) throw new Error('serveRawAnnounces needs a fresh http.Server');
  server.removeListener('connection', nodeConnection);
  const connections = new Set<RawConnection>();
  const date = new HttpDate();

  server.on('connection', (socket: Socket) => {
    const connection = new RawConnection(socket, {
      tracker,
      date,
      keepAliveTimeoutMs: server.keepAliveTimeout,
      keepAliveHeader: `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(server.keepAliveTimeout / 1000)}\r\n`,
      handOff: (rest) => {
        connections.delete(connection);
        nodeConnection.call(server, socket);
        // After Node's listeners are on: its parser reads the socket from here, these bytes first.
        if (rest.length > 0) socket.emit('data', rest);
      },
      closed: () => connections.delete(connection),
    });
    connections.add(connection);
  });
  return {
    closeIdle() {
      for (const connection of connections) connection.closeWhenIdle();
    },
  };
}

/** What a {@link RawConnection} needs from its server. */
interface ConnectionDeps {
  tracker: Pick<TrackerApp, 'announce' | 'counter'>;
  date: HttpDate;
  keepAliveTimeoutMs: number;
  /** The `Connection` and `Keep-Alive` header lines of a kept-alive response, as Node writes them. */
  keepAliveHeader: string;
  /** Gives the socket to Node's HTTP server, with the bytes not answered here. */
  handOff(rest: Buffer): void;
  closed(): void;
}

/** A parsed simple announce request. */
interface SimpleRequest {
  incoming: Incoming;
  passkey: string | undefined;
  keepAlive: boolean;
}

class RawConnection {
  /** Bytes read and not yet answered (only while an announce is pending). */
  private buffered: Buffer | undefined;
  private pending = false;
  /** The client half-closed: answer what was read, then end. */
  private ended = false;
  /** No more requests are answered: `Connection: close` was answered, or the server is shutting down. */
  private closing = false;
  private handedOff = false;
  private readonly onData = (chunk: Buffer) => this.read(chunk);
  private readonly onEnd = () => this.endWhenAnswered();
  private readonly onTimeout = () => this.socket.destroy();
  private readonly onError = () => {};
  private readonly onClose = () => this.deps.closed();

  constructor(
    private readonly socket: Socket,
    private readonly deps: ConnectionDeps,
  ) {
    // Node's keep-alive timeout (reset by every read and write); Node's own timers take over on hand-off.
    if (deps.keepAliveTimeoutMs > 0) socket.setTimeout(deps.keepAliveTimeoutMs);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('timeout', this.onTimeout);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  /** The client is done sending: end the connection once every request read is answered (as Node does). */
  private endWhenAnswered(): void {
    this.ended = true;
    if (!this.pending) this.socket.end();
  }

  /** Server shutdown: drop the connection now if it waits for a request, else once the pending one is answered. */
  closeWhenIdle(): void {
    this.closing = true;
    if (!this.pending) this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    if (this.pending) {
      this.buffered = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
      if (this.buffered.length > MAX_BUFFERED_BYTES) this.socket.pause();
      return;
    }
    this.answer(chunk);
  }

  /** Answers the requests in `bytes` in order, until one is not simple or an announce is pending. */
  private answer(bytes: Buffer): void {
    let offset = 0;
    while (offset < bytes.length) {
      if (this.closing) return;
      const headEnd = bytes.indexOf('\r\n\r\n', offset, 'latin1');
      const request = headEnd !== -1 && headEnd - offset <= MAX_HEAD_BYTES ? parseSimple(this.socket, bytes.toString('latin1', offset, headEnd + 2)) : undefined;
      if (request === undefined) return this.handOff(bytes.subarray(offset));
      offset = headEnd + 4;
      let body: Buffer | Promise<Buffer>;
      try {
        body = this.deps.tracker.announce(request.incoming, request.passkey);
      } catch (error) {
        this.fail(error, request.keepAlive);
        continue;
      }
      if (body instanceof Promise) {
        this.pending = true;
        const rest = bytes.subarray(offset);
        if (rest.length > 0) this.buffered = rest;
        body.then(
          (answered) => this.respond(answered, request.keepAlive),
          (error: unknown) => this.fail(error, request.keepAlive),
        ).then(() => this.resume());
        return;
      }
      this.respond(body, request.keepAlive);
    }
  }

  /** After a pending announce: the bytes that came meanwhile, then reading again. */
  private resume(): void {
    this.pending = false;
    const buffered = this.buffered;
    this.buffered = undefined;
    if (buffered && !this.closing) this.answer(buffered);
    if (this.pending || this.handedOff) return;
    if (this.closing || this.ended) this.socket.end();
    // Paused for the buffered bytes; still paused, below, while the client is not reading.
    else if (this.socket.isPaused() && !this.socket.writableNeedDrain) this.socket.resume();
  }

  private respond(body: Buffer, keepAlive: boolean): void {
    this.deps.tracker.counter.count('announce', 200);
    this.write(200, 'text/plain', body, keepAlive);
  }

  private fail(error: unknown, keepAlive: boolean): void {
    // The operator needs the stack; the client never sees it (as the app's onError).
    console.error(error);
    this.deps.tracker.counter.count('announce', 500);
    this.write(500, 'application/json', INTERNAL_ERROR_BYTES, keepAlive);
  }

  /** Writes one response with Node's status line and headers, in Node's order. */
  private write(status: 200 | 500, type: string, body: Buffer, keepAlive: boolean): void {
    if (this.socket.destroyed) return;
    const connection = keepAlive ? this.deps.keepAliveHeader : 'Connection: close\r\n';
    const head =
      `HTTP/1.1 ${status === 200 ? '200 OK' : '500 Internal Server Error'}\r\nContent-Type: ${type}\r\n` +
      `Content-Length: ${body.length}\r\nDate: ${this.deps.date.now()}\r\n${connection}\r\n`;
    const out = Buffer.allocUnsafe(head.length + body.length);
    out.write(head, 0, 'latin1');
    body.copy(out, head.length);
    if (!keepAlive) {
      this.closing = true;
      this.socket.end(out);
      return;
    }
    // A client that sends without reading: stop reading until it catches up (as Node does).
    if (!this.socket.write(out) && !this.socket.isPaused()) {
      this.socket.pause();
      this.socket.once('drain', () => {
        if (!this.pending) this.socket.resume();
      });
    }
  }

  private handOff(rest: Buffer): void {
    const socket = this.socket;
    socket.removeListener('data', this.onData);
    socket.removeListener('end', this.onEnd);
    socket.removeListener('timeout', this.onTimeout);
    socket.removeListener('error', this.onError);
    socket.removeListener('close', this.onClose);
    socket.setTimeout(0);
    this.handedOff = true;
    this.deps.handOff(rest);
    // Node's server missed the client's end (read while an announce was pending): it must see it,
    // after the requests handed over, as a later read of the socket would show it.
    if (this.ended) setImmediate(() => socket.emit('end'));
    // Paused for a client that would not read: Node's server reads it from here.
    if (socket.isPaused()) socket.resume();
  }
}

/** The request in `head` (request line and headers, each ending in CRLF) when it is a simple announce. */
function parseSimple(socket: Socket, head: string): SimpleRequest | undefined {
  const match = SIMPLE_GET.exec(head);
  if (match === null) return undefined;
  const url = match[1]!;
  const query = url.indexOf('?');
  const route = matchAnnouncePath(query === -1 ? url : url.slice(0, query));
  if (route === undefined) return undefined;
  const http11 = match[2] === '1';
  const headers: Record<string, string> = {};
  const lines = match[3]!;
  let keepAlive = http11;
  for (let start = 0; start < lines.length; ) {
    const end = lines.indexOf('\r\n', start);
    const colon = lines.indexOf(':', start);
    const name = lines.slice(start, colon).toLowerCase();
    const value = lines.slice(colon + 1, end).trim();
    start = end + 2;
    if (name in headers) return undefined;
    headers[name] = value;
    switch (name) {
      case 'connection': {
        const token = value.toLowerCase();
        if (token === 'close') keepAlive = false;
        else if (token === 'keep-alive') keepAlive = true;
        else return undefined; // upgrades and lists: Node's
        break;
      }
      case 'content-length':
        if (value !== '0') return undefined;
        break;
      case 'transfer-encoding':
      case 'upgrade':
      case 'expect':
        return undefined;
    }
  }
  if (http11 && headers.host === undefined) return undefined; // Node answers 400
  return { incoming: { url, socket, headers }, passkey: route.passkey, keepAlive };
}

/** The `Date` header value, formatted once a second (as Node caches it). */
class HttpDate {
  private second = -1;
  private value = '';

  now(): string {
    const ms = Date.now();
    const second = Math.floor(ms / 1000);
    if (second !== this.second) {
      this.second = second;
      this.value = new Date(ms).toUTCString();
    }
    return this.value;
  }
}
