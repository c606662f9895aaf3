/**
 * The checks of a `POST /report` body that need neither the store nor a signature: the JSON,
 * every field, one sender, the epoch window, no receipt for oneself, no duplicate; and the
 * receipt ids. It is most of what a report costs before its verification (about 15 ms for
 * 1,024 receipts), so the tracker runs it on a verify worker (`VerifyPool.checkReport`), and
 * its result is packed into a few typed arrays, cheap to pass back to the event loop.
 *
 * The refusals are the tracker's, in its order: what is found first is answered. The store's
 * part (registered keys) comes between the two passes here, so a check that reaches the second
 * pass hands the tracker the keys to look up and what follows them.
 * @module
 */
import { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH } from './bls.ts';
import {
  INFOHASH_LENGTH,
  PIECE_HASH_LENGTH,
  type Receipt,
  type ReceiptFields,
  ReceiptFormatError,
  parseHex,
  receiptFromJson,
  receiptId,
} from './receipt.ts';

/** Most receipts one report may carry (about 700 KB of JSON). */
export const MAX_RECEIPTS_PER_REPORT = 1024;

/** The epochs a report's receipts must lie in, both ends included. */
export interface ReportWindow {
  oldestEpoch: number;
  current: number;
}

/** The refusals a check can give; the tracker maps each to its HTTP status. */
export type ReportFault =
  | 'bad_json'
  | 'bad_request'
  | 'too_many_receipts'
  | 'bad_receipt'
  | 'sender_mismatch'
  | 'expired_epoch'
  | 'future_epoch'
  | 'self_receipt'
  | 'duplicate_receipt';

/** A refusal as the tracker answers it (its JSON body). */
export interface ReportRefusal {
  error: ReportFault;
  reason: string;
  /** The receipt refused, when one is. */
  index?: number;
}

/** A report's receipts, one entry per receipt in each array (fixed-size fields back to back). */
export interface PackedReceipts {
  count: number;
  /** Receipt ids, 32 bytes each. */
  ids: Uint8Array;
  /** 20 bytes each. */
  infohashes: Uint8Array;
  /** 32 bytes each. */
  pieceHashes: Uint8Array;
  pieceIndexes: Uint32Array;
  pieceSizes: Uint32Array;
  epochs: Float64Array;
  /** Index into {@link CheckedReport.receivers}. */
  receiverOf: Uint16Array;
  /** The smallest epoch. */
  oldestEpoch: number;
}

/** A receiver of a report and the first receipt naming it. */
export interface ReportReceiver {
  publicKey: Uint8Array;
  index: number;
}

/** A report refused whatever the store holds. */
export interface RefusedReport {
  refused: ReportRefusal;
}

/**
 * A report past the first pass. The tracker checks that the sender, then each receiver (in
 * order), is registered; then `fault` is the answer when set, else the receipts go on.
 */
export type CheckedReport = {
  refused?: undefined;
  senderPk: Uint8Array;
  /** In order of first appearance; only those before `fault`'s receipt when it is set. */
  receivers: ReportReceiver[];
  signature: Uint8Array;
} & (
  | { /** A receipt refused in the second pass (for oneself, or a duplicate). */ fault: ReportRefusal; receipts?: undefined }
  | { fault?: undefined; receipts: PackedReceipts }
);

/** What {@link checkReportJson} finds. */
export type ReportCheck = RefusedReport | CheckedReport;

/** Thrown inside the first pass, answered as a {@link RefusedReport}. */
class Refused extends Error {
  constructor(readonly refusal: ReportRefusal) {
    super(refusal.reason);
  }
}

const refusal = (error: ReportFault, reason: string): ReportRefusal => ({ error, reason });
const atReceipt = (index: number, error: ReportFault, reason: string): ReportRefusal => ({ error, reason: `receipt ${index}: ${reason}`, index });

/** {@link checkReportJson} of a body as received; `bad_json` unless it is UTF-8 JSON. */
export function checkReportBytes(bytes: Uint8Array, window: ReportWindow): ReportCheck {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
  } catch {
    return { refused: refusal('bad_json', 'body is not valid JSON') };
  }
  return checkReportJson(body, window);
}

/** Checks a parsed report body against `window` (see the module comment). */
export function checkReportJson(body: unknown, window: ReportWindow): ReportCheck {
  let parsed: ReturnType<typeof parseReport>;
  try {
    parsed = parseReport(body);
    firstPass(parsed, window);
  } catch (error) {
    if (error instanceof Refused) return { refused: error.refusal };
    throw error;
  }
  return secondPass(parsed);
}

/** Parses the body; throws a {@link Refused} naming the receipt index and field. */
function parseReport(body: unknown): { senderPk: Uint8Array; receipts: Receipt[]; signature: Uint8Array } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Refused(refusal('bad_request', 'body must be a JSON object'));
  }
  const json = body as Record<string, unknown>;
  let senderPk: Uint8Array | undefined;
  let signature: Uint8Array;
  try {
    if (json.sender_pk !== undefined) senderPk = parseHex(json, 'sender_pk', PUBLIC_KEY_LENGTH);
    signature = parseHex(json, 'aggregate_signature', SIGNATURE_LENGTH);
  } catch (error) {
    if (!(error instanceof ReceiptFormatError)) throw error;
    throw new Refused(refusal('bad_request', error.message));
  }
  const list = json.receipts;
  if (!Array.isArray(list) || list.length === 0) {
    throw new Refused(refusal('bad_request', 'receipts must be a non-empty array'));
  }
  if (list.length > MAX_RECEIPTS_PER_REPORT) {
    throw new Refused(refusal('too_many_receipts', `${list.length} receipts, at most ${MAX_RECEIPTS_PER_REPORT} per report`));
  }
  const receipts = list.map((item, index) => {
    try {
      return receiptFromJson(item);
    } catch (error) {
      if (!(error instanceof ReceiptFormatError)) throw error;
      throw new Refused(atReceipt(index, 'bad_receipt', error.message));
    }
  });
  return { senderPk: senderPk ?? receipts[0]!.senderPk, receipts, signature };
}

/** One sender, every epoch in the window. */
function firstPass({ senderPk, receipts }: { senderPk: Uint8Array; receipts: Receipt[] }, { oldestEpoch, current }: ReportWindow): void {
  receipts.forEach((receipt, index) => {
    if (!sameBytes(receipt.senderPk, senderPk)) {
      throw new Refused(atReceipt(index, 'sender_mismatch', 'all receipts of a report must name the reporter as sender'));
    }
    if (receipt.epoch < oldestEpoch) {
      throw new Refused(atReceipt(index, 'expired_epoch', `epoch ${receipt.epoch} is before the window [${oldestEpoch}, ${current}]`));
    }
    if (receipt.epoch > current) {
      throw new Refused(atReceipt(index, 'future_epoch', `epoch ${receipt.epoch} is after the current epoch ${current}`));
    }
  });
}

/** No receipt for oneself, no duplicate; the receivers and the ids. */
function secondPass({ senderPk, receipts, signature }: { senderPk: Uint8Array; receipts: Receipt[]; signature: Uint8Array }): CheckedReport {
  const count = receipts.length;
  const packed: PackedReceipts = {
    count,
    ids: new Uint8Array(32 * count),
    infohashes: new Uint8Array(INFOHASH_LENGTH * count),
    pieceHashes: new Uint8Array(PIECE_HASH_LENGTH * count),
    pieceIndexes: new Uint32Array(count),
    pieceSizes: new Uint32Array(count),
    epochs: new Float64Array(count),
    receiverOf: new Uint16Array(count),
    oldestEpoch: Infinity,
  };
  const receivers: ReportReceiver[] = [];
  const receiverIndex = new Map<string, number>();
  const ids = new Set<string>();
  const stop = (fault: ReportRefusal): CheckedReport => ({ senderPk, receivers, signature, fault });
  for (let index = 0; index < count; index++) {
    const receipt = receipts[index]!;
    if (sameBytes(receipt.receiverPk, senderPk)) return stop(atReceipt(index, 'self_receipt', 'the receiver is the sender'));
    const receiver = Buffer.from(receipt.receiverPk).toString('hex');
    let which = receiverIndex.get(receiver);
    if (which === undefined) {
      which = receivers.push({ publicKey: receipt.receiverPk, index }) - 1;
      receiverIndex.set(receiver, which);
    }
    const id = receiptId(receipt);
    const key = Buffer.from(id).toString('hex');
    if (ids.has(key)) return stop(atReceipt(index, 'duplicate_receipt', 'duplicate receipt in report'));
    ids.add(key);
    packed.ids.set(id, 32 * index);
    packed.infohashes.set(receipt.infohash, INFOHASH_LENGTH * index);
    packed.pieceHashes.set(receipt.pieceHash, PIECE_HASH_LENGTH * index);
    packed.pieceIndexes[index] = receipt.pieceIndex;
    packed.pieceSizes[index] = receipt.pieceSize;
    packed.epochs[index] = receipt.epoch;
    packed.receiverOf[index] = which;
    packed.oldestEpoch = Math.min(packed.oldestEpoch, receipt.epoch);
  }
  return { senderPk, receivers, signature, receipts: packed };
}

/** Receipt `index`'s id (a view, no copy). */
export function packedId(packed: PackedReceipts, index: number): Uint8Array {
  return packed.ids.subarray(32 * index, 32 * index + 32);
}

/** Receipt `index`'s signed fields (views, no copies). */
export function packedFields(report: CheckedReport, packed: PackedReceipts, index: number): ReceiptFields {
  return {
    infohash: packed.infohashes.subarray(INFOHASH_LENGTH * index, INFOHASH_LENGTH * (index + 1)),
    senderPk: report.senderPk,
    receiverPk: report.receivers[packed.receiverOf[index]!]!.publicKey,
    pieceHash: packed.pieceHashes.subarray(PIECE_HASH_LENGTH * index, PIECE_HASH_LENGTH * (index + 1)),
    pieceIndex: packed.pieceIndexes[index]!,
    pieceSize: packed.pieceSizes[index]!,
    epoch: packed.epochs[index]!,
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
