import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type KeyPair, type Receipt, currentEpoch, getBackend, keyPairFromSeed, signReceipt, signRegistration } from '../receipts/index.ts';
import { type RunningTracker, startTracker } from '../tracker/server.ts';
import { AlreadySpentRefusal, AnnounceFailure, type AnnounceParams, TrackerClient, TrackerRefusal, TrackerUnreachable } from './tracker-client.ts';

const bls = getBackend('blst');
const INITIAL = 1_000_000;
const PIECE = 64 * 1024;
const INFOHASH = new Uint8Array(20).fill(0xc3);
const keys = Array.from({ length: 6 }, (_, i) => keyPairFromSeed(bls, 'tracker-client-test', i));
const [alice, bob, carol, dave, stranger, erin] = keys as [KeyPair, KeyPair, KeyPair, KeyPair, KeyPair, KeyPair];
const dirs: string[] = [];

async function tracker(host: string, config: { mode?: 'open' } = {}): Promise<RunningTracker> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pbts-client-'));
  dirs.push(dataDir);
  return startTracker({ port: 0, host, verifyWorkers: 1, backend: 'blst', config: { dataDir, initialCredit: INITIAL, ...config } });
}

let pieces = 0;
/** A fresh receipt: `receiver` got a piece from `sender`. */
function receipt(sender: KeyPair, receiver: KeyPair): Receipt {
  const pieceIndex = pieces++;
  const fields = {
    infohash: INFOHASH,
    senderPk: sender.publicKey,
    receiverPk: receiver.publicKey,
    pieceHash: createHash('sha256').update(`tracker-client-test ${pieceIndex}`).digest(),
    pieceIndex,
    pieceSize: PIECE,
    epoch: currentEpoch(),
  };
  return signReceipt(bls, fields, receiver.secretKey);
}

const peerId = (tag: string) => Buffer.from(`-PB0100-${tag.padEnd(12, '0')}`);
const announcing = (params: Partial<AnnounceParams> & Pick<AnnounceParams, 'peerId' | 'port'>): AnnounceParams => ({
  infohash: INFOHASH,
  uploaded: 0,
  downloaded: 0,
  left: 1000,
  ...params,
});

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('TrackerClient against a private tracker', () => {
  let running: RunningTracker;
  let client: TrackerClient;
  const passkeys = new Map<KeyPair, string>();

  beforeAll(async () => {
    running = await tracker('127.0.0.1');
    client = new TrackerClient(`${running.url}/`, { backend: bls });
  });
  afterAll(() => running.close());

  test('default', async () => {
    const registration = await client.register('alice', alice);
    expect(registration).toEqual({
      userId: 'alice',
      passkey: expect.stringMatching(/^[0-9a-f]{32}$/),
      announceUrl: `${running.url}/announce/${registration.passkey}`,
      uploaded: INITIAL,
      downloaded: 0,
    });
    passkeys.set(alice, registration.passkey);
    for (const [name, key] of [['bob', bob], ['carol', carol]] as const) passkeys.set(key, (await client.register(name, key)).passkey);
    expect(await client.user('alice')).toMatchObject({ user_id: 'alice', public_key: Buffer.from(alice.publicKey).toString('hex'), uploaded: INITIAL });
    expect(await client.health()).toMatchObject({ status: 'ok' });
  });

  test('behavior: proofs made ahead are sent as they are: a key pair\'s proof of possession, or both signatures of a public key', async () => {
    const registered = await client.register('dave', { ...dave, pop: bls.popProve(dave.secretKey) });
    expect(registered).toMatchObject({ userId: 'dave', downloaded: 0 });
    const ready = { publicKey: erin.publicKey, pop: bls.popProve(erin.secretKey), registrationSignature: signRegistration(bls, erin, 'erin') };
    expect(await client.register('erin', ready)).toMatchObject({ userId: 'erin' });
  });

  test('error: a taken user id or key, a bad proof or registration signature and a bad key are refused with the tracker\'s code and reason', async () => {
    await expect(client.register('alice', stranger)).rejects.toMatchObject({ name: 'TrackerRefusal', status: 409, code: 'user_exists', reason: 'user_id already registered' });
    await expect(client.register('alice2', alice)).rejects.toMatchObject({ status: 409, code: 'key_exists' });
    await expect(client.register('stranger', { ...stranger, pop: bls.popProve(bob.secretKey) })).rejects.toMatchObject({
      status: 400,
      code: 'bad_pop',
    });
    // Signatures made for another user id do not register this one.
    const forOther = { publicKey: stranger.publicKey, pop: bls.popProve(stranger.secretKey), registrationSignature: signRegistration(bls, stranger, 'other') };
    await expect(client.register('stranger', forOther)).rejects.toMatchObject({ status: 400, code: 'bad_registration_signature' });
    const notOnCurve = { publicKey: new Uint8Array(48).fill(0xaa), pop: new Uint8Array(96), registrationSignature: new Uint8Array(96) };
    const refused = await client.register('stranger', notOnCurve).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TrackerRefusal);
    expect(refused).toMatchObject({ status: 400, code: 'bad_public_key', message: expect.stringMatching(/^POST \/register refused \(HTTP 400 bad_public_key\): /) });
    await expect(client.register('no spaces', stranger)).rejects.toMatchObject({ status: 400, code: 'bad_user_id' });
  });

  test('behavior: announces with a passkey get the swarm, compact or as dictionaries', async () => {
    const seeder = await client.announce(announcing({ passkey: passkeys.get(alice)!, peerId: peerId('alice'), port: 7001, left: 0, event: 'started' }));
    expect(seeder).toEqual({ interval: 1800, minInterval: 900, complete: 1, incomplete: 0, peers: [] });
    const leecher = await client.announce(announcing({ passkey: passkeys.get(bob)!, peerId: peerId('bob'), port: 7002, event: 'started', numwant: 10 }));
    expect(leecher).toMatchObject({ complete: 1, incomplete: 1, peers: [{ ip: '127.0.0.1', port: 7001 }] });
    const dictionaries = await client.announce(announcing({ passkey: passkeys.get(carol)!, peerId: peerId('carol'), port: 7003, compact: false }));
    expect(dictionaries.peers).toHaveLength(2);
    expect(dictionaries.peers).toContainEqual({ ip: '127.0.0.1', port: 7001, peerId: new Uint8Array(peerId('alice')) });
  });

  test('error: an unknown or missing passkey is refused with the failure reason', async () => {
    const unknown = client.announce(announcing({ passkey: 'f'.repeat(32), peerId: peerId('x'), port: 7009 }));
    await expect(unknown).rejects.toBeInstanceOf(AnnounceFailure);
    await expect(unknown).rejects.toMatchObject({ reason: expect.stringMatching(/^unknown passkey/) });
    await expect(client.announce(announcing({ peerId: peerId('x'), port: 7009 }))).rejects.toMatchObject({ reason: expect.stringMatching(/private tracker/) });
  });

  test('behavior: an accepted report is credited, and its replay is refused as already spent', async () => {
    const before = await client.stats();
    const receipts = [receipt(alice, bob), receipt(alice, carol)];
    const result = await client.report(receipts);
    expect(result).toMatchObject({ accepted: 2, credited_bytes: 2 * PIECE, sender: { user_id: 'alice' }, receivers: [{ user_id: 'bob' }, { user_id: 'carol' }] });
    expect(await client.user('alice')).toMatchObject({ uploaded: INITIAL + 2 * PIECE, downloaded: 0 });
    expect(await client.user('bob')).toMatchObject({ uploaded: INITIAL, downloaded: PIECE });

    const replay = await client.report(receipts).catch((error: unknown) => error);
    expect(replay).toBeInstanceOf(AlreadySpentRefusal);
    expect(replay).toMatchObject({ status: 409, code: 'already_spent', index: 0 });
    expect(await client.user('alice')).toMatchObject({ uploaded: INITIAL + 2 * PIECE });
    expect(await client.stats()).toMatchObject({ reports: before.reports + 1, spent_receipt_ids: before.spent_receipt_ids + 2 });
  });

  test('error: bad receipts are refused with their reason and credit nothing', async () => {
    const before = await client.user('alice');
    const good = receipt(alice, bob);
    await expect(client.report([receipt(alice, carol), { ...good, pieceSize: 1 }])).rejects.toMatchObject({
      status: 400,
      code: 'bad_receipt',
      index: 1,
      reason: expect.stringMatching(/^receipt 1: piece_size/),
    });
    const forged = { ...good, signature: receipt(alice, bob).signature };
    const refused = await client.report([forged]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TrackerRefusal);
    expect(refused).not.toBeInstanceOf(AlreadySpentRefusal);
    expect(refused).toMatchObject({ status: 422, code: 'bad_signature' });
    await expect(client.report([receipt(alice, stranger)])).rejects.toMatchObject({ status: 422, code: 'unknown_key', index: 0 });
    expect(await client.user('alice')).toEqual(before);
  });

  test('error: an unknown user is a 404 refusal', async () => {
    await expect(client.user('nobody')).rejects.toMatchObject({ status: 404, code: 'not_found', reason: 'no such user' });
  });
});

describe('TrackerClient against an open tracker on IPv6 loopback', () => {
  let running: RunningTracker;

  beforeAll(async () => {
    running = await tracker('::1', { mode: 'open' });
  });
  afterAll(() => running.close());

  test('behavior: IPv6 peers come from peers6, compact, decoded to address and port', async () => {
    const client = new TrackerClient(running.url);
    expect(running.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
    await client.announce(announcing({ peerId: peerId('v6-seed'), port: 6881, left: 0 }));
    const answer = await client.announce(announcing({ peerId: peerId('v6-leech'), port: 6882 }));
    expect(answer).toMatchObject({ complete: 1, incomplete: 1, peers: [{ ip: '::1', port: 6881 }] });
  });
});

describe('TrackerClient without a tracker', () => {
  let silent: Server;
  let port: number;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // Accepts connections and never answers.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  test('error: a tracker that does not answer in time, or not at all, is unreachable', async () => {
    const slow = new TrackerClient(`http://127.0.0.1:${port}`, { timeoutMs: 200 });
    await expect(slow.stats()).rejects.toBeInstanceOf(TrackerUnreachable);
    await expect(slow.stats()).rejects.toThrow(/^GET \/stats: no answer from http:\/\/127\.0\.0\.1:\d+ \(.*(timeout|timed out|aborted)/i);
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const free = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(free));
      });
    });
    await expect(new TrackerClient(`http://127.0.0.1:${closedPort}`).health()).rejects.toThrow(/ECONNREFUSED/);
  });
});
