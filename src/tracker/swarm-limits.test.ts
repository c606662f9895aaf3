/**
 * The swarm bounds against the attacks they stop, over real HTTP on loopback through the raw
 * announce path: a passkey or a set of Sybils eclipsing a torrent, and a passkey or a set of
 * Sybils filling memory.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openStore, type Store } from '../store/index.ts';
import { createApp, type TrackerApp } from './app.ts';
import { type TrackerConfig, resolveConfig } from './config.ts';
import { privateHooks } from './private-hooks.ts';
import { compactPorts, pipelined, serveTracker } from './swarm-test-support.ts';

const hex = (n: number) => `%${(n & 0xff).toString(16).padStart(2, '0')}`;
/** Torrent t's info hash, percent-encoded. */
const torrent = (t: number) => [hex(t >> 8), hex(t), ...Array.from({ length: 18 }, () => '%aa')].join('');
const announce = (passkey: string, t: number, peer: string, port: number, extra = '&numwant=0') =>
  `/announce/${passkey}?info_hash=${torrent(t)}&peer_id=${peer.padEnd(20, '-')}&port=${port}&uploaded=0&downloaded=0&left=0${extra}`;
const HONEST_PORTS = [7001, 7002, 7003, 7004, 7005];

describe('swarm bounds over HTTP', () => {
  let store: Store;
  let tracker: TrackerApp;
  let server: Awaited<ReturnType<typeof serveTracker>>;
  const passkeys = new Map<string, string>();

  async function start(config: Partial<TrackerConfig>) {
    store = openStore({ dataDir: ':memory:' });
    for (const name of ['honest0', 'honest1', 'honest2', 'honest3', 'honest4', 'mallory', 'newcomer', ...Array.from({ length: 20 }, (_, i) => `sybil${i}`)]) {
      passkeys.set(name, store.createUser({ userId: name, publicKey: new Uint8Array(48).fill(passkeys.size + 1) }).passkey);
    }
    const resolved = resolveConfig({ dataDir: ':memory:', ...config });
    tracker = createApp({ config: resolved, hooks: privateHooks({ store, config: resolved }) });
    server = await serveTracker(tracker);
    // Five honest seeders from another address, before the attack (so the least recently announced).
    const honest = HONEST_PORTS.map((port, i) => announce(passkeys.get(`honest${i}`)!, 1, `honest${i}`, port));
    await pipelined(server.port, honest, '127.0.0.2');
  }

  /** The ports a new leecher is given in torrent 1. */
  async function newcomerSees(): Promise<number[]> {
    const path = announce(passkeys.get('newcomer')!, 1, 'newcomer', 7999, '&numwant=200').replace('left=0', 'left=5');
    const [answer] = await pipelined(server.port, [path], '127.0.0.3');
    return compactPorts(answer!.peers);
  }

  beforeEach(() => passkeys.clear());
  afterEach(async () => {
    await server.close();
    store.close();
  });

  test('behavior: one passkey announcing 5,000 peer ids into a torrent cannot evict its honest peers', { timeout: 30_000 }, async () => {
    await start({ maxPeersPerTorrent: 1000 });
    const mallory = passkeys.get('mallory')!;
    for (let batch = 0; batch < 5; batch++) {
      const paths = Array.from({ length: 1000 }, (_, i) => announce(mallory, 1, `m${batch * 1000 + i}`, 9000));
      const answers = await pipelined(server.port, paths);
      expect(answers.every((answer) => 'peers' in answer)).toBe(true);
    }
    const seen = await newcomerSees();
    expect(seen.filter((port) => port !== 9000)).toEqual(HONEST_PORTS);
    expect(seen.filter((port) => port === 9000)).toHaveLength(32);
    expect(tracker.swarms.limitStats().evictions.torrent_passkey).toBe(5000 - 32);
  });

  test('behavior: 20 Sybil passkeys from 4 addresses filling a torrent to its cap evict their own peers, honest ones stay', { timeout: 30_000 }, async () => {
    await start({ maxPeersPerTorrent: 100 });
    // Each passkey and address within its own per-torrent limits (32 and 64): 256 peers together.
    for (let batch = 0; batch < 4; batch++) {
      const paths = Array.from({ length: 500 }, (_, i) => announce(passkeys.get(`sybil${5 * batch + (i % 5)}`)!, 1, `s${batch}-${i}`, 9000));
      await pipelined(server.port, paths, `127.0.1.${20 + batch}`);
    }
    const seen = await newcomerSees();
    expect(seen.filter((port) => port !== 9000)).toEqual(HONEST_PORTS);
    expect(seen).toHaveLength(99);
    expect(tracker.swarms.limitStats().evictions.torrent).toBeGreaterThan(0);
  });

  test('behavior: one passkey spreading 10,000 announces over 200 torrents stays within its total, honest peers stay', { timeout: 30_000 }, async () => {
    await start({ maxPeersPerPasskey: 500 });
    const mallory = passkeys.get('mallory')!;
    for (let batch = 0; batch < 5; batch++) {
      const paths = Array.from({ length: 2000 }, (_, i) => announce(mallory, 2 + (i % 200), `m${batch * 2000 + i}`, 9000));
      await pipelined(server.port, paths);
      expect(tracker.swarms.stats().peers).toBeLessThanOrEqual(5 + 500);
    }
    expect(tracker.swarms.stats()).toMatchObject({ peers: 5 + 500 });
    expect(tracker.swarms.stats().torrents).toBeLessThanOrEqual(1 + 200);
    expect(tracker.swarms.limitStats().evictions.passkey).toBe(10_000 - 500);
    expect(await newcomerSees()).toEqual(HONEST_PORTS);
  });

  test('behavior: 10 Sybil passkeys from 5 addresses past the global peer budget only lose their own peers', { timeout: 30_000 }, async () => {
    await start({ maxPeers: 1000 });
    for (let batch = 0; batch < 5; batch++) {
      const from = `127.0.1.${10 + batch}`;
      const paths = Array.from({ length: 2000 }, (_, i) => {
        const sybil = passkeys.get(`sybil${2 * batch + (i % 2)}`)!;
        return announce(sybil, 2 + (i % 200), `s${batch}-${i}`, 9000);
      });
      await pipelined(server.port, paths, from);
      expect(tracker.swarms.stats().peers).toBeLessThanOrEqual(1000);
    }
    expect(tracker.swarms.stats().peers).toBe(1000);
    expect(tracker.swarms.limitStats().evictions.budget).toBe(10_000 + 5 - 1000);
    const seen = await newcomerSees();
    expect(seen).toEqual(HONEST_PORTS);
  });
});
