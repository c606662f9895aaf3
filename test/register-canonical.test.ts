// POST /register accepts a key only in its canonical compressed encoding, on both BLS backends:
// a second spelling of a registered key (x + p) cannot open a second account.
import { bls12_381 } from '@noble/curves/bls12-381';
import { Hono } from 'hono';
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import { BACKEND_NAMES, FIELD_MODULUS, POP_DST, SIG_DST, VerifyPool, getBackend, keyPairFromSeed, registrationMessage } from '../src/receipts/index.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { resolveConfig } from '../src/tracker/config.ts';
import { registerRoutes } from '../src/tracker/register.ts';

const long = bls12_381.longSignatures;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const FIELD_BITS = (1n << 381n) - 1n;

/** A key whose x leaves room for x + p beside the flag bits, and that second spelling. */
const { key, keyPlusP } = (() => {
  for (let i = 0; i < 64; i++) {
    const pair = keyPairFromSeed(getBackend('blst'), 'register-canonical', i);
    const value = BigInt(`0x${hex(pair.publicKey)}`);
    const x = value & FIELD_BITS;
    if (x + FIELD_MODULUS > FIELD_BITS) continue;
    const flags = value & ~FIELD_BITS;
    const plusP = Uint8Array.from(Buffer.from((flags | (x + FIELD_MODULUS)).toString(16).padStart(96, '0'), 'hex'));
    return { key: pair, keyPlusP: plusP };
  }
  throw new Error('no key with a small x among 64 seeds');
})();
/** A proof of possession signed over exactly these key bytes, as an attacker holding the key would make. */
const popOver = (publicKey: Uint8Array) => long.sign(long.hash(publicKey, POP_DST), key.secretKey).toBytes(true);
/** A registration of `userId` with exactly these key bytes, both signatures made over them. */
const body = (userId: string, publicKey: Uint8Array) => ({
  user_id: userId,
  public_key: hex(publicKey),
  pop: hex(popOver(publicKey)),
  registration_signature: hex(long.sign(long.hash(registrationMessage(userId, publicKey), SIG_DST), key.secretKey).toBytes(true)),
});

describe.each(BACKEND_NAMES)('POST /register on %s', (backendName) => {
  let store: Store;
  let app: Hono;
  const pool = new VerifyPool({ size: 1, backend: backendName });
  afterAll(() => pool.close());
  beforeEach(() => {
    store = openStore({ dataDir: ':memory:' });
    app = new Hono().route('/', registerRoutes({ store, config: resolveConfig({}), pool }));
  });
  afterEach(() => store.close());

  const post = (body: unknown) =>
    app.request('/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  test('error: a key spelled x + p is refused bad_public_key, alone or beside its canonical account', async () => {
    const before = store.stats();
    const alone = await post(body('mallory', keyPlusP));
    expect(alone.status).toBe(400);
    expect(await alone.json()).toMatchObject({ error: 'bad_public_key', reason: expect.stringMatching(/field modulus/) });
    expect(store.stats()).toEqual(before);

    const first = await post(body('alice', key.publicKey));
    expect(first.status).toBe(201);
    const second = await post(body('alice2', keyPlusP));
    expect(second.status).toBe(400);
    expect(((await second.json()) as { error: string }).error).toBe('bad_public_key');
    expect(store.userById('alice2')).toBeUndefined();
  });

  test('error: a key with wrong flag bits or at infinity is refused bad_public_key', async () => {
    const cases = {
      'compression flag clear': Uint8Array.from([key.publicKey[0]! & 0x7f, ...key.publicKey.subarray(1)]),
      'infinity flag set': Uint8Array.from([key.publicKey[0]! | 0x40, ...key.publicKey.subarray(1)]),
      infinity: Uint8Array.from([0xc0, ...new Uint8Array(47)]),
    };
    for (const [what, bad] of Object.entries(cases)) {
      const res = await post(body('mallory', bad));
      expect({ what, status: res.status, error: ((await res.json()) as { error: string }).error }).toEqual({
        what,
        status: 400,
        error: 'bad_public_key',
      });
    }
  });
});
