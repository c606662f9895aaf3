import { afterEach, describe, expect, test } from 'vitest';
import type { VerifyPool } from '../receipts/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { configRoutes, publicConfig } from './admin.ts';
import { createApp } from './app.ts';
import { resolveConfig } from './config.ts';
import { reportLimits } from './report.ts';

const ADMIN = 'admin-test-token';

describe('POST /config', () => {
  const setup = () => {
    const config = { ...resolveConfig({ adminToken: ADMIN, initialCredit: 1000 }) }; // resolveConfig freezes
    const app = configRoutes(config, reportLimits(config, 1));
    const post = (body: string) =>
      app.request('/config', { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` }, body });
    return { config, post };
  };

  test('default: a known setting is applied', async () => {
    const { config, post } = setup();
    const res = await post(JSON.stringify({ min_ratio: 0.25 }));
    expect(res.status).toBe(200);
    expect(config.minRatio).toBe(0.25);
  });

  test('error: keys inherited from Object.prototype are unknown settings: 400 bad_setting, nothing changed', async () => {
    const { config, post } = setup();
    const before = structuredClone(publicConfig(config));
    // Raw JSON so that "__proto__" arrives as an own key, as it would over HTTP.
    const bodies = [
      '{"constructor": 1}',
      '{"__proto__": 1}',
      '{"toString": 1}',
      '{"hasOwnProperty": 1}',
      '{"valueOf": 2}',
      '{"min_ratio": 0.1, "constructor": 1}',
      '{"constructor": 1, "min_ratio": 0.1}',
    ];
    for (const body of bodies) {
      const res = await post(body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(await res.json()).toEqual({ error: 'bad_setting', reason: expect.stringMatching(/cannot be changed at run time/) });
    }
    expect(publicConfig(config)).toEqual(before);
    expect(Object.keys(config)).not.toContain('function Object() { [native code] }');
  });
});

describe('GET /config', () => {
  const MiB = 1024 ** 2;
  const limits = {
    maxTorrents: 500,
    maxPeersPerTorrent: 400,
    maxTorrentPeersPerPasskey: 3,
    maxTorrentPeersPerAddress: 5,
    maxPeersPerPasskey: 70,
    maxPeersPerAddress: 90,
    maxPeers: 1234,
    reportBytesPerSecond: 1000,
    verifyPendingPerAddress: 100_000,
    verifyPendingPerSender: 50,
    failedReportCache: 7,
  };
  const stores: Store[] = [];
  afterEach(() => stores.splice(0).forEach((store) => store.close()));

  /** The app as the server builds it, on a pool of three verify workers that verifies nothing here. */
  const setup = () => {
    const store = openStore({ dataDir: ':memory:' });
    stores.push(store);
    const pool = { backend: 'blst', size: 3 } as VerifyPool;
    const { app } = createApp({ config: resolveConfig({ adminToken: ADMIN, ...limits }), pbts: { store, pool, startedAt: 0 } });
    const getConfig = async () => (await (await app.request('/config')).json()) as Record<string, unknown>;
    const post = (body: unknown) =>
      app.request('/config', { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` }, body: JSON.stringify(body) });
    return { getConfig, post };
  };

  test('default: the swarm limits and the report limits in effect are shown beside the settings', async () => {
    const shown = await setup().getConfig();
    expect(shown).toMatchObject({
      mode: 'private',
      max_torrents: 500,
      max_peers_per_torrent: 400,
      max_torrent_peers_per_passkey: 3,
      max_torrent_peers_per_address: 5,
      max_peers_per_passkey: 70,
      max_peers_per_address: 90,
      max_peers: 1234,
      report_bytes_per_second: 1000,
      // The burst is never below two full reports, and the total never below one client's bound.
      report_burst_bytes: 2 * MiB,
      verify_pending_per_address: 100_000,
      verify_pending_per_sender: 50,
      verify_pending_total: 100_000,
      verify_concurrency: 6,
      failed_report_cache: 7,
      max_report_bytes: MiB,
      max_receipts_per_report: 1024,
    });
    expect(JSON.stringify(shown)).not.toContain(ADMIN);
  });

  test('behavior: a settable setting changes through POST /config, and its answer is the same view', async () => {
    const { getConfig, post } = setup();
    const res = await post({ min_ratio: 0.25 });
    expect(res.status).toBe(200);
    const answer = await res.json();
    expect(answer).toEqual(await getConfig());
    expect(answer).toMatchObject({ min_ratio: 0.25, max_peers: 1234, verify_concurrency: 6 });
  });

  test('error: the limits are read-only: POST /config refuses each with 400 bad_setting and nothing changes', async () => {
    const { getConfig, post } = setup();
    const before = await getConfig();
    const readOnly = Object.keys(before).filter((key) => /^(max_|report_|verify_|failed_report)/.test(key));
    expect(readOnly).toHaveLength(17);
    for (const key of readOnly) {
      const res = await post({ [key]: 1 });
      expect({ key, status: res.status }).toEqual({ key, status: 400 });
      expect(await res.json()).toEqual({ error: 'bad_setting', reason: expect.stringContaining(`${key} cannot be changed at run time`) });
    }
    expect(await getConfig()).toEqual(before);
  });
});
