import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openStore, type Store } from '../store/index.ts';
import { usersRoutes } from './users.ts';

const key = (n: number) => new Uint8Array(48).fill(n);

describe('GET /users/:id', () => {
  let store: Store;
  let app: Hono;
  beforeEach(() => {
    store = openStore({ dataDir: ':memory:' });
    store.createUser({ userId: 'alice', publicKey: key(1), uploaded: 100 });
    store.createUser({ userId: 'bob', publicKey: key(2) });
    app = new Hono().route('/', usersRoutes({ store }));
  });
  afterEach(() => store.close());

  test('default', async () => {
    const res = await app.request('/users/alice');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(store.userById('alice')!.passkey);
    expect(JSON.parse(text)).toEqual({
      user_id: 'alice',
      public_key: '01'.repeat(48),
      uploaded: 100,
      downloaded: 0,
      ratio: null,
    });
  });

  test('behavior: ratio after a download', async () => {
    const receipt = { id: new Uint8Array(32), epoch: 1, senderPk: key(2), receiverPk: key(1), pieceSize: 16 * 1024 };
    store.applyReport({ receipts: [receipt] });
    const json = (await (await app.request('/users/alice')).json()) as { ratio: number };
    expect(json.ratio).toBe(100 / (16 * 1024));
  });

  test('error: unknown user', async () => {
    const res = await app.request('/users/nobody');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not_found', reason: 'no such user' });
  });
});
