/**
 * The ratio gate on every announce that asks for something to download, through each of the
 * three announce paths: the Hono route, the Node fast path and the raw socket path.
 */
import { randomBytes } from 'node:crypto';
import bencode from 'bencode';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openStore, type Store } from '../store/index.ts';
import { createApp, type TrackerApp } from './app.ts';
import { resolveConfig } from './config.ts';
import { privateHooks } from './private-hooks.ts';
import { pipelined, serveTracker } from './swarm-test-support.ts';

const key = (n: number) => new Uint8Array(48).fill(n);
const path = (passkey: string, extra: string, left = 1000) =>
  `/announce/${passkey}?info_hash=${'%22'.repeat(20)}&peer_id=${'-TS0001-lowratio'.padEnd(20, '0')}&port=6881&uploaded=0&downloaded=0&left=${left}${extra}`;

/** Event spellings of a regular update (none, empty, BEP 3's "empty", BEP 21's "paused") and `completed`. */
const asking = { 'no event': '', 'an empty event': '&event=', 'event=empty': '&event=empty', 'event=paused': '&event=paused', 'completed with left > 0': '&event=completed' };

describe('ratio gate over HTTP', () => {
  let store: Store;
  let tracker: TrackerApp;
  let raw: Awaited<ReturnType<typeof serveTracker>>;
  let fast: Awaited<ReturnType<typeof serveTracker>>;
  let low: string;

  beforeAll(async () => {
    store = openStore({ dataDir: ':memory:' });
    low = store.createUser({ userId: 'low', publicKey: key(1), uploaded: 16 * 1024 }).passkey;
    store.createUser({ userId: 'bob', publicKey: key(2) });
    store.applyReport({ receipts: Array.from({ length: 3 }, () => ({ id: new Uint8Array(randomBytes(32)), epoch: 1, senderPk: key(2), receiverPk: key(1), pieceSize: 16 * 1024 })) });
    const config = resolveConfig({ dataDir: ':memory:' });
    tracker = createApp({ config, hooks: privateHooks({ store, config }) });
    raw = await serveTracker(tracker, true);
    fast = await serveTracker(tracker, false);
  });
  afterAll(async () => {
    await raw.close();
    await fast.close();
    store.close();
  });

  const viaHono = async (p: string) => {
    const res = await tracker.app.request(p, {}, { remoteAddress: '127.0.0.1' });
    return bencode.decode(new Uint8Array(await res.arrayBuffer())) as Record<string, unknown>;
  };
  const viaRaw = async (p: string) => (await pipelined(raw.port, [p]))[0]!;
  const viaFast = async (p: string) => (await pipelined(fast.port, [p]))[0]!;
  const reason = (answer: Record<string, unknown>) => new TextDecoder().decode(answer['failure reason'] as Uint8Array | undefined);

  test.each(Object.entries(asking))('behavior: below the minimum ratio a leecher announce with %s gets no peers on any path', async (_name, extra) => {
    for (const answer of [await viaHono(path(low, extra)), await viaFast(path(low, extra)), await viaRaw(path(low, extra))]) {
      expect(reason(answer)).toMatch(/^ratio 0\.333 .* below this tracker's minimum 0\.5/);
      expect(answer).not.toHaveProperty('peers');
    }
  });

  test('behavior: below the minimum ratio seeding and stopping still pass on every path', async () => {
    for (const send of [viaHono, viaFast, viaRaw]) {
      expect(await send(path(low, '', 0))).toHaveProperty('peers');
      expect(await send(path(low, '&event=completed', 0))).toHaveProperty('peers');
      expect(await send(path(low, '&event=stopped'))).toHaveProperty('peers');
    }
  });

  test('error: an unknown event is refused as invalid on every path', async () => {
    for (const send of [viaHono, viaFast, viaRaw]) expect(reason(await send(path(low, '&event=bogus')))).toMatch(/^invalid event/);
  });
});
