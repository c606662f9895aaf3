import { Hono } from 'hono';
import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { registerBody } from '../client/tracker-client.ts';
import { RECEIPT_TAG, VerifyPool, getBackend, keyPairFromSeed, signRegistration } from '../receipts/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { resolveConfig } from './config.ts';
import { MAX_REGISTER_BYTES, registerRoutes } from './register.ts';
import { RegistrationLimit } from './registration-limit.ts';
import { usersRoutes } from './users.ts';

const backend = getBackend('blst');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const config = resolveConfig({ initialCredit: 5000 });

const keysOf = (index: number) => keyPairFromSeed(backend, 'register-test', index);
/** The registration of `userId` with key `index`, as the project's client sends it. */
const credentials = (userId: string, index: number) => registerBody(backend, userId, keysOf(index));

describe('POST /register', () => {
  let store: Store;
  let app: Hono;
  const alice = credentials('alice', 1);
  const pool = new VerifyPool({ size: 1, backend: 'blst' });
  afterAll(() => pool.close());

  beforeEach(() => {
    store = openStore({ dataDir: ':memory:' });
    const deps = { store, config, pool, now: () => 1_700_000_000_000 };
    app = new Hono().route('/', registerRoutes(deps)).route('/', usersRoutes(deps));
  });
  afterEach(() => store.close());

  const post = (body: unknown) =>
    app.request('/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  /** Sends `body`, expects a refusal with `status` and `error`, and no change to the store. */
  async function expectRefused(body: unknown, status: number, error: string) {
    const before = store.stats();
    const res = await post(body);
    const json = (await res.json()) as { error: string; reason: string };
    expect({ status: res.status, error: json.error }).toEqual({ status, error });
    expect(json.reason).toEqual(expect.any(String));
    expect(store.stats()).toEqual(before);
  }

  test('default', async () => {
    const res = await post(alice);
    expect(res.status).toBe(201);
    const json = (await res.json()) as Record<string, unknown>;
    expect(json).toEqual({
      user_id: 'alice',
      passkey: expect.stringMatching(/^[0-9a-f]{32}$/),
      announce_path: `/announce/${json.passkey}`,
      uploaded: 5000,
      downloaded: 0,
    });
    const stored = store.userByPasskey(json.passkey as string)!;
    expect(stored).toMatchObject({ userId: 'alice', uploaded: 5000, createdAt: 1_700_000_000_000 });
    expect(hex(stored.publicKey)).toBe(alice.public_key);
  });

  test('behavior: the public view of the user carries no passkey', async () => {
    const registered = (await (await post(alice)).json()) as { passkey: string };
    const res = await app.request('/users/alice');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(registered.passkey);
    expect(JSON.parse(text)).toEqual({
      user_id: 'alice',
      public_key: alice.public_key,
      uploaded: 5000,
      downloaded: 0,
      ratio: null,
    });
  });

  test('behavior: user ids of 1 and 64 allowed characters', async () => {
    expect((await post(credentials('a', 2))).status).toBe(201);
    expect((await post(credentials(`A.b_c-9${'x'.repeat(57)}`, 3))).status).toBe(201);
  });

  test('error: not JSON, not an object, truncated, too large', async () => {
    await expectRefused('not json', 400, 'bad_json');
    await expectRefused(JSON.stringify(alice).slice(0, 40), 400, 'bad_json');
    await expectRefused([], 400, 'bad_request');
    await expectRefused('null', 400, 'bad_request');
    await expectRefused({ ...alice, padding: 'x'.repeat(MAX_REGISTER_BYTES) }, 413, 'body_too_large');
  });

  test('error: bad user_id', async () => {
    for (const user_id of [undefined, '', 'x'.repeat(65), 'has space', 'slash/', 'é', 42, null, ['alice']]) {
      await expectRefused({ ...alice, user_id }, 400, 'bad_user_id');
    }
  });

  test('error: bad public_key', async () => {
    const cases: unknown[] = [
      undefined,
      123,
      alice.public_key.slice(2),
      `${alice.public_key}00`,
      `zz${alice.public_key.slice(2)}`,
      // Compressed point at infinity: refused so it cannot cancel other keys in an aggregate.
      `c0${'00'.repeat(47)}`,
      // Compressed flag with an x that is not on the curve.
      `8${'0'.repeat(94)}5`,
    ];
    for (const public_key of cases) {
      await expectRefused({ ...alice, public_key }, 400, 'bad_public_key');
    }
  });

  test('error: bad pop', async () => {
    const keys = keysOf(1);
    const cases: unknown[] = [
      undefined,
      alice.pop.slice(4),
      `xy${alice.pop.slice(2)}`,
      credentials('alice', 2).pop,
      // A plain signature of the key under the signing DST is not a proof of possession.
      hex(backend.sign(keys.secretKey, keys.publicKey)),
    ];
    for (const pop of cases) {
      await expectRefused({ ...alice, pop }, 400, 'bad_pop');
    }
  });

  test('error: bad registration_signature', async () => {
    const keys = keysOf(1);
    const cases: unknown[] = [
      undefined,
      alice.registration_signature.slice(4),
      `xy${alice.registration_signature.slice(2)}`,
      // Another key's signature for this user id.
      hex(signRegistration(backend, keysOf(2), 'alice')),
      // The proof of possession is under the PoP DST, not a signature of the registration.
      alice.pop,
      // A signature of the same bytes under the receipt tag.
      hex(backend.sign(keys.secretKey, Buffer.concat([RECEIPT_TAG, Buffer.from([5]), Buffer.from('alice'), keys.publicKey]))),
    ];
    for (const registration_signature of cases) {
      await expectRefused({ ...alice, registration_signature }, 400, 'bad_registration_signature');
    }
  });

  test('error: a key and proof seen before their owner registers cannot be registered under another user id', async () => {
    const mallory = keysOf(3);
    // The key and its proof alone, as the tracker accepted them before registrations named their user id.
    await expectRefused({ user_id: 'mallory', public_key: alice.public_key, pop: alice.pop }, 400, 'bad_registration_signature');
    // With a registration signature of the attacker's own key over its user id.
    await expectRefused({ ...alice, user_id: 'mallory', registration_signature: hex(signRegistration(backend, mallory, 'mallory')) }, 400, 'bad_registration_signature');
    // Alice's whole body (seen at another tracker, say), replayed under another user id.
    await expectRefused({ ...alice, user_id: 'mallory' }, 400, 'bad_registration_signature');
    // The owner registers as before.
    expect((await post(alice)).status).toBe(201);
    expect(store.userById('alice')?.publicKey).toEqual(keysOf(1).publicKey);
    expect(store.userById('mallory')).toBeUndefined();
  });

  test('error: duplicate user id or public key', async () => {
    expect((await post(alice)).status).toBe(201);
    await expectRefused(credentials('alice', 2), 409, 'user_exists');
    await expectRefused(credentials('alias', 1), 409, 'key_exists');
  });
});

describe('POST /register: the checks running at once over all addresses', () => {
  const real = new VerifyPool({ size: 1, backend: 'blst' });
  afterAll(() => real.close());

  test('behavior: registrations past the bound get 503 busy with Retry-After, create nothing and cost their address nothing; others pass', async () => {
    const store = openStore({ dataDir: ':memory:' });
    // Proofs wait for the gate, so the flood arrives while the first checks run.
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let waiting = 0;
    const pool = {
      backend: real.backend,
      size: 2,
      verify: real.verify.bind(real),
      verifyPop: async (publicKey: Uint8Array, pop: Uint8Array) => {
        waiting++;
        await gate;
        return real.verifyPop(publicKey, pop);
      },
    };
    // 2 checks per verifier, 2 verifiers: 4 at once. A burst of 1: a counted refusal would show.
    const config = resolveConfig({ registrationChecksPerVerifier: 2, registrationRefusalBurst: 1, registrationRefusalsPerMinute: 1 });
    const limit = new RegistrationLimit({ config, verifiers: pool.size });
    const app = new Hono().route('/', registerRoutes({ store, config, pool, limit }));
    const post = async (userId: string, index: number, from: string) =>
      app.request('/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials(userId, index)) }, { remoteAddress: from });

    // Each from its own address, so the per-address bound (2 at once) holds none back.
    const answers = new Map<number, Response>();
    const flood = Array.from({ length: 12 }, (_, i) => post(`flood-${i}`, 100 + i, `10.0.0.${i}`).then((res) => answers.set(i, res)));
    // The 4 checked ones reach their proof once their registration signature is verified.
    await vi.waitFor(() => expect({ answered: answers.size, proofs: waiting }).toEqual({ answered: 8, proofs: 4 }), { timeout: 10_000 });
    const busy = [...answers.values()];
    expect(busy.map((res) => res.status)).toEqual(Array(8).fill(503));
    expect(busy[0]!.headers.get('retry-after')).toBe('1');
    expect(await busy[0]!.json()).toEqual({ error: 'busy', reason: expect.stringMatching(/verifying 4 registrations at once/) });
    expect(store.stats().users).toBe(0);

    openGate();
    await Promise.all(flood);
    const checked = [...answers.entries()].filter(([, res]) => res.status !== 503).map(([i]) => i);
    expect(checked.map((i) => answers.get(i)!.status)).toEqual([201, 201, 201, 201]);
    expect(store.stats().users).toBe(4);
    for (const i of answers.keys()) expect(store.userById(`flood-${i}`) !== undefined).toBe(checked.includes(i));
    // The busy ones register once the checks are free: a 503 took no refusal from their address.
    for (const [i] of [...answers.entries()].filter(([, res]) => res.status === 503)) {
      expect((await post(`flood-${i}`, 100 + i, `10.0.0.${i}`)).status).toBe(201);
    }
    expect(limit.samples().find((sample) => sample.name === 'pbts_register_busy_total')?.value).toBe(8);
    store.close();
  });
});
