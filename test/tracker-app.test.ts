import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerBody } from '../src/client/tracker-client.ts';
import { VerifyPool, getBackend, keyPairFromSeed } from '../src/receipts/index.ts';
import { type Store, openStore } from '../src/store/index.ts';
import { createApp } from '../src/tracker/app.ts';
import { type TrackerConfig, resolveConfig } from '../src/tracker/config.ts';
import { privateHooks } from '../src/tracker/private-hooks.ts';

const bls = getBackend('blst');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const ADMIN = 'admin-secret-token';

describe('the assembled tracker app', () => {
  let store: Store;
  let pool: VerifyPool;
  let config: TrackerConfig;
  let app: ReturnType<typeof createApp>['app'];
  let passkey: string;
  const request = (path: string, init?: RequestInit) => app.request(path, init, { remoteAddress: '127.0.0.1' });

  beforeAll(async () => {
    store = openStore({ dataDir: ':memory:' });
    pool = new VerifyPool({ size: 1, backend: 'blst' });
    config = { ...resolveConfig({ adminToken: ADMIN, initialCredit: 1000 }) };
    ({ app } = createApp({ config, hooks: privateHooks({ store, config }), pbts: { store, pool, startedAt: Date.now() } }));
    const keys = keyPairFromSeed(bls, 'app-test');
    const response = await request('/register', {
      method: 'POST',
      body: JSON.stringify(registerBody(bls, 'alice', keys)),
    });
    passkey = ((await response.json()) as { passkey: string }).passkey;
    store.createUser({ userId: 'bob', publicKey: keyPairFromSeed(bls, 'app-test', 1).publicKey });
  });
  afterAll(async () => {
    await pool.close();
    store.close();
  });

  test('default: GET /config shows the settings but never the admin token', async () => {
    const text = await (await request('/config')).text();
    expect(JSON.parse(text)).toMatchObject({ mode: 'private', min_ratio: 0.5, admin_routes: true });
    expect(text).not.toContain(ADMIN);
  });

  test('error: POST /config needs the admin token and refuses unknown or invalid settings', async () => {
    const post = (body: unknown, token?: string) =>
      request('/config', {
        method: 'POST',
        headers: token ? { authorization: `Bearer ${token}` } : {},
        body: JSON.stringify(body),
      });
    expect((await post({ min_ratio: 0.1 })).status).toBe(401);
    expect((await post({ min_ratio: 0.1 }, 'wrong')).status).toBe(401);
    expect((await post({ interval: 5 }, ADMIN)).status).toBe(400);
    expect((await post({ min_ratio: -1 }, ADMIN)).status).toBe(400);
    expect((await post({ min_ratio: '1' }, ADMIN)).status).toBe(400);
    expect(config.minRatio).toBe(0.5);
  });

  test('behavior: a new minimum ratio set by the admin gates the next started announce', async () => {
    const announce = async () =>
      (await request(
        `/announce/${passkey}?info_hash=${'%01'.repeat(20)}&peer_id=${'-PB0001-'}${'a'.repeat(12)}&port=6881&uploaded=0&downloaded=0&left=100&event=started`,
      )).text();
    expect(await announce()).toContain('8:intervali');
    // bob reports 1000 bytes uploaded to alice: her ratio is now 1000 / 1000 = 1, above 0.5.
    store.applyReport({
      receipts: [
        {
          id: new Uint8Array(32).fill(9),
          epoch: 1,
          senderPk: keyPairFromSeed(bls, 'app-test', 1).publicKey,
          receiverPk: keyPairFromSeed(bls, 'app-test').publicKey,
          pieceSize: 1000,
        },
      ],
    });
    expect(await announce()).toContain('8:intervali');
    const set = await request('/config', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ min_ratio: 2 }),
    });
    expect(set.status).toBe(200);
    expect(await announce()).toContain('is below this tracker');
  });

  test('behavior: /metrics counts requests by route and status in Prometheus text format', async () => {
    await request('/no-such-route');
    const response = await request('/metrics');
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('# TYPE pbts_http_requests_total counter');
    expect(text).toMatch(/pbts_http_requests_total\{route="register",status="201"\} 1/);
    expect(text).toMatch(/pbts_http_requests_total\{route="other",status="404"\} 1/);
    expect(text).toMatch(/^pbts_users 2$/m);
  });

  test('behavior: /health and /stats answer valid JSON', async () => {
    expect(await (await request('/health')).json()).toMatchObject({ status: 'ok' });
    expect(await (await request('/stats')).json()).toMatchObject({ users: 2, reports: 1 });
  });

  test('error: thousands of random requests never get a 5xx and change nothing', async () => {
    const before = JSON.stringify(store.stats());
    const paths = ['/announce', `/announce/${passkey}`, '/announce/x', '/scrape', '/register', '/report', '/users/alice', '/users/%ff', '/config', '/stats', '/metrics', '/%00', '/report/x'];
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const junk = () => {
      const length = random(300);
      let out = '';
      for (let i = 0; i < length; i++) out += random(3) === 0 ? `%${random(256).toString(16).padStart(2, '0')}` : String.fromCharCode(33 + random(90));
      return out;
    };
    const bodies = () =>
      [
        junk(),
        '{"receipts": [], "aggregate_signature": "00"}',
        '{"receipts": [{"infohash": 1}], "aggregate_signature": 5}',
        '{"user_id": "x", "public_key": "zz", "pop": [], "registration_signature": {}}',
        '[1,2,3]',
        'null',
        '{"min_ratio": 0}',
      ][random(7)]!;
    for (let i = 0; i < 3000; i++) {
      const path = `${paths[random(paths.length)]}?${junk()}`;
      const method = ['GET', 'POST', 'PUT', 'DELETE'][random(4)]!;
      const response = await request(path, method === 'GET' ? { method } : { method, body: bodies() });
      expect(response.status, `${method} ${path}`).toBeLessThan(500);
    }
    expect(JSON.stringify(store.stats())).toBe(before);
    expect(config.minRatio).toBe(2);
  });
});

describe('private announce URLs', () => {
  test('behavior: /<passkey>/announce and /<passkey>/scrape work, so clients can derive the scrape URL', async () => {
    const store = openStore({ dataDir: ':memory:' });
    const config = resolveConfig({});
    const { app } = createApp({ config, hooks: privateHooks({ store, config }) });
    const { passkey } = store.createUser({ userId: 'dave', publicKey: keyPairFromSeed(bls, 'app-test', 5).publicKey });
    const query = `info_hash=${'%02'.repeat(20)}&peer_id=${'b'.repeat(20)}&port=6881&uploaded=0&downloaded=0&left=0`;
    const announced = await (await app.request(`/${passkey}/announce?${query}`, {}, { remoteAddress: '127.0.0.1' })).text();
    expect(announced).toContain('8:completei1e');
    const scraped = await (await app.request(`/${passkey}/scrape?info_hash=${'%02'.repeat(20)}`, {}, { remoteAddress: '127.0.0.1' })).text();
    expect(scraped).toContain('5:files');
    const refused = await (await app.request(`/${'0'.repeat(32)}/announce?${query}`, {}, { remoteAddress: '127.0.0.1' })).text();
    expect(refused).toContain('unknown passkey');
    store.close();
  });

  test('behavior: announce_path is the form every client takes, and the scrape URL each client derives from either form is served', async () => {
    const store = openStore({ dataDir: ':memory:' });
    const pool = new VerifyPool({ size: 1, backend: 'blst' });
    const config = resolveConfig({});
    const { app } = createApp({ config, hooks: privateHooks({ store, config }), pbts: { store, pool, startedAt: Date.now() } });
    const get = async (path: string) => (await app.request(path, {}, { remoteAddress: '127.0.0.1' })).text();
    const registered = await app.request('/register', { method: 'POST', body: JSON.stringify(registerBody(bls, 'frank', keyPairFromSeed(bls, 'app-test', 7))) }, { remoteAddress: '127.0.0.1' });
    const { passkey, announce_path: announcePath } = (await registered.json()) as { passkey: string; announce_path: string };
    // libtorrent 2.0 (qBittorrent) with its default SSRF mitigation announces to a tracker on
    // loopback only through a path that starts with /announce.
    expect(announcePath).toBe(`/announce/${passkey}`);
    expect(announcePath.slice(0, 9)).toBe('/announce');
    const query = `info_hash=${'%04'.repeat(20)}&peer_id=${'c'.repeat(20)}&port=6881&uploaded=0&downloaded=0&left=0`;
    for (const path of [announcePath, `/${passkey}/announce`]) expect(await get(`${path}?${query}`)).toContain('8:completei1e');
    // libtorrent derives its scrape URL by replacing the first "announce"; Transmission and
    // rTorrent (BEP 48) only a final path segment starting with "announce".
    const libtorrentScrape = (path: string) => path.replace('announce', 'scrape');
    const bep48Scrape = (path: string) => (/\/announce[^/]*$/.test(path) ? path.replace(/\/announce([^/]*)$/, '/scrape$1') : undefined);
    expect(bep48Scrape(announcePath)).toBeUndefined();
    for (const path of [libtorrentScrape(announcePath), libtorrentScrape(`/${passkey}/announce`), bep48Scrape(`/${passkey}/announce`)!]) {
      expect(await get(`${path}?info_hash=${'%04'.repeat(20)}`), path).toContain('d8:completei1e10:downloadedi0e10:incompletei0ee');
    }
    await pool.close();
    store.close();
  });

  test('behavior: /stats and pbts_torrents count torrents with a live peer, not those whose peers all stopped', async () => {
    const store = openStore({ dataDir: ':memory:' });
    const pool = new VerifyPool({ size: 1, backend: 'blst' });
    const config = resolveConfig({ mode: 'open' });
    const { app } = createApp({ config, pbts: { store, pool, startedAt: Date.now() } });
    const get = (path: string) => app.request(path, {}, { remoteAddress: '127.0.0.1' });
    const announce = (byte: string, event: string) =>
      get(`/announce?info_hash=${byte.repeat(20)}&peer_id=${'d'.repeat(20)}&port=6881&uploaded=0&downloaded=0&left=5&event=${event}`);
    await announce('%05', 'started');
    await announce('%06', 'started');
    await announce('%05', 'stopped');
    expect(await (await get('/stats')).json()).toMatchObject({ torrents: 1, peers: 1 });
    expect(await (await get('/metrics')).text()).toMatch(/^pbts_torrents 1$/m);
    await announce('%06', 'stopped');
    expect(await (await get('/stats')).json()).toMatchObject({ torrents: 0, peers: 0 });
    expect(await (await get('/metrics')).text()).toMatch(/^pbts_torrents 0$/m);
    await pool.close();
    store.close();
  });

  test('error: a private tracker answers scrapes only to registered passkeys', async () => {
    const store = openStore({ dataDir: ':memory:' });
    const config = resolveConfig({});
    const { app, swarms } = createApp({ config, hooks: privateHooks({ store, config }) });
    const infohash = new Uint8Array(20).fill(3);
    swarms.announce({ infohash, peerId: new Uint8Array(20), ip: '10.0.0.1', port: 6881, left: 0, event: 'started', numwant: 0, now: Date.now() / 1000 });
    const scrape = async (path: string) => (await app.request(`${path}?info_hash=${'%03'.repeat(20)}`)).text();
    expect(await scrape('/scrape')).toMatch(/^d14:failure reason\d+:this is a private tracker: scrape with \/scrape\/<passkey> \(your \/announce\/<passkey> URL/);
    for (const path of [`/scrape/${'0'.repeat(32)}`, `/${'0'.repeat(32)}/scrape`]) {
      expect(await scrape(path)).toMatch(/^d14:failure reason\d+:unknown passkey/);
    }
    const { passkey } = store.createUser({ userId: 'erin', publicKey: keyPairFromSeed(bls, 'app-test', 6).publicKey });
    for (const path of [`/scrape/${passkey}`, `/${passkey}/scrape`]) {
      expect(await scrape(path)).toContain('d8:completei1e10:downloadedi0e10:incompletei0ee');
    }
    store.close();
  });
});
