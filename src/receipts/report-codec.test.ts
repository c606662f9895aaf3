import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { getBackend } from './backend.ts';
import { keyPairFromSeed } from './keys.ts';
import { type Receipt, type ReceiptFields, aggregateReceipts, currentEpoch, receiptFromJson, signReceipt } from './receipt.ts';
import { encodeReport } from './report-codec.ts';

const backend = getBackend('blst');
const keys = Array.from({ length: 3 }, (_, i) => keyPairFromSeed(backend, 'report-codec-test', i));
const [sender, ...receivers] = keys as [(typeof keys)[0], ...typeof keys];

function receipts(): Receipt[] {
  return receivers.map((receiver, pieceIndex) =>
    signReceipt(
      backend,
      {
        infohash: new Uint8Array(20).fill(0x5a),
        senderPk: sender.publicKey,
        receiverPk: receiver.publicKey,
        pieceHash: new Uint8Array(createHash('sha256').update(`codec ${pieceIndex}`).digest()),
        pieceIndex,
        pieceSize: 32 * 1024,
        epoch: currentEpoch(),
      },
      receiver.secretKey,
    ),
  );
}

describe('encodeReport', () => {
  test('default', () => {
    const list = receipts();
    const aggregate = aggregateReceipts(backend, list);
    const json = JSON.parse(encodeReport(list, aggregate)) as { receipts: unknown[]; aggregate_signature: string };
    expect(Object.keys(json)).toEqual(['receipts', 'aggregate_signature']);
    expect(json.aggregate_signature).toBe(Buffer.from(aggregate).toString('hex'));
    expect(json.receipts.map(receiptFromJson)).toEqual(list);
  });

  test('behavior: without an aggregate it computes the same one', () => {
    const list = receipts();
    expect(encodeReport(list)).toBe(encodeReport(list, aggregateReceipts(backend, list)));
  });

  test('error: an empty report or an aggregate of the wrong length is refused', () => {
    expect(() => encodeReport([])).toThrow(/at least one receipt/);
    expect(() => encodeReport(receipts(), new Uint8Array(48))).toThrow(/must be 96 bytes, got 48/);
  });
});
