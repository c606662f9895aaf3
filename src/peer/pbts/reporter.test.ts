import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { TrackerClient } from '../../client/tracker-client.ts';
import { currentEpoch, getBackend, type KeyPair, keyPairFromSeed, type Receipt, signReceipt } from '../../receipts/index.ts';
import { type RunningTracker, startTracker } from '../../tracker/server.ts';
import { Inbox } from './inbox.ts';
import { Reporter, type ReporterOptions } from './reporter.ts';

const bls = getBackend('blst');
const PIECE = 16 * 1024;
const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbts-reporter-'));
  dirs.push(dir);
  return dir;
};
const start = (dataDir: string, port = 0) => startTracker({ port, host: '127.0.0.1', verifyWorkers: 1, backend: 'blst', config: { dataDir } });

let tracker: RunningTracker;
let client: TrackerClient;
let run = 0;
let uploader: KeyPair;
let downloader: KeyPair;
let infohash: Uint8Array;
const reporters: Reporter[] = [];
const inboxes: Inbox[] = [];

let pieces = 0;
function receipt(changes: Partial<Receipt> = {}): Receipt {
  const fields = { infohash, senderPk: uploader.publicKey, receiverPk: downloader.publicKey, pieceHash: new Uint8Array(32).fill(pieces % 256), pieceIndex: pieces++, pieceSize: PIECE, epoch: currentEpoch(), ...changes };
  return signReceipt(bls, fields, downloader.secretKey);
}

function reporter(options: Partial<ReporterOptions> & { warnings?: string[] } = {}): { reporter: Reporter; inbox: Inbox } {
  const inbox = options.inbox ?? Inbox.open(scratch());
  inboxes.push(inbox);
  const warnings = options.warnings ?? [];
  const made = new Reporter({ inbox, infohash, tracker: client, batch: 50, intervalMs: 60_000, windowEpochs: 24, warn: (message) => warnings.push(message), ...options });
  reporters.push(made);
  return { reporter: made, inbox };
}

beforeAll(async () => {
  tracker = await start(scratch());
  client = new TrackerClient(tracker.url);
});
afterEach(() => {
  for (const made of reporters.splice(0)) made.close();
  for (const inbox of inboxes.splice(0)) inbox.close();
});
afterAll(async () => {
  await tracker.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Fresh users and torrent for a test, so the tracker's totals are the test's own. */
async function users(): Promise<void> {
  run++;
  uploader = keyPairFromSeed(bls, 'reporter-up', run);
  downloader = keyPairFromSeed(bls, 'reporter-down', run);
  infohash = new Uint8Array(20).fill(run);
  await client.register(`up${run}`, uploader);
  await client.register(`down${run}`, downloader);
}

const uploaded = async () => (await client.user(`up${run}`)).uploaded - 1024 ** 3;

describe('Reporter', () => {
  test('default', async () => {
    await users();
    const { reporter: made, inbox } = reporter({ batch: 3 });
    inbox.add([receipt(), receipt()]);
    made.poke();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await uploaded()).toBe(0);
    inbox.add([receipt()]);
    made.poke();
    await expect.poll(uploaded).toBe(3 * PIECE);
    expect(made.stats).toEqual({ reported: 3, credited: 3, creditedBytes: 3 * PIECE });
    expect(inbox.pendingCount(infohash)).toBe(0);
  });

  test('behavior: the oldest receipt waits at most intervalMs; a flush reports at once', async () => {
    await users();
    const { reporter: timed, inbox } = reporter({ intervalMs: 100 });
    inbox.add([receipt()]);
    timed.poke();
    await expect.poll(uploaded, { timeout: 2000 }).toBe(PIECE);
    const { reporter: slow, inbox: slowInbox } = reporter({ intervalMs: 3_600_000 });
    slowInbox.add([receipt(), receipt()]);
    await slow.flush();
    expect(await uploaded()).toBe(3 * PIECE);
  });

  test('behavior: pending receipts are reported when the reporter starts', async () => {
    await users();
    const inbox = Inbox.open(scratch());
    inbox.add([receipt(), receipt()]);
    const { reporter: made } = reporter({ inbox, batch: 1000 });
    await made.flush();
    expect(await uploaded()).toBe(2 * PIECE);
  });

  test('behavior: an already spent receipt is dropped and the rest resent; an expired one is dropped unsent', async () => {
    await users();
    const spent = receipt();
    await client.report([spent]);
    const warnings: string[] = [];
    const { reporter: made, inbox } = reporter({ warnings });
    inbox.add([receipt(), spent, receipt(), receipt({ epoch: currentEpoch() - 30 })]);
    await made.flush();
    expect(made.stats).toEqual({ reported: 4, credited: 2, creditedBytes: 2 * PIECE });
    expect(await uploaded()).toBe(3 * PIECE);
    expect(inbox.list(infohash, 'dropped', 10).map((stored) => stored.receipt.pieceIndex).sort()).toEqual([spent.pieceIndex, pieces - 1].sort());
    expect(warnings.join('\n')).toMatch(/older than the tracker's window[\s\S]*already_spent/);
  });

  test('behavior: a refusal naming no receipt halves the batch until the culprit is alone', async () => {
    await users();
    const forged = { ...receipt(), signature: receipt().signature };
    const { reporter: made, inbox } = reporter();
    const good = [receipt(), receipt(), receipt(), receipt(), receipt()];
    inbox.add([...good.slice(0, 3), forged, ...good.slice(3)]);
    await made.flush();
    expect(made.stats).toEqual({ reported: 6, credited: 5, creditedBytes: 5 * PIECE });
    expect(inbox.list(infohash, 'dropped', 10).map((stored) => stored.receipt.pieceIndex)).toEqual([forged.pieceIndex]);
  });

  test('behavior: an unreachable tracker is retried with backoff until it answers', async () => {
    await users();
    const dataDir = scratch();
    const down = await start(dataDir);
    const { port, url } = down;
    await new TrackerClient(url).register(`up${run}`, uploader);
    await new TrackerClient(url).register(`down${run}`, downloader);
    await down.close();
    const warnings: string[] = [];
    const { reporter: made, inbox } = reporter({ tracker: new TrackerClient(url), warnings });
    inbox.add([receipt()]);
    const flushed = made.flush();
    await expect.poll(() => warnings.length, { timeout: 3000 }).toBeGreaterThanOrEqual(2);
    expect(warnings[0]).toMatch(/no answer.*retrying in 250 ms/);
    expect(warnings[1]).toMatch(/retrying in 500 ms/);
    const up = await start(dataDir, port);
    try {
      await flushed;
      expect(made.stats).toMatchObject({ credited: 1 });
      expect(inbox.pendingCount(infohash)).toBe(0);
    } finally {
      await up.close();
    }
  });

  test('error: closing rejects a flush still waiting', async () => {
    await users();
    const { reporter: made, inbox } = reporter({ tracker: new TrackerClient('http://127.0.0.1:9') });
    inbox.add([receipt()]);
    const flushed = made.flush();
    made.close();
    await expect(flushed).rejects.toThrow(/closed/);
  });
});
