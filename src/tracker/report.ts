/**
 * `POST /report`: an uploader hands in receipts signed by its downloaders with one aggregate
 * signature; the tracker parses and checks the body off the event loop (`report-check.ts`, on a
 * verify worker), looks up its keys and spent ids, verifies the aggregate once off the event
 * loop, then spends the ids and moves the bytes in one transaction. All or nothing.
 *
 * Defences against a client that makes the tracker work for nothing (report-guard.ts,
 * report-queue.ts): a per-address byte budget checked before the body is read; refused bodies
 * remembered by digest and refused again before they are parsed; the body bytes waiting for the
 * parser bounded per address and in total; failed verifications remembered by what was verified
 * and never run twice; verifications queued fairly between addresses and senders, small reports
 * first, with the work pending per address and per sender bounded; and the store's spent-id
 * horizon, below which no receipt is accepted whatever the window.
 * @module
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { currentEpoch, type VerifyPool } from '../receipts/index.ts';
import {
  type CheckedReport,
  type PackedReceipts,
  type ReportCheck,
  type ReportFault,
  type ReportRefusal,
  type ReportWindow,
  checkReportBytes,
  MAX_RECEIPTS_PER_REPORT,
  checkReportJson,
  packedFields,
  packedId,
} from '../receipts/report-check.ts';
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
import { BoundedCache, ByteBudget, PendingBytes, addressKey } from './report-guard.ts';
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
  /** Where report bodies are parsed and checked (`VerifyPool.checkReport`); default: inline, on the event loop. */
  parser?: ReportParser;
  /** Clock in unix milliseconds; default `Date.now`. */
  now?: () => number;
}

export { MAX_RECEIPTS_PER_REPORT } from '../receipts/report-check.ts';
/** Largest accepted report body. */
export const MAX_REPORT_BYTES = 1024 * 1024;

/** Checks a report body as received against the epoch window (`report-check.ts`). */
export type ReportParser = (body: Uint8Array, window: ReportWindow) => Promise<ReportCheck>;

/** Receipts waiting for or in verification over all clients, whatever the per-client limits. */
export const MAX_PENDING_RECEIPTS = 65_536;
/** The byte budget's burst is at least this (two full reports). */
const MIN_BURST_BYTES = 2 * 1024 * 1024;
/** Body bytes one address may have waiting for the parser (two full reports: an honest client sends one at a time). */
export const MAX_PARSE_PENDING_PER_ADDRESS = 2 * MAX_REPORT_BYTES;
/** Body bytes waiting for the parser over all clients: what queued bodies may hold of memory. */
export const MAX_PARSE_PENDING = 32 * MAX_REPORT_BYTES;

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
  /** Answers the body as received: byte budget, then the refused-body cache, then the parser. */
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

/** A refusal about receipt `index`, its reason prefixed with the index. */
function atReceipt(
  index: number,
  error: string,
  reason: string,
  status: 409 | 422 = 422,
): Refusal {
  return new Refusal(status, error, `receipt ${index}: ${reason}`, index);
}

/** The HTTP status of each refusal of the body's own checks (`report-check.ts`). */
const STATUS: Record<ReportFault, 400 | 413 | 422> = {
  bad_json: 400,
  bad_request: 400,
  bad_receipt: 400,
  too_many_receipts: 413,
  sender_mismatch: 422,
  expired_epoch: 422,
  future_epoch: 422,
  self_receipt: 422,
  duplicate_receipt: 422,
};

const answerOf = ({ error, reason, index }: ReportRefusal): ReportAnswer => new Refusal(STATUS[error], error, reason, index).answer();

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Refusals that the same body always gets again (not `unknown_key`: its user may register; not `future_epoch`). */
const PERMANENT = new Set([
  'bad_json', 'bad_request', 'bad_receipt', 'too_many_receipts', 'sender_mismatch', 'expired_epoch',
  'self_receipt', 'duplicate_receipt', 'bad_signature', 'already_spent',
]);

const BAD_SIGNATURE = new Refusal(422, 'bad_signature', 'the aggregate signature does not verify for these receipts').answer();
const ALREADY_SPENT = atReceipt(0, 'already_spent', 'already spent', 409).answer();

/** What a verification is given, as a digest: the aggregate, then each receipt's id and piece size (the id covers every other signed field). */
function verificationDigest(signature: Uint8Array, packed: PackedReceipts): string {
  const bytes = Buffer.allocUnsafe(signature.length + packed.count * 36);
  bytes.set(signature, 0);
  let offset = signature.length;
  for (let index = 0; index < packed.count; index++) {
    bytes.set(packedId(packed, index), offset);
    bytes.writeUInt32BE(packed.pieceSizes[index]!, offset + 32);
    offset += 36;
  }
  return createHash('sha256').update(bytes).digest('base64');
}

/** The parser of {@link ReportDeps.parser} by default: on the calling thread. */
const inlineParser: ReportParser = async (body, window) => checkReportBytes(body, window);

/** The report logic over `deps` (see {@link Reporter}). */
export function createReporter(deps: ReportDeps): Reporter {
  const { store, pool } = deps;
  // The limits with their defaults; the epoch settings are read live from `deps.config`.
  const config = { ...defaultConfig, ...deps.config };
  const epochs = deps.config;
  const committer = deps.committer ?? inlineCommitter(store);
  const parser = deps.parser ?? inlineParser;
  const now = deps.now ?? Date.now;
  const trust = proxyTrust(config.trustProxy);
  const limits = Object.freeze(reportLimits(config, pool.size ?? availableParallelism()));
  const budget = new ByteBudget(limits.reportBytesPerSecond, limits.reportBurstBytes, now);
  // Refused bodies by SHA-256 (the same answer again, unparsed), and failed verifications by what they verified.
  // A body's answer holds while its oldest receipt is in the window; after that it is expired_epoch.
  const refusedBodies = new BoundedCache<{ answer: ReportAnswer; oldestEpoch: number }>(limits.failedReportCache);
  const failedVerifications = new BoundedCache<true>(limits.failedReportCache);
  // Bodies handed to the parser and not answered yet: they hold memory while they wait for a worker.
  const parsing = new PendingBytes(MAX_PARSE_PENDING_PER_ADDRESS, MAX_PARSE_PENDING);
  const queue = new FairVerifyQueue({
    concurrency: limits.verifyConcurrency,
    perAddress: limits.verifyPendingPerAddress,
    perSender: limits.verifyPendingPerSender,
    total: limits.verifyPendingTotal,
  });
  const counts = { bytesRefused: 0, bodyCacheHits: 0, verifyCacheHits: 0, verifyFailed: 0, parseAddress: 0, parseFull: 0 };
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
  const busy = (why: QueueRefusal | 'bytes' | 'parseAddress' | 'parseFull'): ReportAnswer => {
    const reason = {
      bytes: `this address sent more report bytes than its budget (${limits.reportBytesPerSecond} bytes/s); retry later`,
      parseAddress: `this address has ${MAX_PARSE_PENDING_PER_ADDRESS} report bytes waiting to be parsed at most; retry later`,
      parseFull: 'the report parsers are saturated; retry later',
      address: `this address has ${limits.verifyPendingPerAddress} receipts waiting for verification at most; retry later`,
      sender: `this sender has ${limits.verifyPendingPerSender} receipts waiting for verification at most; retry later`,
      full: 'the verifiers are saturated; retry later',
    }[why];
    if (why === 'parseAddress' || why === 'parseFull') counts[why]++;
    return new Refusal(503, 'busy', reason).answer();
  };
  // Never below the horizon the store has collected up to, whatever the window says.
  const windowStart = (current: number) => Math.max(current - epochs.windowEpochs, store.spentHorizon());
  /** The epochs accepted now. */
  const acceptedWindow = (): ReportWindow => {
    const current = currentEpoch(epochs.epochSeconds, now());
    const oldestEpoch = windowStart(current);
    if (current !== collectedEpoch) {
      // Spent ids matter only while their epoch is accepted. One epoch of slack covers a
      // report whose window was checked just before an epoch boundary and applied after it.
      // Not awaited: an epoch's ids can take seconds to forget, on the writer thread.
      collectedEpoch = current;
      committer.collect(oldestEpoch - 1).catch((error: unknown) => console.error('spent-id collection failed:', error));
    }
    return { oldestEpoch, current };
  };
  /** The store's part of the checks: the sender, then each receiver, registered. */
  const unregistered = (checked: CheckedReport): ReportAnswer | undefined => {
    if (!isRegistered(checked.senderPk, hex(checked.senderPk))) {
      return new Refusal(422, 'unknown_key', 'the sender key is not registered').answer();
    }
    const unknown = checked.receivers.find((receiver) => !isRegistered(receiver.publicKey, hex(receiver.publicKey)));
    return unknown && atReceipt(unknown.index, 'unknown_key', 'the receiver key is not registered').answer();
  };
  /** The answer to a checked body; `seen.oldestEpoch` gets its oldest receipt's epoch once every check short of the store's spent ids passed. */
  const report = async (check: ReportCheck, address: string, seen?: { oldestEpoch: number }): Promise<ReportAnswer> => {
    if (check.refused !== undefined) return answerOf(check.refused);
    const unknown = unregistered(check);
    if (unknown !== undefined) return unknown;
    if (check.fault !== undefined) return answerOf(check.fault);
    const { receipts: packed, signature } = check;
    if (seen !== undefined) seen.oldestEpoch = packed.oldestEpoch;
    // A replay is refused before the signature work, so replays cannot buy verification time;
    // the commit below still decides atomically for reports racing each other.
    for (let index = 0; index < packed.count; index++) {
      if (store.isSpent(packedId(packed, index))) return atReceipt(index, 'already_spent', 'already spent', 409).answer();
    }
    // Verification is deterministic: what failed once fails again, so it is never run twice.
    const digest = verificationDigest(signature, packed);
    if (failedVerifications.get(digest) !== undefined) {
      counts.verifyCacheHits++;
      return BAD_SIGNATURE;
    }
    const fields = Array.from({ length: packed.count }, (_, index) => packedFields(check, packed, index));
    const queued = queue.submit(address, hex(check.senderPk), packed.count, () => pool.verifyAggregate(fields, signature));
    if (typeof queued === 'string') return busy(queued);
    if (!(await queued)) {
      counts.verifyFailed++;
      failedVerifications.set(digest, true);
      return BAD_SIGNATURE;
    }
    const spends = fields.map(({ epoch, senderPk, receiverPk, pieceSize }, index): SpendReceipt => ({ id: packedId(packed, index), epoch, senderPk, receiverPk, pieceSize }));
    let outcome: ReportOutcome;
    try {
      outcome = await committer.commit({ receipts: spends, now: now() });
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
    // tens of milliseconds of a worker; the digest well under one of the event loop).
    const digest = createHash('sha256').update(bytes).digest('base64');
    const known = refusedBodies.get(digest);
    if (known !== undefined && known.oldestEpoch >= windowStart(currentEpoch(epochs.epochSeconds, now()))) {
      counts.bodyCacheHits++;
      return known.answer;
    }
    // The parser may take the bytes away (a worker's): their length is kept here.
    const size = bytes.length;
    const held = parsing.take(address, size);
    if (held !== undefined) return busy(held === 'key' ? 'parseAddress' : 'parseFull');
    let check: ReportCheck;
    try {
      check = await parser(bytes, acceptedWindow());
    } finally {
      parsing.release(address, size);
    }
    const seen = { oldestEpoch: Infinity };
    const answer = await report(check, address, seen);
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
      sample('pbts_report_busy_parse_address_total', 'counter', counts.parseAddress, 'Reports refused busy: the address had too many body bytes waiting to be parsed.'),
      sample('pbts_report_busy_parse_full_total', 'counter', counts.parseFull, 'Reports refused busy: too many body bytes were waiting to be parsed.'),
      sample('pbts_report_parse_pending_bytes', 'gauge', parsing.size, 'Report body bytes waiting for or in the parse.'),
      sample('pbts_report_verify_queued_receipts', 'gauge', stats.queuedReceipts, 'Receipts waiting for a verifier.'),
      sample('pbts_report_verify_running', 'gauge', stats.runningJobs, 'Verifications handed to the workers.'),
      sample('pbts_report_limit_bytes_per_second', 'gauge', limits.reportBytesPerSecond, 'Report bytes per second one address may send.'),
      sample('pbts_report_limit_pending_per_address', 'gauge', limits.verifyPendingPerAddress, 'Receipts one address may have pending verification.'),
      sample('pbts_report_limit_pending_per_sender', 'gauge', limits.verifyPendingPerSender, 'Receipts one sender may have pending verification.'),
      sample('pbts_report_limit_refused_cache', 'gauge', limits.failedReportCache, 'Refused bodies and failed verifications remembered, each.'),
      sample('pbts_spent_horizon_epoch', 'gauge', store.spentHorizon(), 'Oldest epoch still guarded against double spending; older receipts are refused.'),
    ];
  };
  return Object.assign((body: unknown, address = 'unknown') => report(checkReportJson(body, acceptedWindow()), address), {
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
