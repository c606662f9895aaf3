/**
 * Test helpers: a tracker server as startTracker builds it (raw path, fast path, Hono app) around
 * a given app, and a pipelining HTTP/1.1 client, so tests can send thousands of announces over
 * loopback in a few writes.
 * @module
 */
import { type Server, createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import bencode from 'bencode';
import { getRequestListener } from '@hono/node-server';
import type { TrackerApp } from './app.ts';
import { withFastPath } from './fast-path.ts';
import { serveRawAnnounces } from './raw-announce.ts';

/** Serves `tracker` on a free loopback port; `raw: false` leaves announces to the Node fast path. */
export async function serveTracker(tracker: TrackerApp, raw = true): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer(withFastPath(tracker, getRequestListener(tracker.app.fetch)));
  const rawPath = raw ? serveRawAnnounces(server, tracker) : undefined;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      rawPath?.closeIdle();
      server.closeIdleConnections();
      return closed;
    },
  };
}

/** Sends `paths` as pipelined GETs on one connection from `localAddress`; resolves with the decoded bodies, in order. */
export function pipelined(port: number, paths: readonly string[], localAddress = '127.0.0.1'): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks);
      const bodies: Record<string, unknown>[] = [];
      for (let at = 0; at < all.length; ) {
        const headEnd = all.indexOf('\r\n\r\n', at, 'latin1');
        const head = all.toString('latin1', at, headEnd);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1]);
        const body = all.subarray(headEnd + 4, headEnd + 4 + length);
        bodies.push(head.startsWith('HTTP/1.1 200') ? (bencode.decode(body) as Record<string, unknown>) : { status: head.slice(9, 12) });
        at = headEnd + 4 + length;
      }
      if (bodies.length !== paths.length) reject(new Error(`${bodies.length} answers to ${paths.length} requests`));
      else resolve(bodies);
    });
    const requests = paths.map((path, i) => `GET ${path} HTTP/1.1\r\nHost: t\r\n${i === paths.length - 1 ? 'Connection: close\r\n' : ''}\r\n`);
    socket.write(requests.join(''));
  });
}

/** The ports of a compact `peers` string (BEP 23). */
export function compactPorts(peers: unknown): number[] {
  const bytes = peers as Uint8Array;
  const ports: number[] = [];
  for (let i = 0; i + 6 <= bytes.length; i += 6) ports.push((bytes[i + 4]! << 8) | bytes[i + 5]!);
  return ports.sort((a, b) => a - b);
}
