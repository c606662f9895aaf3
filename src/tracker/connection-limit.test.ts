import { mkdtempSync, rmSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningTracker, startTracker } from './server.ts';

const LIMIT = 8;

/** Opens an idle connection from `localAddress`; resolves once connected, with whether the server closed it within 300 ms. */
function idle(port: number, localAddress: string): Promise<{ socket: Socket; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    socket.on('error', () => {});
    let closed = false;
    socket.on('close', () => (closed = true));
    socket.once('connect', () => setTimeout(() => resolve({ socket, closed }), 300));
    socket.once('error', reject);
  });
}

const health = (url: string) => fetch(`${url}/health`, { headers: { connection: 'close' } }).then((res) => res.status);

describe('per-address connection limit', () => {
  let tracker: RunningTracker;
  let dir: string;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pbts-connections-'));
    tracker = await startTracker({ port: 0, verifyWorkers: 1, config: { dataDir: dir, maxConnectionsPerAddress: LIMIT } });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await tracker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('behavior: idle connections from one address past the limit are closed at once, other addresses still get /health', async () => {
    const held = await Promise.all(Array.from({ length: LIMIT }, () => idle(tracker.port, '127.0.0.5')));
    sockets.push(...held.map((h) => h.socket));
    expect(held.map((h) => h.closed)).toEqual(new Array(LIMIT).fill(false));
    const extra = await Promise.all(Array.from({ length: 20 }, () => idle(tracker.port, '127.0.0.5')));
    sockets.push(...extra.map((h) => h.socket));
    expect(extra.every((h) => h.closed)).toBe(true);
    expect(await health(tracker.url)).toBe(200);

    // A connection given back makes room again.
    held[0]!.socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const again = await idle(tracker.port, '127.0.0.5');
    sockets.push(again.socket);
    expect(again.closed).toBe(false);

    const metrics = await (await fetch(`${tracker.url}/metrics`)).text();
    expect(metrics).toMatch(/^pbts_http_connections_refused_total 20$/m);
    expect(metrics).toMatch(new RegExp(`^pbts_http_max_connections_per_address ${LIMIT}$`, 'm'));
    expect(metrics).toMatch(/^pbts_peer_budget \d+$/m);
    expect(metrics).toMatch(/^pbts_peer_evictions_torrent_passkey_total 0$/m);
  });
});
