import bencode from 'bencode';
import { describe, expect, test } from 'vitest';
import { createApp } from './app.ts';
import { resolveConfig } from './config.ts';
import { openHooks } from './hooks.ts';

const escaped = (bytes: Uint8Array) => Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
// Bytes >= 0x80 keep the raw keys invalid UTF-8, so the bencode package reports them in hex.
const hashes = [1, 2, 3].map((n) => Uint8Array.from({ length: 20 }, (_, i) => 0x80 | ((n * 31 + i) & 0x7f)));

async function scrape(app: ReturnType<typeof createApp>['app'], path: string) {
  const res = await app.request(path);
  expect(res.status).toBe(200);
  return bencode.decode(new Uint8Array(await res.arrayBuffer())) as Record<string, unknown>;
}

describe('GET /scrape', () => {
  test('default', async () => {
    const { app, swarms } = createApp({ config: resolveConfig({ mode: 'open' }) });
    const now = Date.now() / 1000;
    const announce = (infohash: Uint8Array, n: number, left: number, event?: 'completed') =>
      swarms.announce({ infohash, peerId: new Uint8Array(20).fill(n), ip: `10.0.0.${n}`, port: 6881, left, event, numwant: 0, now });
    announce(hashes[0]!, 1, 10);
    announce(hashes[0]!, 1, 0, 'completed');
    announce(hashes[0]!, 2, 10);
    announce(hashes[0]!, 3, 10);
    announce(hashes[1]!, 1, 0);
    const body = await scrape(app, `/scrape?${hashes.map((h) => `info_hash=${escaped(h)}`).join('&')}`);
    expect(body).toEqual({
      files: {
        [hex(hashes[0]!)]: { complete: 1, incomplete: 2, downloaded: 1 },
        [hex(hashes[1]!)]: { complete: 1, incomplete: 0, downloaded: 0 },
        [hex(hashes[2]!)]: { complete: 0, incomplete: 0, downloaded: 0 },
      },
    });
  });

  test('behavior: the passkey path works and raw bytes key the files dict', async () => {
    const { app } = createApp({ config: resolveConfig({ mode: 'open' }) });
    const res = await app.request(`/scrape/abc?info_hash=${escaped(hashes[0]!)}&info_hash=${escaped(hashes[0]!)}`);
    const raw = Buffer.from(await res.arrayBuffer());
    expect(raw.toString('latin1')).toBe(`d5:filesd20:${Buffer.from(hashes[0]!).toString('latin1')}d8:completei0e10:downloadedi0e10:incompletei0eeee`);
  });

  test('behavior: asynchronous hooks are awaited before the swarm is read', async () => {
    const hooks = { ...openHooks, beforeScrape: async (passkey: string | undefined) => (passkey === 'good' ? undefined : 'who are you') };
    const { app } = createApp({ config: resolveConfig({ mode: 'open' }), hooks });
    const reason = async (path: string) => (await scrape(app, path))['failure reason'];
    expect(new TextDecoder().decode((await reason(`/scrape/bad?info_hash=${escaped(hashes[0]!)}`)) as Uint8Array)).toBe('who are you');
    expect(await reason(`/scrape/good?info_hash=${escaped(hashes[0]!)}`)).toBeUndefined();
  });

  test('error: missing or invalid info_hash', async () => {
    const { app } = createApp({ config: resolveConfig({ mode: 'open' }) });
    const reason = async (path: string) => new TextDecoder().decode((await scrape(app, path))['failure reason'] as Uint8Array);
    expect(await reason('/scrape')).toBe('missing info_hash: scrape needs at least one (full scrape is not offered)');
    expect(await reason(`/scrape?info_hash=${escaped(hashes[0]!)}&info_hash=%01`)).toBe('invalid info_hash: expected 20 bytes, got 1');
  });
});
