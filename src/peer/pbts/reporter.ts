/**
 * Reports the inbox's pending receipts to the tracker in batches, one report at a time: when
 * `batch` receipts wait or the oldest has waited `intervalMs`, at once on a flush. The tracker's
 * answer settles each receipt for good: credited, or dropped when it is refused (already spent,
 * expired, ...), since sending it again could never succeed. A refusal naming a receipt drops
 * that one and resends the rest; one naming none halves the batch until the culprit is alone.
 * No answer, or a 5xx, is retried with exponential backoff, the receipts staying pending.
 * @module
 */
import { currentEpoch, type Receipt } from '../../receipts/index.ts';
import { type ReportResult, TrackerRefusal, TrackerUnreachable } from '../../client/tracker-client.ts';
import type { Inbox, StoredReceipt } from './inbox.ts';

/** Most receipts in one report (the tracker takes 1024 and 1 MiB; about 600 bytes each). */
const MAX_REPORT = 512;
/** First retry delay after an unanswered report; it doubles up to `MAX_BACKOFF_MS`. */
const FIRST_BACKOFF_MS = 250;
/** Longest retry delay. */
const MAX_BACKOFF_MS = 30_000;

/** What the reporter needs from a tracker client. */
export interface ReportSink {
  report(receipts: readonly Receipt[]): Promise<ReportResult>;
}

/** Options of a {@link Reporter}. */
export interface ReporterOptions {
  inbox: Inbox;
  /** The torrent whose receipts this reporter sends. */
  infohash: Uint8Array;
  tracker: ReportSink;
  /** Report when this many receipts wait... */
  batch: number;
  /** ...or the oldest has waited this long. */
  intervalMs: number;
  /** The tracker's acceptance window in epochs: older pending receipts are dropped unsent. */
  windowEpochs: number;
  /** Something worth telling the user (a refusal, an unreachable tracker). */
  warn(message: string): void;
  /** Clock, ms (default `Date.now`). */
  now?: () => number;
}

/** Totals of the tracker's answers. */
export interface ReporterStats {
  /** Receipts the tracker has answered for (credited or refused). */
  reported: number;
  credited: number;
  creditedBytes: number;
}

interface Flush {
  /** Settled once no pending receipt has a `seq` up to this one. */
  seq: number;
  resolve(): void;
  reject(error: Error): void;
}

/** The reporting loop of one torrent's inbox. */
export class Reporter {
  readonly stats: ReporterStats = { reported: 0, credited: 0, creditedBytes: 0 };
  readonly #options: ReporterOptions;
  readonly #now: () => number;
  readonly #flushes: Flush[] = [];
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  #backoff = 0;
  #backoffUntil = 0;
  /** Batch size after a refusal that named no receipt (bisection); 0 when none. */
  #split = 0;
  #closed = false;

  constructor(options: ReporterOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    const { inbox, infohash } = options;
    const expired = inbox.expire(infohash, this.#oldestEpoch());
    if (expired > 0) options.warn(`dropped ${expired} stored receipts older than the tracker's window`);
    inbox.prune(this.#oldestEpoch() - 1);
    this.poke();
  }

  /** New receipts are in the inbox (or a flush waits): report if it is time. */
  poke(): void {
    if (this.#closed || this.#busy) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const { inbox, infohash, batch, intervalMs } = this.#options;
    this.#settleFlushes();
    const pending = inbox.pendingCount(infohash);
    if (pending === 0) return;
    const now = this.#now();
    const due = this.#flushes.length > 0 || pending >= batch ? now : (inbox.oldestPending(infohash) ?? now) + intervalMs;
    const delay = Math.max(due, this.#backoffUntil) - now;
    if (delay <= 0) void this.#report();
    else this.#timer = setTimeout(() => this.poke(), delay);
  }

  /** Resolves once every receipt stored so far has been answered for; rejects if closed first. */
  flush(): Promise<void> {
    const seq = this.#options.inbox.lastSeq();
    return new Promise<void>((resolve, reject) => {
      if (this.#closed) return reject(new Error('the reporter is closed'));
      this.#flushes.push({ seq, resolve, reject });
      this.poke();
    });
  }

  /** Stops reporting; a report in flight is left to finish unrecorded (its receipts stay pending, and a later report finds them spent). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const flush of this.#flushes.splice(0)) flush.reject(new Error('closed before its receipts were reported'));
  }

  async #report(): Promise<void> {
    const { inbox, infohash, tracker } = this.#options;
    this.#busy = true;
    try {
      const expired = inbox.expire(infohash, this.#oldestEpoch());
      if (expired > 0) this.#answered(expired, `dropped ${expired} receipts older than the tracker's window`);
      const batch = inbox.list(infohash, 'pending', this.#split || Math.min(this.#options.batch, MAX_REPORT));
      if (batch.length === 0) return;
      let result: ReportResult;
      try {
        result = await tracker.report(batch.map((stored) => stored.receipt));
      } catch (error) {
        if (this.#closed) return;
        this.#refused(batch, error);
        return;
      }
      if (this.#closed) return;
      inbox.settle(ids(batch), 'credited');
      this.#backoff = 0;
      this.#split = 0;
      this.stats.reported += batch.length;
      this.stats.credited += result.accepted;
      this.stats.creditedBytes += result.credited_bytes;
    } catch (error) {
      // The inbox itself failed (disk full, closed under us): nothing to retry sooner than a backoff.
      if (!this.#closed) this.#retry(`the receipt inbox failed: ${(error as Error).message}`);
    } finally {
      this.#busy = false;
      this.poke();
    }
  }

  /** A report without a 2xx answer. */
  #refused(batch: StoredReceipt[], error: unknown): void {
    const unanswered = error instanceof TrackerUnreachable || (error instanceof TrackerRefusal && error.status >= 500);
    // A sender the tracker does not know is ours to fix (register), not the receipts' fault.
    const unregistered = error instanceof TrackerRefusal && error.code === 'unknown_key' && error.index === undefined;
    if (unanswered || unregistered || !(error instanceof TrackerRefusal)) return this.#retry((error as Error).message);
    this.#backoff = 0;
    const culprit = error.index !== undefined ? batch[error.index] : batch.length === 1 ? batch[0] : undefined;
    if (culprit === undefined) {
      this.#split = Math.ceil(batch.length / 2);
      return;
    }
    this.#options.inbox.settle([culprit.id], 'dropped', error.code);
    this.#answered(1, `the tracker refused receipt of piece ${culprit.receipt.pieceIndex} (${error.code}: ${error.reason}); dropped`);
  }

  #answered(count: number, message: string): void {
    this.stats.reported += count;
    this.#options.warn(message);
  }

  #retry(message: string): void {
    this.#backoff = Math.min(MAX_BACKOFF_MS, this.#backoff === 0 ? FIRST_BACKOFF_MS : this.#backoff * 2);
    this.#backoffUntil = this.#now() + this.#backoff;
    this.#options.warn(`report not answered (${message}); retrying in ${this.#backoff} ms`);
  }

  #settleFlushes(): void {
    const { inbox, infohash } = this.#options;
    for (let i = this.#flushes.length - 1; i >= 0; i--) {
      const flush = this.#flushes[i]!;
      if (inbox.pendingCount(infohash, flush.seq) > 0) continue;
      this.#flushes.splice(i, 1);
      flush.resolve();
    }
  }

  #oldestEpoch(): number {
    return currentEpoch(undefined, this.#now()) - this.#options.windowEpochs;
  }
}

function ids(batch: readonly StoredReceipt[]): Uint8Array[] {
  return batch.map((stored) => stored.id);
}
