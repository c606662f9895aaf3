import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, test, vi } from 'vitest';
import { createApp } from './app.ts';
import { resolveConfig } from './config.ts';
import { Swarms } from './swarm.ts';

describe('createApp', () => {
  test('default', async () => {
    const { app, swarms } = createApp({ config: resolveConfig() });
    expect(swarms.stats()).toEqual({ torrents: 0, peers: 0, seeders: 0, leechers: 0 });
    const res = await app.request('/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not_found', reason: 'no such route' });
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

  test('error: an unknown route or method is a 404 in the refusal format', async () => {
    const { app } = createApp({ config: resolveConfig() });
    for (const [method, path] of [['GET', '/nope'], ['POST', '/announce'], ['DELETE', '/scrape'], ['GET', '/announce/a/b']] as const) {
      const res = await app.request(path, { method });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({ error: 'not_found', reason: expect.any(String) });
    }
  });

  test('error: an unhandled error is a 500 in the refusal format, its message and stack only in the log', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const failure = new Error('database /var/lib/pbts/secret.db is locked');
      const { app } = createApp({ config: resolveConfig() });
      app.route('/', new Hono().get('/boom', () => { throw failure; }));
      const res = await app.request('/boom');
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({ error: 'internal_error', reason: expect.any(String) });
      expect(JSON.parse(text).reason.length).toBeGreaterThan(0);
      for (const leak of ['secret.db', 'locked', 'app.test.ts', 'Error']) expect(text).not.toContain(leak);
      expect(errors).toHaveBeenCalledWith(failure);
    } finally {
      errors.mockRestore();
    }
  });
});
