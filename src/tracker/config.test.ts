import { describe, expect, test } from 'vitest';
import { getHeapStatistics } from 'node:v8';
import { defaultConfig, resolveConfig } from './config.ts';
import { Swarms, peerBudgetForHeap } from './swarm.ts';

describe('resolveConfig', () => {
  test('default', () => {
    expect(resolveConfig()).toEqual(defaultConfig);
    expect(defaultConfig).toMatchObject({ interval: 1800, minInterval: 900, defaultNumwant: 50, maxNumwant: 200, mode: 'private', trustProxy: false, minRatio: 0.5, initialCredit: 2 ** 30, epochSeconds: 3600, windowEpochs: 24, adminToken: undefined });
    expect(defaultConfig.peerTtlSeconds).toBeGreaterThan(2 * defaultConfig.interval);
    expect(defaultConfig).toMatchObject({ reportBytesPerSecond: 8 * 2 ** 20, verifyPendingPerAddress: 16_384, verifyPendingPerSender: 4096, failedReportCache: 4096 });
    expect(defaultConfig).toMatchObject({ maxTorrentPeersPerPasskey: 32, maxTorrentPeersPerAddress: 64, maxPeersPerPasskey: 10_000, maxPeersPerAddress: 50_000, maxConnectionsPerAddress: 256 });
    expect(defaultConfig.maxPeers).toBe(peerBudgetForHeap(getHeapStatistics().heap_size_limit));
    expect(defaultConfig).toMatchObject({ registration: 'open', registrationRefusalBurst: 10, registrationRefusalsPerMinute: 6 });
  });

  test('behavior: every registration policy is accepted', () => {
    for (const registration of ['open', 'invite', 'closed'] as const) expect(resolveConfig({ registration }).registration).toBe(registration);
  });

  test('behavior: overrides apply, the TTL follows the interval, undefined keeps defaults', () => {
    const config = resolveConfig({ interval: 60, minInterval: 30, mode: 'open', adminToken: 'secret', maxNumwant: undefined });
    expect(config).toMatchObject({ interval: 60, minInterval: 30, mode: 'open', adminToken: 'secret', maxNumwant: 200 });
    expect(config.peerTtlSeconds).toBeGreaterThan(120);
    expect(config.peerTtlSeconds).toBeLessThan(defaultConfig.peerTtlSeconds);
    expect(resolveConfig({ interval: 60, minInterval: 30, peerTtlSeconds: 500 }).peerTtlSeconds).toBe(500);
    expect(Object.isFrozen(config)).toBe(true);
  });

  test('behavior: an interval below 900 gets a min interval of half of it, unless one is given', () => {
    expect(resolveConfig({ interval: 60 })).toMatchObject({ interval: 60, minInterval: 30 });
    expect(resolveConfig({ interval: 1 })).toMatchObject({ interval: 1, minInterval: 1 });
    expect(resolveConfig({ interval: 60, minInterval: 60 }).minInterval).toBe(60);
    expect(resolveConfig({ minInterval: 120 })).toMatchObject({ interval: 1800, minInterval: 120 });
    expect(() => resolveConfig({ interval: 60, minInterval: 61 })).toThrow('minInterval must not exceed interval');
  });

  test('behavior: the peer TTL has a floor that real clients meet, however short the interval', () => {
    expect(resolveConfig({ interval: 60 }).peerTtlSeconds).toBe(2 * 600 + 120);
    expect(resolveConfig({ interval: 600 }).peerTtlSeconds).toBe(2 * 600 + 120);
    expect(resolveConfig({ interval: 1800 }).peerTtlSeconds).toBe(2 * 1800 + 120);
  });

  test('behavior: with --interval 60, peers re-announcing at the periods real clients keep never drop out of the swarm', () => {
    const config = resolveConfig({ interval: 60 });
    // Seconds between announces, as observed: libtorrent (qBittorrent) waits at least 300 s,
    // rTorrent at least 600 s, aria2 announces every `min interval`; and a client keeping to `interval`.
    const periods = { libtorrent: 300, rtorrent: 600, aria2: config.minInterval, prompt: config.interval };
    const clients = Object.entries(periods).map(([name, period], n) => ({ name, period, peerId: new TextEncoder().encode(name.padEnd(20, '-')), ip: `10.0.0.${n + 1}` }));
    const swarms = new Swarms(config);
    const infohash = new Uint8Array(20).fill(7);
    const watcher = new TextEncoder().encode('watcher'.padEnd(20, '-'));
    const listed = (now: number) => {
      const answer = swarms.announce({ infohash, peerId: watcher, ip: '10.9.9.9', port: 1, left: 1, event: undefined, numwant: 50, now });
      return answer.peers.map((peer) => Buffer.from(peer.peerId).toString().replace(/-+$/, '')).sort();
    };
    // Four hours, second by second, with a sweep every minute as the server runs it. Each client
    // misses one announce after two hours (a network hiccup) and stays listed.
    const hiccup = 2 * 3600;
    for (let now = 0; now <= 4 * 3600; now++) {
      for (const client of clients) {
        if (now % client.period !== 0 || (now >= hiccup && now < hiccup + client.period)) continue;
        const event = now === 0 ? 'started' : undefined;
        swarms.announce({ infohash, peerId: client.peerId, ip: client.ip, port: 6881, left: 0, event, numwant: 0, now });
      }
      if (now % 60 === 0) swarms.sweep(now);
      if (now % 60 === 30) expect(listed(now), `at ${now} s`).toEqual(['aria2', 'libtorrent', 'prompt', 'rtorrent']);
    }
    // Once they stop announcing, they are gone after the TTL.
    expect(listed(4 * 3600 + config.peerTtlSeconds + 1)).toEqual([]);
  });

  test('error: invalid fields are named', () => {
    expect(() => resolveConfig({ interval: 0 })).toThrow('interval must be a positive integer');
    expect(() => resolveConfig({ maxTorrents: 1.5 })).toThrow('maxTorrents must be a positive integer');
    expect(() => resolveConfig({ minInterval: 4000 })).toThrow('minInterval must not exceed interval');
    expect(() => resolveConfig({ defaultNumwant: 500 })).toThrow('defaultNumwant must not exceed maxNumwant');
    expect(() => resolveConfig({ mode: 'public' as 'open' })).toThrow("mode must be 'private' or 'open'");
    expect(() => resolveConfig({ minRatio: -1 })).toThrow('minRatio');
    expect(() => resolveConfig({ adminToken: '' })).toThrow('adminToken must not be empty');
    expect(() => resolveConfig({ reportBytesPerSecond: 0 })).toThrow('reportBytesPerSecond must be a positive integer');
    expect(() => resolveConfig({ verifyPendingPerAddress: -1 })).toThrow('verifyPendingPerAddress must be a positive integer');
    expect(() => resolveConfig({ verifyPendingPerSender: 1.5 })).toThrow('verifyPendingPerSender must be a positive integer');
    expect(() => resolveConfig({ failedReportCache: Number.NaN })).toThrow('failedReportCache must be a positive integer');
    expect(() => resolveConfig({ maxPeers: 0 })).toThrow('maxPeers must be a positive integer');
    expect(() => resolveConfig({ maxTorrentPeersPerPasskey: -1 })).toThrow('maxTorrentPeersPerPasskey must be a positive integer');
    expect(() => resolveConfig({ maxConnectionsPerAddress: 0.5 })).toThrow('maxConnectionsPerAddress must be a positive integer');
    expect(() => resolveConfig({ registration: 'public' as 'open' })).toThrow("registration must be 'open', 'invite' or 'closed'");
    expect(() => resolveConfig({ registrationRefusalBurst: 0 })).toThrow('registrationRefusalBurst must be a positive integer');
    expect(() => resolveConfig({ registrationRefusalsPerMinute: 0.5 })).toThrow('registrationRefusalsPerMinute must be a positive integer');
  });
});
