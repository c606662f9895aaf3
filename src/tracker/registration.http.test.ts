/**
 * Registration policies (`open`, `invite`, `closed`), the admin's invite routes and the
 * per-address limit on refused registrations, over real HTTP on loopback against
 * `startTracker`. Each test speaks from its own loopback address (127.0.0.0/8 is all loopback
 * on Linux), so the per-address refusal buckets of one test do not leak into another.
 */
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { getBackend, keyPairFromSeed } from '../receipts/index.ts';
import { TrackerClient, registerBody } from '../client/tracker-client.ts';
import { type RunningTracker, startTracker } from './server.ts';
import type { TrackerConfig } from './config.ts';

const bls = getBackend('blst');
const ADMIN = 'registration-test-admin';

let seed = 0;
/** A fresh key. */
const freshKeys = () => keyPairFromSeed(bls, 'registration-http', seed++);
/** A registration whose proof belongs to another key: the tracker has to verify it to refuse it. */
const badPop = (userId: string) => ({ ...registerBody(bls, userId, freshKeys()), pop: registerBody(bls, userId, freshKeys()).pop });

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: any;
}

/** One HTTP request from the loopback address `from` (the client address the tracker sees). */
function call(url: string, method: string, target: string, options: { body?: unknown; token?: string; from?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(`${url}${target}`, {
      method,
      localAddress: options.from ?? '127.0.0.1',
      agent: false,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
        ...options.headers,
      },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, json: text === '' ? undefined : JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A valid registration of `userId` with a fresh key, plus `extra` fields. */
const validBody = (userId: string, extra: Record<string, unknown> = {}) => ({ ...registerBody(bls, userId, freshKeys()), ...extra });

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

describe('registration policies over HTTP', () => {
  const dirs: string[] = [];
  const trackers: RunningTracker[] = [];
  const start = async (config: Partial<TrackerConfig> = {}) => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pbts-registration-'));
    dirs.push(dataDir);
    const tracker = await startTracker({ port: 0, verifyWorkers: 1, config: { dataDir, ...config } });
    trackers.push(tracker);
    return tracker;
  };
  let admin: RunningTracker;
  beforeAll(async () => {
    admin = await start({ adminToken: ADMIN, registration: 'invite' });
  });
  afterAll(async () => {
    for (const tracker of trackers) await tracker.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh invite code from the admin route. */
  const invite = async (body: unknown = {}) => {
    const created = await call(admin.url, 'POST', '/invites', { body, token: ADMIN });
    expect(created.status).toBe(201);
    return created.json as { code: string; invite_id: number };
  };

  test('default: a tracker started without options registers anyone with a key and its proof (open)', async () => {
    const tracker = await start();
    expect((await call(tracker.url, 'GET', '/config')).json).toMatchObject({
      registration: 'open',
      registration_refusal_burst: 10,
      registration_refusals_per_minute: 6,
      registration_checks_per_verifier: 4,
      initial_credit: 2 ** 30,
    });
    const answer = await call(tracker.url, 'POST', '/register', { body: validBody('open-alice'), from: '127.0.1.1' });
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({ user_id: 'open-alice', uploaded: 2 ** 30 });
    // The project's client (tests, benches, peers) registers as before.
    expect((await new TrackerClient(tracker.url).register('open-bob', freshKeys())).passkey).toMatch(/^[0-9a-f]{32}$/);
  });

  test('behavior: invite policy registers with an unused admin-issued code, which is then used up', async () => {
    const from = '127.0.2.1';
    const { code, invite_id } = await invite({ note: 'for alice' });
    expect(code).toMatch(/^inv_[A-Za-z0-9_-]{24}$/);
    const ok = await call(admin.url, 'POST', '/register', { body: validBody('inv-alice', { invite: code }), from });
    expect(ok.status).toBe(201);
    const listed = (await call(admin.url, 'GET', '/invites', { token: ADMIN })).json.invites;
    const entry = listed.find((i: { invite_id: number }) => i.invite_id === invite_id);
    expect(entry).toMatchObject({ status: 'used', used_by: 'inv-alice', note: 'for alice', used_at: expect.any(String) });
    // The listing never carries a code: the tracker keeps only its hash.
    expect(JSON.stringify(listed)).not.toContain(code);
    const again = await call(admin.url, 'POST', '/register', { body: validBody('inv-mallory', { invite: code }), from });
    expect({ status: again.status, error: again.json.error }).toEqual({ status: 400, error: 'invite_used' });
    expect((await call(admin.url, 'GET', '/users/inv-mallory')).status).toBe(404);
  });

  test('behavior: TrackerClient.register carries the invite code', async () => {
    const { code } = await invite();
    const keys = freshKeys();
    const client = new TrackerClient(admin.url);
    await expect(client.register('inv-client-nocode', keys)).rejects.toMatchObject({ status: 403, code: 'invite_required' });
    expect((await client.register('inv-client', keys, { invite: code })).userId).toBe('inv-client');
  });

  test('error: invite policy without a code is 403 invite_required; a malformed or unknown code is 400 bad_invite', async () => {
    const from = '127.0.3.1';
    for (const extra of [{}, { invite: '' }, { invite: null }]) {
      const answer = await call(admin.url, 'POST', '/register', { body: validBody('inv-nocode', extra), from });
      expect({ status: answer.status, error: answer.json.error, reason: typeof answer.json.reason }).toEqual({ status: 403, error: 'invite_required', reason: 'string' });
    }
    for (const code of ['inv_short', 42, `inv_${'A'.repeat(24)}`]) {
      const answer = await call(admin.url, 'POST', '/register', { body: validBody('inv-badcode', { invite: code }), from });
      expect({ code, status: answer.status, error: answer.json.error }).toEqual({ code, status: 400, error: 'bad_invite' });
    }
    expect((await call(admin.url, 'GET', '/users/inv-nocode')).status).toBe(404);
    expect((await call(admin.url, 'GET', '/users/inv-badcode')).status).toBe(404);
  });

  test('error: a revoked code is 400 invite_revoked, an expired one 400 invite_expired; a used one cannot be revoked', async () => {
    const from = '127.0.4.1';
    const revoked = await invite();
    const revoke = await call(admin.url, 'DELETE', `/invites/${revoked.invite_id}`, { token: ADMIN });
    expect(revoke.json).toMatchObject({ invite_id: revoked.invite_id, status: 'revoked', revoked_at: expect.any(String) });
    const r = await call(admin.url, 'POST', '/register', { body: validBody('inv-revoked', { invite: revoked.code }), from });
    expect({ status: r.status, error: r.json.error }).toEqual({ status: 400, error: 'invite_revoked' });

    const expiring = await invite({ expires_in_seconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const e = await call(admin.url, 'POST', '/register', { body: validBody('inv-expired', { invite: expiring.code }), from });
    expect({ status: e.status, error: e.json.error }).toEqual({ status: 400, error: 'invite_expired' });

    const used = await invite();
    expect((await call(admin.url, 'POST', '/register', { body: validBody('inv-used-first', { invite: used.code }), from })).status).toBe(201);
    const late = await call(admin.url, 'DELETE', `/invites/${used.invite_id}`, { token: ADMIN });
    expect({ status: late.status, error: late.json.error }).toEqual({ status: 409, error: 'invite_used' });
    expect((await call(admin.url, 'DELETE', '/invites/999999', { token: ADMIN })).status).toBe(404);
  });

  test('error: the invite routes need the admin token', async () => {
    expect((await call(admin.url, 'POST', '/invites', { body: {} })).status).toBe(401);
    expect((await call(admin.url, 'GET', '/invites', { token: 'wrong' })).status).toBe(401);
    expect((await call(admin.url, 'DELETE', '/invites/1')).status).toBe(401);
    const bad = await call(admin.url, 'POST', '/invites', { body: { expires_in_seconds: 0 }, token: ADMIN });
    expect({ status: bad.status, error: bad.json.error }).toEqual({ status: 400, error: 'bad_expiry' });
    const unknown = await call(admin.url, 'POST', '/invites', { body: { count: 5 }, token: ADMIN });
    expect({ status: unknown.status, error: unknown.json.error }).toEqual({ status: 400, error: 'bad_request' });
    const open = await start();
    expect((await call(open.url, 'POST', '/invites', { body: {}, token: ADMIN })).status).toBe(403);
  });

  test('behavior: two concurrent registrations with one invite code: exactly one succeeds', async () => {
    const { code } = await invite();
    const answers = await Promise.all([
      call(admin.url, 'POST', '/register', { body: validBody('race-a', { invite: code }), from: '127.0.5.1' }),
      call(admin.url, 'POST', '/register', { body: validBody('race-b', { invite: code }), from: '127.0.5.2' }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 400]);
    expect(answers.find((a) => a.status === 400)!.json.error).toBe('invite_used');
    const users = await Promise.all(['race-a', 'race-b'].map(async (id) => (await call(admin.url, 'GET', `/users/${id}`)).status));
    expect(users.sort()).toEqual([200, 404]);
  });

  test('error: closed policy refuses 403 registration_closed without the admin token or with a wrong one; the admin token registers', async () => {
    const tracker = await start({ adminToken: ADMIN, registration: 'closed' });
    const from = '127.0.6.1';
    const { code } = (await call(tracker.url, 'POST', '/invites', { body: {}, token: ADMIN })).json;
    for (const options of [{}, { token: 'wrong' }]) {
      const answer = await call(tracker.url, 'POST', '/register', { body: validBody('closed-eve', { invite: code }), from, ...options });
      expect({ status: answer.status, error: answer.json.error }).toEqual({ status: 403, error: 'registration_closed' });
    }
    expect((await call(tracker.url, 'GET', '/users/closed-eve')).status).toBe(404);
    const ok = await call(tracker.url, 'POST', '/register', { body: validBody('closed-alice'), from, token: ADMIN });
    expect(ok.status).toBe(201);
    expect((await new TrackerClient(tracker.url).register('closed-bob', freshKeys(), { adminToken: ADMIN })).userId).toBe('closed-bob');
  });

  test('behavior: POST /config switches the registration policy at run time; an unknown policy is 400 bad_setting', async () => {
    const tracker = await start({ adminToken: ADMIN });
    const from = '127.0.7.1';
    const closed = await call(tracker.url, 'POST', '/config', { body: { registration: 'closed' }, token: ADMIN });
    expect(closed.json).toMatchObject({ registration: 'closed' });
    expect((await call(tracker.url, 'POST', '/register', { body: validBody('cfg-a'), from })).status).toBe(403);
    for (const registration of ['public', 1, null]) {
      const bad = await call(tracker.url, 'POST', '/config', { body: { registration }, token: ADMIN });
      expect({ status: bad.status, error: bad.json.error }).toEqual({ status: 400, error: 'bad_setting' });
    }
    expect((await call(tracker.url, 'GET', '/config')).json.registration).toBe('closed');
    await call(tracker.url, 'POST', '/config', { body: { registration: 'open' }, token: ADMIN });
    expect((await call(tracker.url, 'POST', '/register', { body: validBody('cfg-a'), from })).status).toBe(201);
  });

  test('behavior: a flood of bad-PoP registrations from one address gets 429 with Retry-After before its proofs are checked; another address still registers', async () => {
    const burst = 3;
    const tracker = await start({ registrationRefusalBurst: burst, registrationRefusalsPerMinute: 1 });
    const attacker = '127.0.8.1';
    const flood = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      call(tracker.url, 'POST', '/register', { body: badPop(`sybil-${i}`), from: attacker })));
    const statuses = flood.map((a) => a.status);
    const refused = flood.filter((a) => a.status === 400);
    const limited = flood.filter((a) => a.status === 429);
    expect(refused.length + limited.length).toBe(40);
    expect(refused.every((a) => a.json.error === 'bad_pop')).toBe(true);
    // The bucket's burst, plus the proofs already running when it emptied (2 at a time per address).
    expect(refused.length, String(statuses)).toBeGreaterThanOrEqual(burst);
    expect(refused.length).toBeLessThanOrEqual(burst + 1);
    expect(limited[0]!.json).toEqual({ error: 'rate_limited', reason: expect.stringMatching(/too many refused registrations/) });
    expect(Number(limited[0]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited[0]!.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Only the refused ones cost a proof check; the 429s were answered before theirs.
    expect(await metric(tracker.url, 'pbts_register_pop_checks_total')).toBe(refused.length);
    expect(await metric(tracker.url, 'pbts_register_rate_limited_total')).toBe(limited.length);

    // The attacker's address stays limited, even with good credentials, until a token comes back.
    const later = await call(tracker.url, 'POST', '/register', { body: validBody('sybil-good'), from: attacker });
    expect(later.status).toBe(429);
    // Anyone else registers meanwhile.
    const honest = await call(tracker.url, 'POST', '/register', { body: validBody('honest'), from: '127.0.8.2' });
    expect(honest.status).toBe(201);
  });

  test('behavior: successful registrations cost no refusals: 30 concurrent ones from one address all succeed, and its one refusal is still left', async () => {
    const tracker = await start({ registrationRefusalBurst: 1, registrationRefusalsPerMinute: 1 });
    const from = '127.0.9.1';
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) =>
      call(tracker.url, 'POST', '/register', { body: validBody(`bulk-${i}`), from })));
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(201));
    expect((await call(tracker.url, 'POST', '/register', { body: badPop('bulk-bad'), from })).status).toBe(400);
    expect((await call(tracker.url, 'POST', '/register', { body: validBody('bulk-next'), from })).status).toBe(429);
  });

  test('behavior: concurrent registrations from many addresses past the checks over all addresses get 503 busy and create nothing', async () => {
    // One verifier, one check at a time: the flood arrives while the first proofs are checked.
    const tracker = await start({ registrationChecksPerVerifier: 1 });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      call(tracker.url, 'POST', '/register', { body: validBody(`many-${i}`), from: `127.0.12.${i + 1}` })));
    const busy = answers.filter((a) => a.status === 503);
    expect(answers.every((a) => a.status === 201 || a.status === 503), String(answers.map((a) => a.status))).toBe(true);
    expect(busy.length).toBeGreaterThan(0);
    expect(busy[0]!.json).toEqual({ error: 'busy', reason: expect.stringMatching(/verifying 1 registrations at once/) });
    expect(busy[0]!.headers['retry-after']).toBe('1');
    const stats = (await call(tracker.url, 'GET', '/stats')).json;
    expect(stats.users).toBe(20 - busy.length);
    expect(await metric(tracker.url, 'pbts_register_busy_total')).toBe(busy.length);
    expect(await metric(tracker.url, 'pbts_register_limit_checks')).toBe(1);
    // Not flooded, the same registrations pass.
    for (const [i, answer] of answers.entries()) {
      if (answer.status === 503) expect((await call(tracker.url, 'POST', '/register', { body: validBody(`many-${i}`), from: `127.0.12.${i + 1}` })).status).toBe(201);
    }
  });

  test('behavior: behind a trusted proxy the limit counts per forwarded client, not per proxy', async () => {
    const proxy = '127.0.10.1';
    const tracker = await start({ trustProxy: [proxy], registrationRefusalBurst: 1, registrationRefusalsPerMinute: 1 });
    const via = (client: string, body: unknown) => call(tracker.url, 'POST', '/register', { body, from: proxy, headers: { 'x-forwarded-for': client } });
    expect((await via('203.0.113.7', badPop('px-bad'))).status).toBe(400);
    expect((await via('203.0.113.7', validBody('px-next'))).status).toBe(429);
    expect((await via('203.0.113.8', validBody('px-other'))).status).toBe(201);
  });

  test('error: bad keys and bad invite codes count against the address too', async () => {
    const tracker = await start({ adminToken: ADMIN, registration: 'invite', registrationRefusalBurst: 2, registrationRefusalsPerMinute: 1 });
    const from = '127.0.11.1';
    const first = await call(tracker.url, 'POST', '/register', { body: validBody('k', { public_key: `c0${'00'.repeat(47)}`, invite: `inv_${'B'.repeat(24)}` }), from, token: ADMIN });
    expect(first.json.error).toBe('bad_public_key');
    const second = await call(tracker.url, 'POST', '/register', { body: validBody('k2', { invite: `inv_${'C'.repeat(24)}` }), from });
    expect(second.json.error).toBe('bad_invite');
    const third = await call(tracker.url, 'POST', '/register', { body: validBody('k3'), from, token: ADMIN });
    expect({ status: third.status, error: third.json.error }).toEqual({ status: 429, error: 'rate_limited' });
  });
});
