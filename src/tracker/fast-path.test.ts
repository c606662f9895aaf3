import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type TrackerApp, createApp } from './app.ts';
import { resolveConfig } from './config.ts';
import { withAnnounceFastPath } from './fast-path.ts';
import { matchAnnouncePath } from './announce.ts';

let tracker: TrackerApp;
let server: Server;
let base: string;
const hash = '%11'.repeat(20);
const announce = (peer: string, left = 0) =>
  `?info_hash=${hash}&peer_id=${peer.padEnd(20, '-')}&port=6881&uploaded=0&downloaded=0&left=${left}`;

beforeAll(async () => {
  tracker = createApp({ config: resolveConfig({ mode: 'open' }) });
  server = createServer(withAnnounceFastPath(tracker, getRequestListener(tracker.app.fetch)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('default: the fast path answers announces exactly as the Hono route does', async () => {
  await fetch(`${base}/announce${announce('seeder')}`);
  const fast = await fetch(`${base}/announce${announce('leecher', 5)}`);
  expect(fast.headers.get('content-type')).toBe('text/plain');
  const viaHono = await tracker.app.request(`/announce${announce('leecher', 5)}`, {}, { remoteAddress: '127.0.0.1' });
  expect(Buffer.from(await fast.arrayBuffer())).toEqual(Buffer.from(await viaHono.arrayBuffer()));
});

test('behavior: other routes and methods go to the Hono app, and announces are counted', async () => {
  expect((await fetch(`${base}/health`)).status).toBe(404); // BitTorrent-only app: no PBTS routes
  expect((await fetch(`${base}/announce`, { method: 'POST' })).status).toBe(404);
  const metrics = await tracker.app.request('/metrics');
  expect(metrics.status).toBe(404);
  expect(tracker.counter.render().join('\n')).toMatch(/route="announce",status="200"\} [1-9]/);
});

test('behavior: announce paths are recognised with and without a passkey', () => {
  const passkey = 'a'.repeat(32);
  expect(matchAnnouncePath('/announce')).toEqual({ passkey: undefined });
  expect(matchAnnouncePath(`/announce/${passkey}`)).toEqual({ passkey });
  expect(matchAnnouncePath(`/${passkey}/announce`)).toEqual({ passkey });
  expect(matchAnnouncePath('/users/announce')).toBeUndefined();
  expect(matchAnnouncePath('/announce/a/b')).toBeUndefined();
  expect(matchAnnouncePath('/announce/')).toBeUndefined();
  expect(matchAnnouncePath('/scrape')).toBeUndefined();
});

test('error: a bad announce gets a bencoded failure reason from the fast path', async () => {
  const response = await fetch(`${base}/announce?info_hash=short`);
  expect(response.status).toBe(200);
  expect(await response.text()).toMatch(/^d14:failure reason\d+:/);
});
