import { describe, expect, test } from 'vitest';
import { configRoutes, publicConfig } from './admin.ts';
import { resolveConfig } from './config.ts';

const ADMIN = 'admin-test-token';

describe('POST /config', () => {
  const setup = () => {
    const config = { ...resolveConfig({ adminToken: ADMIN, initialCredit: 1000 }) }; // resolveConfig freezes
    const app = configRoutes(config);
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
