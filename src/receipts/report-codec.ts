/**
 * The body of `POST /report`, the one place it is built: receipts in their JSON form and the
 * aggregate of their signatures. The tracker parses it with `report-check.ts`, whose refusals
 * name their code and receipt index.
 * @module
 */
import { bytesToHex } from '@noble/hashes/utils';
import { getBackend } from './backend.ts';
import { SIGNATURE_LENGTH } from './bls.ts';
import { type Receipt, type ReceiptJson, aggregateReceipts, receiptToJson } from './receipt.ts';

/** JSON form of a report, as `POST /report` takes it. */
export interface ReportJson {
  receipts: ReceiptJson[];
  /** Aggregate of the receipts' signatures, 96 bytes as lowercase hex. */
  aggregate_signature: string;
}

/**
 * The JSON body reporting `receipts`, with `aggregate` as their aggregate signature (computed
 * with the default backend when omitted; pass it when it is already known, it costs a point
 * addition per receipt). Throws on an empty list, which no tracker accepts.
 */
export function encodeReport(receipts: readonly Receipt[], aggregate?: Uint8Array): string {
  if (receipts.length === 0) throw new RangeError('a report needs at least one receipt');
  const signature = aggregate ?? aggregateReceipts(getBackend(), receipts);
  if (signature.length !== SIGNATURE_LENGTH) {
    throw new RangeError(`aggregate signature must be ${SIGNATURE_LENGTH} bytes, got ${signature.length}`);
  }
  const json: ReportJson = { receipts: receipts.map(receiptToJson), aggregate_signature: bytesToHex(signature) };
  return JSON.stringify(json);
}
