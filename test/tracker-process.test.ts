import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type TrackerProcess, spawnTracker } from '../fixtures/tracker-process.ts';
import {
  type Receipt,
  aggregateReceipts,
  currentEpoch,
  getBackend,
  keyPairFromSeed,
  receiptToJson,
  signReceipt,
} from '../src/receipts/index.ts';

const bls = getBackend('blst');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const alice = keyPairFromSeed(bls, 'process-test', 0);
const bob = keyPairFromSeed(bls, 'process-test', 1);
const PIECE = 256 * 1024;
const INITIAL = 1_000_000;

function receipts(from: number, count: number): Receipt[] {
  return Array.from({ length: count }, (_, i) =>
    signReceipt(
      bls,
      {
        infohash: new Uint8Array(20).fill(3),
        senderPk: alice.publicKey,
        receiverPk: bob.publicKey,
        pieceHash: createHash('sha256').update(`piece ${from + i}`).digest(),
        pieceIndex: from + i,
        pieceSize: PIECE,
        epoch: currentEpoch(),
      },
      bob.secretKey,
    ),
  );
}

const reportBody = (batch: Receipt[]) =>
  JSON.stringify({ receipts: batch.map(receiptToJson), aggregate_signature: hex(aggregateReceipts(bls, batch)) });

async function post(url: string, body: string) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, json: (await response.json()) as Record<string, any> };
}

async function user(url: string, id: string) {
  return (await (await fetch(`${url}/users/${id}`)).json()) as { uploaded: number; downloaded: number };
}

describe('pbts tracker as a process', () => {
  let dataDir: string;
  let tracker: TrackerProcess | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'pbts-process-'));
  });
  afterEach(async () => {
    await tracker?.stop('SIGKILL');
    tracker = undefined;
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test('behavior: a report answered before SIGKILL survives the crash, and its replay is never credited', async () => {
    tracker = await spawnTracker(dataDir, ['--initial-credit', String(INITIAL), '--verify-workers', '1']);
    for (const [id, keys] of [['alice', alice], ['bob', bob]] as const) {
      const registered = await post(
        `${tracker.url}/register`,
        JSON.stringify({ user_id: id, public_key: hex(keys.publicKey), pop: hex(bls.popProve(keys.secretKey)) }),
      );
      expect(registered.status).toBe(201);
    }
    const body = reportBody(receipts(0, 20));
    const first = await post(`${tracker.url}/report`, body);
    expect(first.status).toBe(200);
    expect(first.json.accepted).toBe(20);

    expect(await tracker.stop('SIGKILL')).toBe('SIGKILL');
    tracker = await spawnTracker(dataDir, ['--initial-credit', String(INITIAL), '--verify-workers', '1']);

    expect(await user(tracker.url, 'alice')).toMatchObject({ uploaded: INITIAL + 20 * PIECE, downloaded: 0 });
    expect(await user(tracker.url, 'bob')).toMatchObject({ uploaded: INITIAL, downloaded: 20 * PIECE });
    const replay = await post(`${tracker.url}/report`, body);
    expect(replay.status).toBe(409);
    expect(replay.json.error).toBe('already_spent');
    expect(await user(tracker.url, 'alice')).toMatchObject({ uploaded: INITIAL + 20 * PIECE });

    // Fresh receipts are still credited after the restart.
    const fresh = await post(`${tracker.url}/report`, reportBody(receipts(20, 5)));
    expect(fresh.status).toBe(200);
    expect(fresh.json.sender.uploaded).toBe(INITIAL + 25 * PIECE);
  });

  test('default: SIGTERM shuts the tracker down gracefully with exit code 0', async () => {
    tracker = await spawnTracker(dataDir);
    expect((await fetch(`${tracker.url}/health`)).status).toBe(200);
    expect(await tracker.stop('SIGTERM')).toBe(0);
    expect(tracker.output()).toContain('pbts tracker stopped');
  });

  test('behavior: pbts keygen keeps the secret key in a 0600 file and pbts register sends only the public key and PoP', async () => {
    tracker = await spawnTracker(dataDir);
    const keyFile = path.join(dataDir, 'carol.json');
    const pbts = (...args: string[]) =>
      execFileSync(process.execPath, [path.resolve(import.meta.dirname, '../bin/pbts.js'), ...args], { encoding: 'utf8' });
    const made = pbts('keygen', '--out', keyFile);
    const key = JSON.parse(readFileSync(keyFile, 'utf8')) as { secret_key: string; public_key: string; pop: string };
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(made).not.toContain(key.secret_key);
    expect(bls.popVerify(Buffer.from(key.public_key, 'hex'), Buffer.from(key.pop, 'hex'))).toBe(true);
    const registered = pbts('register', '--tracker', tracker.url, '--user', 'carol', '--key', keyFile);
    expect(registered).toMatch(new RegExp(`announce URL ${tracker.url}/announce/[0-9a-f]{32}`));
    expect(registered).not.toContain(key.secret_key);
    expect(tracker.output()).not.toContain(key.secret_key);
  });

  test('error: bad options stop the tracker with a message and a non-zero exit code', async () => {
    await expect(spawnTracker(dataDir, ['--mode', 'closed'])).rejects.toThrow(/--mode must be private or open/);
  });
});
