import bencode from 'bencode';
import { describe, expect, test, vi } from 'vitest';
import { createApp } from './app.ts';
import { resolveConfig, type TrackerConfig } from './config.ts';
import { type AnnounceContext, type TrackerHooks, openHooks } from './hooks.ts';
import { parseAnnounceQuery, parseScrapeQuery } from './query.ts';

type Dict = Record<string, unknown>;

const escaped = (bytes: Uint8Array) => Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const infohash = Uint8Array.from({ length: 20 }, (_, i) => 0xf0 ^ i);
const peerId = (n: number) => `-TS0001-${String(n).padStart(12, '0')}`;
const text = (value: unknown) => new TextDecoder().decode(value as Uint8Array);

function announceUrl(n: number, extra = '', path = '/announce'): string {
  return `${path}?info_hash=${escaped(infohash)}&peer_id=${peerId(n)}&port=${6000 + n}&uploaded=0&downloaded=0&left=1000${extra}`;
}

function setup(options: { config?: Partial<TrackerConfig>; hooks?: TrackerHooks; now?: () => number } = {}) {
  const config = resolveConfig({ mode: 'open', ...options.config });
  const { app, swarms } = createApp({ config, hooks: options.hooks, clock: options.now });
  const get = async (path: string, address: string | null = '10.0.0.1', headers: Record<string, string> = {}) => {
    const res = await app.request(path, { headers }, address === null ? undefined : { remoteAddress: address });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain');
    return bencode.decode(new Uint8Array(await res.arrayBuffer())) as Dict;
  };
  return { app, swarms, get };
}

describe('GET /announce', () => {
  test('default', async () => {
    const { get } = setup();
    const first = await get(announceUrl(1, '&event=started'), '10.0.0.1');
    expect(first).toEqual({ complete: 0, incomplete: 1, interval: 1800, 'min interval': 900, peers: new Uint8Array() });
    const second = await get(announceUrl(2, '&event=started'), '10.0.0.2');
    expect(second).toEqual({ complete: 0, incomplete: 2, interval: 1800, 'min interval': 900, peers: new Uint8Array([10, 0, 0, 1, 0x17, 0x71]) });
  });

  test('behavior: dictionary model with compact=0, peer id left out with no_peer_id=1', async () => {
    const { get } = setup();
    await get(announceUrl(1), '10.0.0.1');
    await get(announceUrl(3), '2001:db8::3');
    const dict = await get(announceUrl(2, '&compact=0'), '10.0.0.2');
    const peers = (dict.peers as Dict[]).map((p) => ({ ip: text(p.ip), port: p.port, id: text(p['peer id']) }));
    expect(peers).toEqual([
      { ip: '10.0.0.1', port: 6001, id: peerId(1) },
      { ip: '2001:db8::3', port: 6003, id: peerId(3) },
    ]);
    expect(dict.peers6).toBeUndefined();
    const anonymous = await get(announceUrl(2, '&compact=0&no_peer_id=1'), '10.0.0.2');
    expect((anonymous.peers as Dict[]).map((p) => Object.keys(p).sort())).toEqual([['ip', 'port'], ['ip', 'port']]);
  });

  test('behavior: IPv6 peers in peers6 (BEP 7), IPv4-mapped addresses count as IPv4', async () => {
    const { get } = setup();
    await get(announceUrl(1), '::ffff:192.0.2.1');
    await get(announceUrl(2), '2001:db8::2');
    const fromV4 = await get(announceUrl(3), '192.0.2.3');
    expect(fromV4.peers).toEqual(new Uint8Array([192, 0, 2, 1, 0x17, 0x71]));
    expect(fromV4.peers6).toEqual(new Uint8Array([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 2, 0x17, 0x72]));
  });

  test('behavior: numwant defaults to 50 and is capped at maxNumwant', async () => {
    const { get, swarms } = setup();
    for (let n = 0; n < 300; n++) {
      swarms.announce({ infohash, peerId: new TextEncoder().encode(peerId(n)), ip: `10.1.${n >> 8}.${n & 0xff}`, port: 7000, left: 5, event: undefined, numwant: 0, now: Date.now() / 1000 });
    }
    expect((await get(announceUrl(1000))).peers).toHaveLength(50 * 6);
    expect((await get(announceUrl(1000, '&numwant=1000'))).peers).toHaveLength(200 * 6);
    expect((await get(announceUrl(1000, '&numwant=3'))).peers).toHaveLength(3 * 6);
    const small = setup({ config: { defaultNumwant: 5, maxNumwant: 10 } });
    expect(await small.get(announceUrl(1))).toMatchObject({ peers: new Uint8Array() });
  });

  test('behavior: completed counts once, stopped removes the peer, counts cover the swarm', async () => {
    const { get } = setup();
    await get(announceUrl(1, '&event=started'), '10.0.0.1');
    await get(announceUrl(2, '&event=started'), '10.0.0.2');
    const done = await get(announceUrl(1, '&event=completed').replace('left=1000', 'left=0'), '10.0.0.1');
    expect(done).toMatchObject({ complete: 1, incomplete: 1 });
    await get(announceUrl(1, '&event=completed').replace('left=1000', 'left=0'), '10.0.0.1');
    const scrape = await get(`/scrape?info_hash=${escaped(infohash)}`);
    expect(Object.values(scrape.files as Dict)).toEqual([{ complete: 1, incomplete: 1, downloaded: 1 }]);
    const stopped = await get(announceUrl(1, '&event=stopped').replace('left=1000', 'left=0'), '10.0.0.1');
    expect(stopped).toMatchObject({ complete: 0, incomplete: 1, peers: new Uint8Array() });
    expect(await get(announceUrl(2), '10.0.0.2')).toMatchObject({ complete: 0, incomplete: 1, peers: new Uint8Array() });
  });

  test('behavior: stale peers are not handed out (injected clock)', async () => {
    let now = 1_000_000;
    const { get } = setup({ now: () => now });
    await get(announceUrl(1), '10.0.0.1');
    now += 3000;
    await get(announceUrl(2), '10.0.0.2');
    expect((await get(announceUrl(3), '10.0.0.3')).peers).toHaveLength(12);
    now += 1000;
    expect(await get(announceUrl(3), '10.0.0.3')).toMatchObject({ incomplete: 2, peers: new Uint8Array([10, 0, 0, 2, 0x17, 0x72]) });
  });

  test('behavior: hooks see the passkey and the announce, and can refuse it', async () => {
    const seen: AnnounceContext[] = [];
    const hooks: TrackerHooks = {
      ...openHooks,
      beforeAnnounce: (ctx) => {
        seen.push(ctx);
        return ctx.passkey === 'good' ? undefined : 'unknown passkey: register to get your announce URL';
      },
    };
    const { get, swarms } = setup({ config: { mode: 'private' }, hooks });
    expect(await get(announceUrl(1, '&event=started').replace('uploaded=0', 'uploaded=5'), '::ffff:10.9.9.9')).toEqual({ 'failure reason': new TextEncoder().encode('unknown passkey: register to get your announce URL') });
    expect(await get(announceUrl(1, '', '/announce/bad'))).toHaveProperty('failure reason');
    expect(await get(announceUrl(1, '', '/announce/good'))).toHaveProperty('peers');
    expect(seen.map((ctx) => ctx.passkey)).toEqual([undefined, 'bad', 'good']);
    expect(seen[0]).toMatchObject({ event: 'started', uploaded: 5, downloaded: 0, left: 1000, ip: '10.9.9.9' });
    expect(new Uint8Array(seen[0]!.infohash)).toEqual(infohash);
    expect(text(seen[0]!.peerId)).toBe(peerId(1));
    expect(swarms.stats().peers).toBe(1);
  });

  test('behavior: asynchronous hooks', async () => {
    const hooks: TrackerHooks = { ...openHooks, beforeAnnounce: async (ctx) => (ctx.left > 0 ? undefined : 'seeding refused') };
    const { get } = setup({ hooks });
    expect(await get(announceUrl(1))).toHaveProperty('peers');
    expect(await get(announceUrl(1).replace('left=1000', 'left=0'))).toEqual({ 'failure reason': new TextEncoder().encode('seeding refused') });
  });

  test('behavior: private mode without hooks refuses every announce', async () => {
    const { get } = setup({ config: { mode: 'private' } });
    expect(text((await get(announceUrl(1, '', '/announce/abc')))['failure reason'])).toMatch(/^private tracker/);
  });

  test('behavior: proxy headers only count when the socket peer is a trusted proxy', async () => {
    const headers = { 'x-forwarded-for': '203.0.113.9, 10.0.0.7', 'x-real-ip': '198.51.100.1' };
    const address = async (config: Partial<TrackerConfig>, socket: string, h: Record<string, string>) => {
      let ip: string | undefined;
      const { get } = setup({ config, hooks: { ...openHooks, beforeAnnounce: (ctx) => void (ip = ctx.ip) } });
      await get(announceUrl(1), socket, h);
      return ip;
    };
    expect(await address({}, '10.0.0.1', headers)).toBe('10.0.0.1');
    expect(await address({ trustProxy: ['10.0.0.1'] }, '10.0.0.2', headers)).toBe('10.0.0.2');
    expect(await address({ trustProxy: ['10.0.0.1'] }, '::ffff:10.0.0.1', headers)).toBe('10.0.0.7');
    expect(await address({ trustProxy: ['10.0.0.1', '10.0.0.7'] }, '10.0.0.1', headers)).toBe('203.0.113.9');
    expect(await address({ trustProxy: true }, '10.0.0.1', headers)).toBe('203.0.113.9');
    expect(await address({ trustProxy: true }, '10.0.0.1', { 'x-real-ip': '::ffff:198.51.100.1' })).toBe('198.51.100.1');
    expect(await address({ trustProxy: true }, '10.0.0.1', { 'x-forwarded-for': 'garbage, 10.0.0.7' })).toBe('10.0.0.7');
    expect(await address({ trustProxy: true }, '10.0.0.1', { 'x-forwarded-for': '10.0.0.7, garbage' })).toBe('10.0.0.1');
  });

  test('error: invalid queries get a failure reason with HTTP 200', async () => {
    const { get } = setup();
    const reason = async (path: string) => text((await get(path))['failure reason']);
    expect(await reason(announceUrl(1).replace(escaped(infohash), escaped(infohash.subarray(1))))).toBe('invalid info_hash: expected 20 bytes, got 19');
    expect(await reason(announceUrl(1).replace('port=6001', 'port=70000'))).toBe('invalid port: expected an integer from 1 to 65535');
    expect(await reason(announceUrl(1).replace(escaped(infohash), '%zz'))).toBe('invalid info_hash: malformed percent-encoding');
    expect(await reason('/announce')).toBe('missing info_hash');
  });

  test('error: no client address', async () => {
    const { get } = setup();
    expect(text((await get(announceUrl(1), null))['failure reason'])).toBe('could not determine your IP address');
  });

  test('error: a throwing hook is a 500 without details', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const { app } = setup({ hooks: { ...openHooks, beforeAnnounce: () => { throw new Error('database is locked'); } } });
      const res = await app.request(announceUrl(1), {}, { remoteAddress: '10.0.0.1' });
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: 'internal_error', reason: expect.any(String) });
      expect(errors).toHaveBeenCalledTimes(1);
    } finally {
      errors.mockRestore();
    }
  });
});

// Deterministic PRNG so a failing case can be replayed.
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function junk(random: () => number): string {
  const names = ['info_hash', 'peer_id', 'port', 'uploaded', 'downloaded', 'left', 'numwant', 'compact', 'no_peer_id', 'event', 'key', 'ip', ''];
  const pieces = ['%', '%4', '%zz', '%ff', '&', '=', '+', '-1', '0', '65535', '99999999999999999999', 'started', 'stopped', 'completed', escaped(infohash), peerId(1)];
  const parts: string[] = [];
  const count = Math.floor(random() * 12);
  for (let i = 0; i < count; i++) {
    const name = names[Math.floor(random() * names.length)]!;
    let value = '';
    const len = Math.floor(random() * 6);
    for (let j = 0; j < len; j++) {
      value += random() < 0.5 ? pieces[Math.floor(random() * pieces.length)]! : String.fromCharCode(Math.floor(random() * (random() < 0.9 ? 256 : 0x10000)));
    }
    parts.push(random() < 0.9 ? `${name}=${value}` : value);
  }
  return parts.join('&');
}

describe('fuzz', () => {
  test('error: thousands of random and binary query strings never throw nor give a 5xx', async () => {
    const random = mulberry32(0x5eed);
    const { app } = setup();
    for (let i = 0; i < 3000; i++) {
      const query = junk(random);
      expect(() => parseAnnounceQuery(query)).not.toThrow();
      expect(() => parseScrapeQuery(query)).not.toThrow();
      const path = `${i % 3 === 0 ? '/scrape' : '/announce'}?${query}`;
      const res = await app.request(path, {}, { remoteAddress: i % 2 ? '10.0.0.1' : '2001:db8::1' });
      expect(res.status, path).toBe(200);
      const body = bencode.decode(new Uint8Array(await res.arrayBuffer())) as Dict;
      expect('failure reason' in body || 'peers' in body || 'files' in body, path).toBe(true);
    }
    expect(() => parseAnnounceQuery('x'.repeat(1 << 20))).not.toThrow();
  });
});
