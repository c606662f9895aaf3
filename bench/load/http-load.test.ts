/**
 * The load engine against local servers on 127.0.0.1:0: bodies by length and chunked, responses
 * split byte by byte, keep-alive reuse, POST bodies, timeouts, stop() and exact amounts.
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type HttpLoadOptions, TIMEOUT_MESSAGE, encodeGet, encodePost, parseResponse, runHttpLoad } from './http-load.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function listen(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(
    () =>
      new Promise((resolve) => {
        (server as http.Server).closeAllConnections?.();
        server.close(() => resolve());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

function httpServer(handler: http.RequestListener): Promise<{ port: number; server: http.Server }> {
  const server = http.createServer(handler);
  return listen(server).then((port) => ({ port, server }));
}

/** A raw server answering every request (any bytes ending in a blank line) with `respond`. */
async function rawServer(respond: (socket: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let seen = '';
    socket.on('data', (chunk) => {
      seen += chunk.toString('latin1');
      while (seen.includes('\r\n\r\n')) {
        seen = seen.slice(seen.indexOf('\r\n\r\n') + 4);
        respond(socket);
      }
    });
  });
  closers.push(async () => {
    for (const socket of sockets) socket.destroy();
  });
  return listen(server);
}

interface Outcome {
  responses: { client: number; status: number; body: string; ms: number }[];
  errors: string[];
  capped: boolean;
}

/** Runs a load to its end and collects what it reported. */
async function run(options: Omit<HttpLoadOptions, 'host' | 'onResponse' | 'onError' | 'maxSeconds'> & { maxSeconds?: number }): Promise<Outcome> {
  const outcome: Outcome = { responses: [], errors: [], capped: false };
  const load = runHttpLoad({
    host: '127.0.0.1',
    maxSeconds: 10,
    ...options,
    onResponse: (client, status, body, ms) => outcome.responses.push({ client, status, body: body.toString(), ms }),
    onError: (_client, error) => outcome.errors.push(error.message),
  });
  await load.done;
  outcome.capped = load.capped;
  return outcome;
}

const get = (port: number, path = '/') => encodeGet(path, `127.0.0.1:${port}`);

describe('runHttpLoad', () => {
  it('reads content-length bodies and times each request', async () => {
    const { port } = await httpServer((req, res) => res.end(`hello ${req.url}`));
    const out = await run({ port, connections: 2, amount: 6, next: () => get(port, '/x') });
    expect(out.errors).toEqual([]);
    expect(out.responses).toHaveLength(6);
    for (const r of out.responses) {
      expect(r).toMatchObject({ status: 200, body: 'hello /x' });
      expect(r.ms).toBeGreaterThan(0);
    }
    expect(out.capped).toBe(false);
  });

  it('reads chunked bodies and status codes', async () => {
    const { port } = await httpServer((_req, res) => {
      res.statusCode = 404;
      res.write('part one, ');
      setImmediate(() => res.end('part two'));
    });
    const out = await run({ port, connections: 1, amount: 3, next: () => get(port) });
    expect(out.errors).toEqual([]);
    expect(out.responses.map((r) => [r.status, r.body])).toEqual(Array(3).fill([404, 'part one, part two']));
  });

  it('parses responses split byte by byte, and several in one chunk', async () => {
    const response = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde';
    const chunkedResponse = 'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: 1\r\n\r\n';
    let n = 0;
    const port = await rawServer((socket) => {
      // Every third: an informational response and the real one in a single write.
      if (n++ % 3 === 2) return socket.write(`HTTP/1.1 100 Continue\r\n\r\n${response}`);
      const text = n % 3 === 1 ? response : chunkedResponse;
      let i = 0;
      const drip = () => {
        if (socket.destroyed) return;
        socket.write(text[i++]!);
        if (i < text.length) setTimeout(drip, 0);
      };
      drip();
    });
    const out = await run({ port, connections: 1, amount: 5, next: () => get(port) });
    expect(out.errors).toEqual([]);
    expect(out.responses.map((r) => [r.status, r.body])).toEqual([[200, 'abcde'], [201, 'abcde'], [200, 'abcde'], [200, 'abcde'], [201, 'abcde']]);

    // The parser on its own: where each response of a buffer ends, and incomplete ones wait.
    const two = Buffer.from(`HTTP/1.1 100 Continue\r\n\r\n${response}`);
    const first = parseResponse(two, 0)!;
    expect(first.status).toBe(100);
    expect(parseResponse(two, first.end)).toMatchObject({ status: 200, end: two.length });
    expect(parseResponse(Buffer.from(response.slice(0, -1)), 0)).toBeUndefined();
  });

  it('reuses one keep-alive socket for many requests, and reconnects on Connection: close', async () => {
    const sockets = new Set<net.Socket>();
    let served = 0;
    const { port } = await httpServer((req, res) => {
      sockets.add(req.socket);
      // Every 10th response closes its socket: the client must reconnect and carry on.
      if (++served % 10 === 0 && req.url === '/close') res.setHeader('Connection', 'close');
      res.end('ok');
    });
    const out = await run({ port, connections: 1, amount: 50, next: () => get(port) });
    expect(out.errors).toEqual([]);
    expect(out.responses).toHaveLength(50);
    expect(sockets.size).toBe(1);

    sockets.clear();
    served = 0;
    const again = await run({ port, connections: 1, amount: 30, next: () => get(port, '/close') });
    expect(again.errors).toEqual([]);
    expect(again.responses).toHaveLength(30);
    expect(sockets.size).toBe(3);
  });

  it('delivers POST bodies intact', async () => {
    const received: string[] = [];
    const { port } = await httpServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (part: string) => (body += part));
      req.on('end', () => {
        received.push(`${req.method} ${req.url} ${req.headers['content-type']} ${body}`);
        res.end(String(body.length));
      });
    });
    const bodies = Array.from({ length: 8 }, (_, i) => JSON.stringify({ i, pad: 'é'.repeat(5000 * i) }));
    let sent = 0;
    const out = await run({
      port,
      connections: 3,
      amount: bodies.length,
      next: () => encodePost('/report', `127.0.0.1:${port}`, bodies[sent++]!),
    });
    expect(out.errors).toEqual([]);
    expect(received.sort()).toEqual(bodies.map((b) => `POST /report application/json ${b}`).sort());
  });

  it('counts a request without an answer as a timeout, then goes on', async () => {
    let n = 0;
    const { port } = await httpServer((_req, res) => {
      if (n++ === 0) return; // never answered
      res.end('late but fine');
    });
    const started = performance.now();
    const out = await run({ port, connections: 1, amount: 3, timeoutMs: 200, next: () => get(port) });
    expect(out.errors).toEqual([TIMEOUT_MESSAGE]);
    expect(out.responses).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
  });

  it('stop() ends a load promptly, and the cap marks it capped', async () => {
    const { port } = await httpServer((_req, res) => res.end('x'));
    let responses = 0;
    const load = runHttpLoad({
      host: '127.0.0.1',
      port,
      connections: 4,
      maxSeconds: 60,
      next: () => get(port),
      onResponse: () => responses++,
      onError: (_c, error) => {
        throw error;
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const t0 = performance.now();
    load.stop();
    await load.done;
    expect(performance.now() - t0).toBeLessThan(50);
    expect(responses).toBeGreaterThan(10);
    expect(load.capped).toBe(false);
    const after = responses;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(responses).toBe(after);

    const capped = await run({ port, connections: 2, maxSeconds: 0.2, next: () => get(port) });
    expect(capped.capped).toBe(true);
    expect(capped.responses.length).toBeGreaterThan(10);
  });

  it('sends exactly `amount` requests, split over the clients like autocannon', async () => {
    let served = 0;
    const { port } = await httpServer((_req, res) => {
      served++;
      res.end('ok');
    });
    const out = await run({ port, connections: 7, amount: 100, next: () => get(port) });
    expect(served).toBe(100);
    expect(out.responses).toHaveLength(100);
    const perClient = Array<number>(7).fill(0);
    for (const r of out.responses) perClient[r.client]!++;
    expect(perClient).toEqual([15, 15, 14, 14, 14, 14, 14]);

    // A client with no more work ends early; the others carry on.
    const few = await run({ port, connections: 3, amount: 30, next: (client) => (client === 0 ? undefined : get(port)) });
    expect(few.responses).toHaveLength(20);
  });

  it('refuses non-loopback targets and reports connection errors', async () => {
    expect(() => runHttpLoad({ host: '10.0.0.1', port: 80, connections: 1, maxSeconds: 1, next: () => undefined, onResponse() {}, onError() {} })).toThrow(/loopback/);
    expect(() => runHttpLoad({ host: 'localhost', port: 80, connections: 1, maxSeconds: 1, next: () => undefined, onResponse() {}, onError() {} })).toThrow(/loopback/);
    // A port nobody listens on: errors until the cap.
    const server = net.createServer();
    const port = await listen(server);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const out = await run({ port, connections: 1, maxSeconds: 0.3, next: () => get(port) });
    expect(out.capped).toBe(true);
    expect(out.responses).toEqual([]);
    expect(out.errors.length).toBeGreaterThan(0);
    expect(out.errors[0]).toMatch(/ECONNREFUSED/);
  });
});
