/**
 * `POST /report`: an uploader hands in receipts signed by its downloaders with one aggregate
 * signature; the tracker checks them cheaply, verifies the aggregate once off the event loop,
 * then spends the ids and moves the bytes in one transaction. All or nothing.
 *
 * Defences against a client that makes the tracker work for nothing (report-guard.ts,
 * report-queue.ts): a per-address byte budget checked before the body is read; refused bodies
 * remembered by digest and refused again before they are parsed; failed verifications
 * remembered by what was verified and never run twice; verifications queued fairly between
 * addresses and senders, small reports first, with the work pending per address and per sender
 * bounded; and the store's spent-id horizon, below which no receipt is accepted whatever the
 * window.
 * @module
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
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
  ExpiredReceiptError,
  inlineCommitter,
  type ReportCommitter,
  type ReportOutcome,
  type SpendReceipt,
  type Store,
} from '../store/index.ts';
import { type TrackerConfig, defaultConfig } from './config.ts';
import type { Sample } from './metrics.ts';
import { type Incoming, type TrackerEnv, incomingAddress, incomingOf, proxyTrust } from './query.ts';
import { BoundedCache, ByteBudget, addressKey } from './report-guard.ts';
import { FairVerifyQueue, type QueueRefusal } from './report-queue.ts';
import { userView } from './users.ts';

/** The settings of {@link ReportDeps.config} the limits come from; each defaults to {@link defaultConfig}'s. */
type ReportSettings = 'reportBytesPerSecond' | 'verifyPendingPerAddress' | 'verifyPendingPerSender' | 'failedReportCache' | 'trustProxy';

/** What {@link reportRoutes} needs. */
export interface ReportDeps {
  store: Store;
  config: Pick<TrackerConfig, 'epochSeconds' | 'windowEpochs'> & Partial<Pick<TrackerConfig, ReportSettings>>;
  /** The verifiers; `size` (workers) sets how many verifications run at once (default: the CPU count). */
  pool: Pick<VerifyPool, 'verifyAggregate'> & Partial<Pick<VerifyPool, 'size'>>;
  /** Where verified reports are committed and old spent ids forgotten; default: inline on the store's connection. */
  committer?: Pick<ReportCommitter, 'commit' | 'collect'>;
  /** Clock in unix milliseconds; default `Date.now`. */
  now?: () => number;
}

/** Most receipts one report may carry (about 700 KB of JSON). */
export const MAX_RECEIPTS_PER_REPORT = 1024;
/** Largest accepted report body. */
export const MAX_REPORT_BYTES = 1024 * 1024;

/** Receipts waiting for or in verification over all clients, whatever the per-client limits. */
export const MAX_PENDING_RECEIPTS = 65_536;
/** The byte budget's burst is at least this (two full reports). */
const MIN_BURST_BYTES = 2 * 1024 * 1024;

/** The limits a reporter enforces, as set at its creation (none changes at run time); `GET /config` shows them. */
export interface ReportLimits {
  /** Report bytes one address may send per second (its byte budget's refill). */
  reportBytesPerSecond: number;
  /** Report bytes one address may send at once (its byte budget's size). */
  reportBurstBytes: number;
  /** Receipts one address may have waiting for or in verification. */
  verifyPendingPerAddress: number;
  /** Receipts one sender may have waiting for or in verification. */
  verifyPendingPerSender: number;
  /** Receipts waiting for or in verification over all clients. */
  verifyPendingTotal: number;
  /** Verifications handed to the workers at once. */
  verifyConcurrency: number;
  /** Refused bodies remembered, and failed verifications remembered, each. */
  failedReportCache: number;
  /** {@link MAX_REPORT_BYTES}. */
  maxReportBytes: number;
  /** {@link MAX_RECEIPTS_PER_REPORT}. */
  maxReceiptsPerReport: number;
}

/** The limits of a reporter on `config` with `verifiers` verify workers. */
export function reportLimits(config: Pick<TrackerConfig, Exclude<ReportSettings, 'trustProxy'>>, verifiers: number): ReportLimits {
  const { reportBytesPerSecond, verifyPendingPerAddress, verifyPendingPerSender, failedReportCache } = config;
  return {
    reportBytesPerSecond,
    reportBurstBytes: Math.max(reportBytesPerSecond, MIN_BURST_BYTES),
    verifyPendingPerAddress,
    verifyPendingPerSender,
    verifyPendingTotal: Math.max(MAX_PENDING_RECEIPTS, verifyPendingPerAddress, verifyPendingPerSender),
    // One job queued at each worker besides the one it runs, so none idles between jobs.
    verifyConcurrency: 2 * Math.max(1, verifiers),
    failedReportCache,
    maxReportBytes: MAX_REPORT_BYTES,
    maxReceiptsPerReport: MAX_RECEIPTS_PER_REPORT,
  };
}

/** A report's answer: the HTTP status and the JSON body. */
export interface ReportAnswer {
  status: 200 | 400 | 409 | 413 | 422 | 503;
  body: Record<string, unknown>;
}

/**
 * The report logic, independent of the HTTP framework: the Hono route below and the server's
 * fast path (`fast-path.ts`) both answer with it. `address` is the client's limiting key
 * ({@link Reporter.addressOf}); without it the client counts as `unknown`.
 */
export interface Reporter {
  /** Answers a parsed JSON body (no byte budget, no body cache: those need the bytes). */
  (body: unknown, address?: string): Promise<ReportAnswer>;
  /** Answers the body as received: byte budget, then the refused-body cache, then the parse. */
  raw(bytes: Uint8Array, address?: string): Promise<ReportAnswer>;
  /** Before the body is read: a refusal when the declared length is over the address's byte budget. */
  admit(declaredBytes: number, address?: string): ReportAnswer | undefined;
  /** The limiting key of a request's client (its address, or its IPv6 /64), proxy trust applied. */
  addressOf(incoming: Incoming): string;
  /** Counters, gauges and the limits, for `/metrics`. */
  samples(): Sample[];
  /** The limits in effect. */
  readonly limits: Readonly<ReportLimits>;
}

/** A refused report: the HTTP status and the JSON error body. */
class Refusal {
  constructor(
    readonly status: 400 | 409 | 413 | 422 | 503,
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

/** Refusals that the same body always gets again (not `unknown_key`: its user may register; not `future_epoch`). */
const PERMANENT = new Set([
  'bad_json', 'bad_request', 'bad_receipt', 'too_many_receipts', 'sender_mismatch', 'expired_epoch',
  'self_receipt', 'duplicate_receipt', 'bad_signature', 'already_spent',
]);

const BAD_SIGNATURE = new Refusal(422, 'bad_signature', 'the aggregate signature does not verify for these receipts').answer();
const ALREADY_SPENT = atReceipt(0, 'already_spent', 'already spent', 409).answer();

/** What a verification is given, as a digest: the aggregate, then each receipt's id and piece size (the id covers every other signed field). */
function verificationDigest(checked: CheckedReport): string {
  const { spends, signature } = checked;
  const bytes = Buffer.allocUnsafe(signature.length + spends.length * 36);
  bytes.set(signature, 0);
  let offset = signature.length;
  for (const spend of spends) {
    bytes.set(spend.id, offset);
    bytes.writeUInt32BE(spend.pieceSize, offset + 32);
    offset += 36;
  }
  return createHash('sha256').update(bytes).digest('base64');
}

/** The report logic over `deps` (see {@link Reporter}). */
export function createReporter(deps: ReportDeps): Reporter {
  const { store, pool } = deps;
  // The limits with their defaults; the epoch settings are read live from `deps.config`.
  const config = { ...defaultConfig, ...deps.config };
  const epochs = deps.config;
  const committer = deps.committer ?? inlineCommitter(store);
  const now = deps.now ?? Date.now;
  const trust = proxyTrust(config.trustProxy);
  const limits = Object.freeze(reportLimits(config, pool.size ?? availableParallelism()));
  const budget = new ByteBudget(limits.reportBytesPerSecond, limits.reportBurstBytes, now);
  // Refused bodies by SHA-256 (the same answer again, unparsed), and failed verifications by what they verified.
  // A body's answer holds while its oldest receipt is in the window; after that it is expired_epoch.
  const refusedBodies = new BoundedCache<{ answer: ReportAnswer; oldestEpoch: number }>(limits.failedReportCache);
  const failedVerifications = new BoundedCache<true>(limits.failedReportCache);
  const queue = new FairVerifyQueue({
    concurrency: limits.verifyConcurrency,
    perAddress: limits.verifyPendingPerAddress,
    perSender: limits.verifyPendingPerSender,
    total: limits.verifyPendingTotal,
  });
  const counts = { bytesRefused: 0, bodyCacheHits: 0, verifyCacheHits: 0, verifyFailed: 0 };
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
  const busy = (why: QueueRefusal | 'bytes'): ReportAnswer => {
    const reason = {
      bytes: `this address sent more report bytes than its budget (${limits.reportBytesPerSecond} bytes/s); retry later`,
      address: `this address has ${limits.verifyPendingPerAddress} receipts waiting for verification at most; retry later`,
      sender: `this sender has ${limits.verifyPendingPerSender} receipts waiting for verification at most; retry later`,
      full: 'the verifiers are saturated; retry later',
    }[why];
    return new Refusal(503, 'busy', reason).answer();
  };
  // Never below the horizon the store has collected up to, whatever the window says.
  const windowStart = (current: number) => Math.max(current - epochs.windowEpochs, store.spentHorizon());
  /** The answer to a parsed body; `seen.oldestEpoch` gets its oldest receipt's epoch once the receipts are checked. */
  const report = async (body: unknown, address = 'unknown', seen?: { oldestEpoch: number }): Promise<ReportAnswer> => {
    const current = currentEpoch(epochs.epochSeconds, now());
    const oldestEpoch = windowStart(current);
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
    if (seen !== undefined) seen.oldestEpoch = checked.receipts.reduce((oldest, receipt) => Math.min(oldest, receipt.epoch), Infinity);
    // A replay is refused before the signature work, so replays cannot buy verification time;
    // the commit below still decides atomically for reports racing each other.
    const spent = checked.spends.findIndex((spend) => store.isSpent(spend.id));
    if (spent >= 0) return atReceipt(spent, 'already_spent', 'already spent', 409).answer();
    // Verification is deterministic: what failed once fails again, so it is never run twice.
    const digest = verificationDigest(checked);
    if (failedVerifications.get(digest) !== undefined) {
      counts.verifyCacheHits++;
      return BAD_SIGNATURE;
    }
    const sender = hex(checked.spends[0]!.senderPk);
    const queued = queue.submit(address, sender, checked.receipts.length, () => pool.verifyAggregate(checked.receipts, checked.signature));
    if (typeof queued === 'string') return busy(queued);
    if (!(await queued)) {
      counts.verifyFailed++;
      failedVerifications.set(digest, true);
      return BAD_SIGNATURE;
    }
    let outcome: ReportOutcome;
    try {
      outcome = await committer.commit({ receipts: checked.spends, now: now() });
    } catch (error) {
      if (error instanceof AlreadySpentError) {
        return atReceipt(error.index, 'already_spent', 'already spent', 409).answer();
      }
      if (error instanceof ExpiredReceiptError) {
        // Collected between the check above and the commit (or by another connection).
        const reason = `epoch ${error.epoch} is before the spent-id horizon ${error.horizon}`;
        return atReceipt(error.index, 'expired_epoch', reason).answer();
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
  const raw = async (bytes: Uint8Array, address = 'unknown'): Promise<ReportAnswer> => {
    if (bytes.length > MAX_REPORT_BYTES) return TOO_LARGE;
    if (!budget.take(address, bytes.length)) {
      counts.bytesRefused++;
      return busy('bytes');
    }
    // A replayed refused body is answered again unparsed (the parse of 1,024 receipts takes
    // tens of milliseconds of the event loop; the digest well under one).
    const digest = createHash('sha256').update(bytes).digest('base64');
    const known = refusedBodies.get(digest);
    if (known !== undefined && known.oldestEpoch >= windowStart(currentEpoch(epochs.epochSeconds, now()))) {
      counts.bodyCacheHits++;
      return known.answer;
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
    } catch {
      refusedBodies.set(digest, { answer: BAD_JSON, oldestEpoch: Infinity });
      return BAD_JSON;
    }
    const seen = { oldestEpoch: Infinity };
    const answer = await report(body, address, seen);
    // A credited body is spent for good: its replay is refused as already spent.
    if (answer.status === 200) refusedBodies.set(digest, { answer: ALREADY_SPENT, oldestEpoch: seen.oldestEpoch });
    else if (answer.body.error === 'expired_epoch') refusedBodies.set(digest, { answer, oldestEpoch: Infinity });
    else if (PERMANENT.has(answer.body.error as string)) refusedBodies.set(digest, { answer, oldestEpoch: seen.oldestEpoch });
    return answer;
  };
  const admit = (declaredBytes: number, address = 'unknown'): ReportAnswer | undefined => {
    if (!(declaredBytes > budget.available(address))) return undefined;
    counts.bytesRefused++;
    return busy('bytes');
  };
  const samples = (): Sample[] => {
    const stats = queue.stats();
    const sample = (name: string, type: Sample['type'], value: number, help: string): Sample => ({ name, help, type, value });
    return [
      sample('pbts_report_refused_unparsed_total', 'counter', counts.bodyCacheHits, 'Reports refused again by the digest of a body refused before, unparsed.'),
      sample('pbts_report_failed_verification_hits_total', 'counter', counts.verifyCacheHits, 'Reports refused by the digest of a failed verification, not verified again.'),
      sample('pbts_report_verification_failed_total', 'counter', counts.verifyFailed, 'Aggregate verifications that failed.'),
      sample('pbts_report_refused_cache_entries', 'gauge', refusedBodies.size + failedVerifications.size, 'Refused bodies and failed verifications remembered.'),
      sample('pbts_report_busy_bytes_total', 'counter', counts.bytesRefused, 'Reports refused busy: the address was over its byte budget.'),
      sample('pbts_report_busy_address_total', 'counter', stats.refusedAddress, 'Reports refused busy: the address had too many receipts pending verification.'),
      sample('pbts_report_busy_sender_total', 'counter', stats.refusedSender, 'Reports refused busy: the sender had too many receipts pending verification.'),
      sample('pbts_report_busy_full_total', 'counter', stats.refusedFull, 'Reports refused busy: the verification queue was full.'),
      sample('pbts_report_verify_queued_receipts', 'gauge', stats.queuedReceipts, 'Receipts waiting for a verifier.'),
      sample('pbts_report_verify_running', 'gauge', stats.runningJobs, 'Verifications handed to the workers.'),
      sample('pbts_report_limit_bytes_per_second', 'gauge', limits.reportBytesPerSecond, 'Report bytes per second one address may send.'),
      sample('pbts_report_limit_pending_per_address', 'gauge', limits.verifyPendingPerAddress, 'Receipts one address may have pending verification.'),
      sample('pbts_report_limit_pending_per_sender', 'gauge', limits.verifyPendingPerSender, 'Receipts one sender may have pending verification.'),
      sample('pbts_report_limit_refused_cache', 'gauge', limits.failedReportCache, 'Refused bodies and failed verifications remembered, each.'),
      sample('pbts_spent_horizon_epoch', 'gauge', store.spentHorizon(), 'Oldest epoch still guarded against double spending; older receipts are refused.'),
    ];
  };
  return Object.assign((body: unknown, address?: string) => report(body, address), {
    raw,
    admit,
    samples,
    limits,
    addressOf: (incoming: Incoming) => addressKey(incomingAddress(incoming, trust)),
  });
}

/** `POST /report` `{ sender_pk?, receipts, aggregate_signature }` -> 200 with the new totals. */
export function reportRoutes(report: Reporter): Hono<TrackerEnv> {
  const send = (c: Context<TrackerEnv>, answer: ReportAnswer) => c.json(answer.body, answer.status);
  return new Hono<TrackerEnv>().post(
    '/report',
    bodyLimit({ maxSize: MAX_REPORT_BYTES, onError: (c) => send(c, TOO_LARGE) }),
    async (c) => {
      const address = report.addressOf(incomingOf(c));
      const refused = report.admit(Number(c.req.header('content-length')), address);
      if (refused !== undefined) return send(c, refused);
      return send(c, await report.raw(new Uint8Array(await c.req.arrayBuffer()), address));
    },
  );
}
