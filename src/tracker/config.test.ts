import { describe, expect, test } from 'vitest';
import { getHeapStatistics } from 'node:v8';
import { defaultConfig, resolveConfig } from './config.ts';
import { peerBudgetForHeap } from './swarm.ts';

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
