import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { TrackerClient } from '../client/tracker-client.ts';
import { type KeyPair, type Receipt, aggregateReceipts, currentEpoch, getBackend, keyPairFromSeed, signReceipt } from '../receipts/index.ts';
import { encodeReport } from '../receipts/report-codec.ts';
import { type RunningTracker, startTracker } from './server.ts';

const bls = getBackend('blst');
const keys = Array.from({ length: 3 }, (_, i) => keyPairFromSeed(bls, 'report-parse-http', i));
const [sender, ...receivers] = keys as [KeyPair, ...KeyPair[]];
const RECEIPTS = 256;

const receipts: Receipt[] = Array.from({ length: RECEIPTS }, (_, pieceIndex) => {
  const receiver = receivers[pieceIndex % receivers.length]!;
  const fields = {
    infohash: new Uint8Array(20).fill(0x2b),
    senderPk: sender.publicKey,
    receiverPk: receiver.publicKey,
    pieceHash: createHash('sha256').update(`report-parse-http ${pieceIndex}`).digest(),
    pieceIndex,
    pieceSize: 16 * 1024,
    epoch: currentEpoch(),
  };
  return signReceipt(bls, fields, receiver.secretKey);
});

describe('report bodies on a running tracker', () => {
  let dataDir: string;
  let tracker: RunningTracker;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'pbts-report-parse-'));
    tracker = await startTracker({ port: 0, verifyWorkers: 1, backend: 'blst', config: { dataDir } });
    const client = new TrackerClient(tracker.url, { backend: bls });
    for (const [i, key] of keys.entries()) await client.register(`user${i}`, key);
  });
  afterAll(async () => {
    await tracker.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = async (body: string) => {
    const response = await fetch(`${tracker.url}/report`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: response.status, json: await response.json() };
  };

  test('behavior: a report and its distinct replays are parsed on a verify worker, never on the event loop', async () => {
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const accepted = await post(encodeReport(receipts, aggregateReceipts(bls, receipts)));
      expect(accepted).toMatchObject({ status: 200, json: { accepted: RECEIPTS } });
      // Each replay is a body never seen (reversed, a subset), so no cache of refused bodies answers it.
      const reversed = receipts.slice().reverse();
      expect(await post(encodeReport(reversed, aggregateReceipts(bls, reversed)))).toEqual({
        status: 409, json: { error: 'already_spent', reason: 'receipt 0: already spent', index: 0 },
      });
      const subset = receipts.slice(100, 200);
      expect(await post(encodeReport(subset, aggregateReceipts(bls, subset)))).toEqual({
        status: 409, json: { error: 'already_spent', reason: 'receipt 0: already spent', index: 0 },
      });
      const bodiesParsedHere = parse.mock.calls.filter(([text]) => typeof text === 'string' && text.includes('"aggregate_signature"'));
      expect(bodiesParsedHere).toEqual([]);
    } finally {
      parse.mockRestore();
    }
    expect(await new TrackerClient(tracker.url).stats()).toMatchObject({ reports: 1, spent_receipt_ids: RECEIPTS });
  });
});
