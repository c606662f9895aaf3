import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { type TestUser, postJson, register, reportBody, testUsers } from '../../fixtures/pbts-client.ts';
import { VerifyPool } from '../receipts/index.ts';
import { type Store, openStore } from '../store/index.ts';
import { type TrackerApp, createApp } from './app.ts';
import { resolveConfig } from './config.ts';
import { withFastPath } from './fast-path.ts';
import { matchAnnouncePath } from './announce.ts';
import { openHooks } from './hooks.ts';
import { MAX_REPORT_BYTES, type Reporter } from './report.ts';

let tracker: TrackerApp;
let server: Server;
let base: string;
const hash = '%11'.repeat(20);
const announce = (peer: string, left = 0) =>
  `?info_hash=${hash}&peer_id=${peer.padEnd(20, '-')}&port=6881&uploaded=0&downloaded=0&left=${left}`;

beforeAll(async () => {
  tracker = createApp({ config: resolveConfig({ mode: 'open' }) });
  server = createServer(withFastPath(tracker, getRequestListener(tracker.app.fetch)));
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

test('error: an announce or a report that fails is a 500 with the app\'s body, naming no cause', async () => {
  const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
  const failure = new Error('database /var/lib/pbts/secret.db is locked');
  // Only what the fast path calls: the report fails once its body is read.
  const report = { admit: () => undefined, addressOf: () => '127.0.0.1', raw: () => Promise.reject(failure) } as unknown as Reporter;
  const failing = createServer(withFastPath({ counter: tracker.counter, announce: () => { throw failure; }, report }, getRequestListener(tracker.app.fetch)));
  await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
  const at = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
  try {
    const viaHono = createApp({ config: resolveConfig({ mode: 'open' }), hooks: { ...openHooks, beforeAnnounce: () => { throw failure; } } });
    const expected = await (await viaHono.app.request(`/announce${announce('a')}`, {}, { remoteAddress: '127.0.0.1' })).text();
    expect(JSON.parse(expected)).toEqual({ error: 'internal_error', reason: expect.any(String) });
    for (const response of [await fetch(`${at}/announce${announce('a')}`), await fetch(`${at}/report`, { method: 'POST', body: '{}' })]) {
      expect(response.status).toBe(500);
      expect(response.headers.get('content-type')).toBe('application/json');
      const text = await response.text();
      expect(text).toBe(expected);
      expect(text).not.toContain('secret.db');
    }
    expect(errors).toHaveBeenCalledWith(failure);
  } finally {
    errors.mockRestore();
    await new Promise<void>((resolve) => failing.close(() => resolve()));
  }
});

describe('report fast path', () => {
  let pbts: TrackerApp;
  let reportServer: Server;
  let url: string;
  let store: Store;
  let pool: VerifyPool;
  const users = testUsers('fast-report', 3);

  beforeAll(async () => {
    store = openStore({ dataDir: ':memory:' });
    pool = new VerifyPool({ size: 1, backend: 'blst' });
    pbts = createApp({ config: resolveConfig({}), pbts: { store, pool, startedAt: Date.now() } });
    reportServer = createServer(withFastPath(pbts, getRequestListener(pbts.app.fetch)));
    await new Promise<void>((resolve) => reportServer.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(reportServer.address() as AddressInfo).port}`;
    for (const user of users) await register(url, user);
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => reportServer.close(() => resolve()));
    await pool.close();
    store.close();
  });

  test('default: a report is verified, committed and answered with the new totals, and counted', async () => {
    const [alice, bob, carol] = users as [TestUser, TestUser, TestUser];
    const { status, json } = await postJson(`${url}/report`, reportBody(alice, [bob, carol]));
    expect(status).toBe(200);
    expect(json).toMatchObject({ accepted: 2, credited_bytes: 32 * 1024, sender: { user_id: alice.userId } });
    expect(store.userById(bob.userId)!.downloaded).toBe(16 * 1024);
    expect(pbts.counter.render().join('\n')).toMatch(/route="report",status="200"\} 1/);
  });

  test('behavior: refusals are the Hono route\'s, byte for byte, status and type included', async () => {
    const [alice, bob] = users as [TestUser, TestUser];
    const replayed = reportBody(alice, [bob]);
    await postJson(`${url}/report`, replayed);
    for (const body of ['{not json', '', '[]', '{"receipts":[]}', replayed]) {
      const fast = await fetch(`${url}/report`, { method: 'POST', body });
      const viaHono = await pbts.app.request('/report', { method: 'POST', body });
      expect(fast.status, body).toBe(viaHono.status);
      expect(fast.headers.get('content-type')).toBe(viaHono.headers.get('content-type'));
      expect(await fast.text()).toBe(await viaHono.text());
    }
  });

  test('error: a body over the limit is refused 413, declared or streamed, and nothing changes', async () => {
    const before = store.stats();
    const big = 'x'.repeat(MAX_REPORT_BYTES + 1);
    const declared = await fetch(`${url}/report`, { method: 'POST', body: big });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ error: 'body_too_large' });
    const streamed = await fetch(`${url}/report`, {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 5; i++) controller.enqueue(new TextEncoder().encode('y'.repeat(300 * 1024)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(store.stats()).toEqual(before);
  });
});
