/**
 * `POST /report`: an uploader hands in receipts signed by its downloaders with one aggregate
 * signature; the tracker checks them cheaply, verifies the aggregate once off the event loop,
 * then spends the ids and moves the bytes in one transaction. All or nothing.
 * @module
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import {
  currentEpoch,
  parseHex,
  PUBLIC_KEY_LENGTH,
  type Receipt,
  ReceiptFormatError,
  receiptFromJson,
  receiptId,
  SIGNATURE_LENGTH,
  type VerifyPool,
} from '../receipts/index.ts';
import {
  AlreadySpentError,
  inlineCommitter,
  type ReportCommitter,
  type ReportOutcome,
  type SpendReceipt,
  type Store,
} from '../store/index.ts';
import type { TrackerConfig } from './config.ts';
import { userView } from './users.ts';

/** What {@link reportRoutes} needs. */
export interface ReportDeps {
  store: Store;
  config: Pick<TrackerConfig, 'epochSeconds' | 'windowEpochs'>;
  pool: Pick<VerifyPool, 'verifyAggregate'>;
  /** Where verified reports are committed and old spent ids forgotten; default: inline on the store's connection. */
  committer?: Pick<ReportCommitter, 'commit' | 'collect'>;
  /** Clock in unix milliseconds; default `Date.now`. */
  now?: () => number;
}

/** Most receipts one report may carry (about 700 KB of JSON). */
export const MAX_RECEIPTS_PER_REPORT = 1024;
/** Largest accepted report body. */
export const MAX_REPORT_BYTES = 1024 * 1024;

/** A report's answer: the HTTP status and the JSON body. */
export interface ReportAnswer {
  status: 200 | 400 | 409 | 413 | 422;
  body: Record<string, unknown>;
}

/**
 * The report logic on a parsed JSON body, independent of the HTTP framework: the Hono route
 * below and the server's fast path (`fast-path.ts`) both answer with it.
 */
export type Reporter = (body: unknown) => Promise<ReportAnswer>;

/** A refused report: the HTTP status and the JSON error body. */
class Refusal {
  constructor(
    readonly status: 400 | 409 | 413 | 422,
    readonly error: string,
    readonly reason: string,
    readonly index?: number,
  ) {}

  answer(): ReportAnswer {
    const { error, reason, index } = this;
    return { status: this.status, body: index === undefined ? { error, reason } : { error, reason, index } };
  }
}

/** The answer to a body larger than {@link MAX_REPORT_BYTES}. */
export const TOO_LARGE = new Refusal(413, 'body_too_large', `body over ${MAX_REPORT_BYTES} bytes`).answer();

/** The answer to a body that is not JSON. */
export const BAD_JSON = new Refusal(400, 'bad_json', 'body is not valid JSON').answer();

/** A refusal about receipt `index`, its reason prefixed with the index. */
function atReceipt(
  index: number,
  error: string,
  reason: string,
  status: 400 | 409 | 422 = 422,
): Refusal {
  return new Refusal(status, error, `receipt ${index}: ${reason}`, index);
}

/** A report that passed every check short of the signature. */
interface CheckedReport {
  receipts: Receipt[];
  signature: Uint8Array;
  spends: SpendReceipt[];
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Parses the body; throws a 400 or 413 {@link Refusal} naming the receipt index and field. */
function parseReport(body: unknown): {
  senderPk: Uint8Array | undefined;
  receipts: Receipt[];
  signature: Uint8Array;
} {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Refusal(400, 'bad_request', 'body must be a JSON object');
  }
  const json = body as Record<string, unknown>;
  let senderPk: Uint8Array | undefined;
  let signature: Uint8Array;
  try {
    if (json.sender_pk !== undefined) senderPk = parseHex(json, 'sender_pk', PUBLIC_KEY_LENGTH);
    signature = parseHex(json, 'aggregate_signature', SIGNATURE_LENGTH);
  } catch (error) {
    if (!(error instanceof ReceiptFormatError)) throw error;
    throw new Refusal(400, 'bad_request', error.message);
  }
  const list = json.receipts;
  if (!Array.isArray(list) || list.length === 0) {
    throw new Refusal(400, 'bad_request', 'receipts must be a non-empty array');
  }
  if (list.length > MAX_RECEIPTS_PER_REPORT) {
    throw new Refusal(
      413,
      'too_many_receipts',
      `${list.length} receipts, at most ${MAX_RECEIPTS_PER_REPORT} per report`,
    );
  }
  const receipts = list.map((item, index) => {
    try {
      return receiptFromJson(item);
    } catch (error) {
      if (!(error instanceof ReceiptFormatError)) throw error;
      throw atReceipt(index, 'bad_receipt', error.message, 400);
    }
  });
  return { senderPk, receipts, signature };
}

/** Every check that needs no signature work, cheapest first; throws a 422 {@link Refusal}. */
function checkReport(
  body: unknown,
  isRegistered: (publicKey: Uint8Array, hex: string) => boolean,
  oldestEpoch: number,
  current: number,
): CheckedReport {
  const { senderPk, receipts, signature } = parseReport(body);
  const sender = hex(senderPk ?? receipts[0]!.senderPk);
  receipts.forEach((receipt, index) => {
    if (hex(receipt.senderPk) !== sender) {
      const reason = 'all receipts of a report must name the reporter as sender';
      throw atReceipt(index, 'sender_mismatch', reason);
    }
    if (receipt.epoch < oldestEpoch) {
      const window = `[${oldestEpoch}, ${current}]`;
      throw atReceipt(index, 'expired_epoch', `epoch ${receipt.epoch} is before the window ${window}`);
    }
    if (receipt.epoch > current) {
      throw atReceipt(index, 'future_epoch', `epoch ${receipt.epoch} is after the current epoch ${current}`);
    }
  });
  if (!isRegistered(receipts[0]!.senderPk, sender)) {
    throw new Refusal(422, 'unknown_key', 'the sender key is not registered');
  }
  const registered = new Set<string>([sender]);
  const ids = new Set<string>();
  const spends = receipts.map((receipt, index): SpendReceipt => {
    const receiver = hex(receipt.receiverPk);
    if (receiver === sender) {
      throw atReceipt(index, 'self_receipt', 'the receiver is the sender');
    }
    if (!registered.has(receiver)) {
      if (!isRegistered(receipt.receiverPk, receiver)) {
        throw atReceipt(index, 'unknown_key', 'the receiver key is not registered');
      }
      registered.add(receiver);
    }
    const id = receiptId(receipt);
    if (ids.has(hex(id))) {
      throw atReceipt(index, 'duplicate_receipt', 'duplicate receipt in report');
    }
    ids.add(hex(id));
    const { epoch, receiverPk, pieceSize } = receipt;
    return { id, epoch, senderPk: receipt.senderPk, receiverPk, pieceSize };
  });
  return { receipts, signature, spends };
}

/** The report logic over `deps` (see {@link Reporter}). */
export function createReporter(deps: ReportDeps): Reporter {
  const { store, config, pool } = deps;
  const committer = deps.committer ?? inlineCommitter(store);
  const now = deps.now ?? Date.now;
  let collectedEpoch = -1;
  // Users are never deleted, so a key found registered once stays so: most reports then need no
  // database read for their keys (hex keys, bounded by the number of users).
  const registeredKeys = new Set<string>();
  const isRegistered = (publicKey: Uint8Array, keyHex: string): boolean => {
    if (registeredKeys.has(keyHex)) return true;
    if (store.userByPublicKey(publicKey) === undefined) return false;
    registeredKeys.add(keyHex);
    return true;
  };
  return async (body) => {
    const current = currentEpoch(config.epochSeconds, now());
    const oldestEpoch = current - config.windowEpochs;
    if (current !== collectedEpoch) {
      // Spent ids matter only while their epoch is accepted. One epoch of slack covers a
      // report whose window was checked just before an epoch boundary and applied after it.
      // Not awaited: an epoch's ids can take seconds to forget, on the writer thread.
      collectedEpoch = current;
      committer.collect(oldestEpoch - 1).catch((error: unknown) => console.error('spent-id collection failed:', error));
    }
    let checked: CheckedReport;
    try {
      checked = checkReport(body, isRegistered, oldestEpoch, current);
    } catch (error) {
      if (error instanceof Refusal) return error.answer();
      throw error;
    }
    // A replay is refused before the signature work, so replays cannot buy verification time;
    // the commit below still decides atomically for reports racing each other.
    const spent = checked.spends.findIndex((spend) => store.isSpent(spend.id));
    if (spent >= 0) return atReceipt(spent, 'already_spent', 'already spent', 409).answer();
    if (!(await pool.verifyAggregate(checked.receipts, checked.signature))) {
      const reason = 'the aggregate signature does not verify for these receipts';
      return new Refusal(422, 'bad_signature', reason).answer();
    }
    let outcome: ReportOutcome;
    try {
      outcome = await committer.commit({ receipts: checked.spends, now: now() });
    } catch (error) {
      if (error instanceof AlreadySpentError) {
        return atReceipt(error.index, 'already_spent', 'already spent', 409).answer();
      }
      // Users are never deleted, so the checks above make UnknownKeyError unreachable here.
      throw error;
    }
    return {
      status: 200,
      body: {
        report_id: outcome.reportId,
        accepted: outcome.accepted,
        credited_bytes: outcome.creditedBytes,
        sender: userView(outcome.sender),
        receivers: outcome.receivers.map(userView),
      },
    };
  };
}

/** `POST /report` `{ sender_pk?, receipts, aggregate_signature }` -> 200 with the new totals. */
export function reportRoutes(report: Reporter): Hono {
  const send = (c: Context, answer: ReportAnswer) => c.json(answer.body, answer.status);
  return new Hono().post(
    '/report',
    bodyLimit({ maxSize: MAX_REPORT_BYTES, onError: (c) => send(c, TOO_LARGE) }),
    async (c) => {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return send(c, BAD_JSON);
      }
      return send(c, await report(body));
    },
  );
}
