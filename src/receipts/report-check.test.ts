import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { getBackend } from './backend.ts';
import { keyPairFromSeed } from './keys.ts';
import { type Receipt, aggregateReceipts, receiptId, signReceipt } from './receipt.ts';
import { type CheckedReport, checkReportBytes, checkReportJson, packedFields, packedId } from './report-check.ts';
import { encodeReport } from './report-codec.ts';

const bls = getBackend('blst');
const keys = Array.from({ length: 4 }, (_, i) => keyPairFromSeed(bls, 'report-check-test', i));
const EPOCH = 500_000;
const window = { oldestEpoch: EPOCH - 24, current: EPOCH };

/** A receipt from key `sender` to key `receiver` for piece `piece`. */
function receipt(receiver: number, piece: number, sender = 0): Receipt {
  const fields = {
    infohash: new Uint8Array(20).fill(piece % 7),
    senderPk: keys[sender]!.publicKey,
    receiverPk: keys[receiver]!.publicKey,
    pieceHash: new Uint8Array(createHash('sha256').update(`check ${piece}`).digest()),
    pieceIndex: piece,
    pieceSize: 16_384 * (1 + (piece % 3)),
    epoch: EPOCH - (piece % 2),
  };
  return signReceipt(bls, fields, keys[receiver]!.secretKey);
}

const bytes = (text: string) => new TextEncoder().encode(text);
const checked = (text: string) => checkReportBytes(bytes(text), window) as CheckedReport;

describe('checkReportBytes', () => {
  test('default: the ids, the signed fields and the receivers in order of first appearance, packed', () => {
    const list = [receipt(2, 0), receipt(1, 1), receipt(2, 2), receipt(3, 3)];
    const aggregate = aggregateReceipts(bls, list);
    const check = checked(encodeReport(list, aggregate));
    expect(check.fault).toBeUndefined();
    expect(check.senderPk).toEqual(keys[0]!.publicKey);
    expect(check.signature).toEqual(aggregate);
    expect(check.receivers).toEqual([
      { publicKey: keys[2]!.publicKey, index: 0 },
      { publicKey: keys[1]!.publicKey, index: 1 },
      { publicKey: keys[3]!.publicKey, index: 3 },
    ]);
    const packed = check.receipts!;
    expect(packed.count).toBe(4);
    expect(packed.oldestEpoch).toBe(EPOCH - 1);
    list.forEach((original, index) => {
      expect(packedId(packed, index)).toEqual(receiptId(original));
      const { signature: _, ...fields } = original;
      expect(packedFields(check, packed, index)).toEqual(fields);
    });
  });

  test('behavior: the same answer as the check of the parsed JSON', () => {
    const text = encodeReport([receipt(1, 0), receipt(2, 1)]);
    expect(checkReportBytes(bytes(text), window)).toEqual(checkReportJson(JSON.parse(text), window));
  });

  test('behavior: a receipt for oneself or a duplicate stops the second pass, with the receivers before it', () => {
    const self = checked(encodeReport([receipt(1, 0), receipt(2, 1), receipt(0, 2), receipt(3, 3)]));
    expect(self.fault).toEqual({ error: 'self_receipt', reason: 'receipt 2: the receiver is the sender', index: 2 });
    expect(self.receipts).toBeUndefined();
    expect(self.receivers.map((receiver) => receiver.index)).toEqual([0, 1]);
    const twice = receipt(1, 0);
    const duplicate = checked(encodeReport([twice, receipt(2, 1), twice, receipt(3, 3)]));
    expect(duplicate.fault).toEqual({ error: 'duplicate_receipt', reason: 'receipt 2: duplicate receipt in report', index: 2 });
    expect(duplicate.receivers.map((receiver) => receiver.index)).toEqual([0, 1]);
  });

  test('error: the first pass refuses whatever the store holds, naming the receipt', () => {
    expect(checkReportBytes(bytes('{"receipts": ['), window)).toEqual({ refused: { error: 'bad_json', reason: 'body is not valid JSON' } });
    expect(checkReportBytes(bytes(encodeReport([receipt(1, 0), receipt(2, 1, 3)])), window)).toEqual({
      refused: { error: 'sender_mismatch', reason: 'receipt 1: all receipts of a report must name the reporter as sender', index: 1 },
    });
    const early = { oldestEpoch: EPOCH + 1, current: EPOCH + 1 };
    expect(checkReportBytes(bytes(encodeReport([receipt(1, 0)])), early)).toEqual({
      refused: { error: 'expired_epoch', reason: `receipt 0: epoch ${EPOCH} is before the window [${EPOCH + 1}, ${EPOCH + 1}]`, index: 0 },
    });
  });
});
