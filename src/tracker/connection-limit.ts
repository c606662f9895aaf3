/**
 * A per-address bound on the HTTP server's open connections: one client holding hundreds of idle
 * connections would otherwise use up the process's file descriptors (with 1,024 of them, 1,100
 * idle connections from one address made `/health` fail). A connection past the bound is closed
 * at once, before a byte is read. Trusted proxies are exempt: every client behind one shares its
 * address.
 * @module
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Sample } from './metrics.ts';

/** Counters of a {@link limitConnectionsPerAddress}. */
export interface ConnectionLimit {
  /** Connections open now (exempt ones included). */
  open(): number;
  /** Connections closed at accept because their address held the limit. */
  refused(): number;
  /** The counters for `/metrics`. */
  samples(): Sample[];
}

/** Options of {@link limitConnectionsPerAddress}. */
export interface ConnectionLimitOptions {
  /** Open connections one address may hold, read live on every accept. */
  max: () => number;
  /** Addresses without a bound (`true`: all of them), e.g. trusted proxies. */
  exempt?: boolean | readonly string[];
}

/** Bounds the connections each remote address holds to `server` (install after every other `connection` listener). */
export function limitConnectionsPerAddress(server: Server, options: ConnectionLimitOptions): ConnectionLimit {
  const counts = new Map<string, number>();
  const exempt = options.exempt === true ? undefined : new Set((options.exempt || []).map(unmapped));
  let open = 0;
  let refused = 0;
  server.on('connection', (socket: Socket) => {
    open++;
    socket.once('close', () => open--);
    if (exempt === undefined || socket.remoteAddress === undefined) return;
    const address = unmapped(socket.remoteAddress);
    if (exempt.has(address)) return;
    const count = counts.get(address) ?? 0;
    if (count >= options.max()) {
      refused++;
      socket.destroy();
      return;
    }
    counts.set(address, count + 1);
    socket.once('close', () => {
      const left = counts.get(address)! - 1;
      if (left === 0) counts.delete(address);
      else counts.set(address, left);
    });
  });
  return {
    open: () => open,
    refused: () => refused,
    samples: () => [
      { name: 'pbts_http_connections', help: 'Open HTTP connections.', type: 'gauge', value: open },
      { name: 'pbts_http_connection_addresses', help: 'Client addresses holding open HTTP connections.', type: 'gauge', value: counts.size },
      { name: 'pbts_http_connections_refused_total', help: 'Connections closed at accept: their address held maxConnectionsPerAddress.', type: 'counter', value: refused },
      { name: 'pbts_http_max_connections_per_address', help: 'Open connections one client address may hold.', type: 'gauge', value: options.max() },
    ],
  };
}

function unmapped(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
