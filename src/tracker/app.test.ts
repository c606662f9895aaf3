import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, test } from 'vitest';
import { createApp } from './app.ts';
import { resolveConfig } from './config.ts';
import { Swarms } from './swarm.ts';

describe('createApp', () => {
  test('default', async () => {
    const { app, swarms } = createApp({ config: resolveConfig() });
    expect(swarms.stats()).toEqual({ torrents: 0, peers: 0, seeders: 0, leechers: 0 });
    const res = await app.request('/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not found' });
  });

  test('behavior: a given Swarms is used; more routes join with app.route and share the error handler', async () => {
    const swarms = new Swarms({ peerTtlSeconds: 10, maxTorrents: 1, maxPeersPerTorrent: 1 });
    const { app, swarms: used } = createApp({ config: resolveConfig(), swarms });
    expect(used).toBe(swarms);
    app.route('/', new Hono().get('/teapot', () => { throw new HTTPException(418, { message: 'short and stout' }); }));
    const res = await app.request('/teapot');
    expect(res.status).toBe(418);
    expect(await res.text()).toBe('short and stout');
  });
});
