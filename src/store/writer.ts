/**
 * Report commits off the event loop. A report's transaction ends with an fsync (the store runs
 * `synchronous = FULL`), which under load took about 1 ms of the tracker's only thread per
 * report: a burst of receipts then stalled announces. {@link WriterThread} commits on a worker
 * thread with its own connection to the same database file; SQLite's write lock (IMMEDIATE
 * transactions) still decides between racing reports, so a receipt is spent at most once. The
 * tracker's other writes of its own (snatch counts) go the same way. An in-memory store (tests)
 * cannot be shared between threads and commits inline.
 * @module
 */
import { WorkerPool } from '../workers/pool.ts';
import {
  AlreadySpentError,
  ExpiredReceiptError,
  InvalidReportError,
  type ReportInput,
  type ReportOutcome,
  type SnatchCount,
  type Store,
  UnknownKeyError,
} from './types.ts';

/** Applies verified reports to the store (see {@link Store.applyReport}), forgets old spent ids, and records snatch counts. */
export interface ReportCommitter {
  /** Resolves with the outcome once durable; rejects with the errors of {@link Store.applyReport}. */
  commit(report: ReportInput): Promise<ReportOutcome>;
  /** Forgets spent ids of epochs below `oldestEpochToKeep` (see {@link Store.gcSpent}); resolves with how many. */
  collect(oldestEpochToKeep: number): Promise<number>;
  /** Resolves once `counts` are durable (see {@link Store.recordSnatches}). */
  recordSnatches(counts: readonly SnatchCount[]): Promise<void>;
  /** Waits for commits in flight, then stops. */
  close(): Promise<void>;
}

/** Commits on the store's own connection, in the calling thread. */
export function inlineCommitter(store: Pick<Store, 'applyReport' | 'gcSpent' | 'recordSnatches'>): ReportCommitter {
  return {
    async commit(report) {
      return store.applyReport(report);
    },
    async collect(oldestEpochToKeep) {
      return store.gcSpent(oldestEpochToKeep);
    },
    async recordSnatches(counts) {
      store.recordSnatches(counts);
    },
    async close() {},
  };
}

/** A job of the writer thread. */
export type WriterJob =
  | { kind: 'commit'; report: ReportInput }
  | { kind: 'collect'; oldestEpochToKeep: number; limit: number }
  | { kind: 'snatches'; counts: readonly SnatchCount[] };

/**
 * Spent ids forgotten per collection step. An epoch of ids can be millions (3,000 receipts/s for
 * an hour is 10.8M; deleting 500,000 took 0.4 s here): in steps, the write lock is released
 * between them and reports queued meanwhile are committed in between.
 */
export const COLLECT_STEP = 10_000;

/** A refusal or failure as it crosses the thread boundary. */
export type CommitError =
  | { kind: 'already_spent'; id: Uint8Array; index: number }
  | { kind: 'expired'; index: number; epoch: number; horizon: number }
  | { kind: 'unknown_key'; role: 'sender' | 'receiver'; publicKey: Uint8Array; index: number }
  | { kind: 'invalid'; message: string }
  | { kind: 'failed'; message: string; stack?: string };

/** `error` as it crosses to the caller's thread. */
export function toCommitError(error: unknown): CommitError {
  if (error instanceof AlreadySpentError) return { kind: 'already_spent', id: error.id, index: error.index };
  if (error instanceof ExpiredReceiptError) return { kind: 'expired', index: error.index, epoch: error.epoch, horizon: error.horizon };
  if (error instanceof UnknownKeyError) return { kind: 'unknown_key', role: error.role, publicKey: error.publicKey, index: error.index };
  if (error instanceof InvalidReportError) return { kind: 'invalid', message: error.message };
  const failure = error instanceof Error ? error : new Error(String(error));
  return { kind: 'failed', message: failure.message, stack: failure.stack };
}

/** The error the writer reported, as the store would have thrown it. */
export function fromCommitError(error: CommitError): Error {
  switch (error.kind) {
    case 'already_spent':
      return new AlreadySpentError(error.id, error.index);
    case 'expired':
      return new ExpiredReceiptError(error.index, error.epoch, error.horizon);
    case 'unknown_key':
      return new UnknownKeyError(error.role, error.publicKey, error.index);
    case 'invalid':
      return new InvalidReportError(error.message);
    case 'failed': {
      const failure = new Error(`report commit failed on the writer thread: ${error.message}`);
      if (error.stack) failure.stack = error.stack;
      return failure;
    }
  }
}

/**
 * Commits reports on a worker thread holding its own connection to the store under `dataDir`.
 * If the writer dies, its open transaction rolls back with it, but a commit may have landed
 * before its answer was lost: the reports it held fail (a retry is refused as already spent
 * rather than credited twice) and the next commit starts a fresh writer.
 */
export class WriterThread implements ReportCommitter {
  private constructor(
    private readonly writer: WorkerPool<WriterJob, ReportOutcome | number | undefined>,
    private readonly committed: () => void,
  ) {}

  /**
   * Starts the writer for the store under `dataDir` (already opened and migrated by the caller);
   * `committed` runs after every successful commit (the tracker wakes its chain sync there).
   */
  static async start(dataDir: string, committed: () => void = () => {}): Promise<WriterThread> {
    const writer = new WorkerPool<WriterJob, ReportOutcome | number | undefined>({
      entry: new URL('./writer-worker-entry.mjs', import.meta.url),
      size: 1,
      name: 'report writer',
      workerData: { dataDir },
      decodeError: (error) => fromCommitError(error as CommitError),
    });
    try {
      await writer.ready();
    } catch (error) {
      await writer.close();
      throw error;
    }
    return new WriterThread(writer, committed);
  }

  async commit(report: ReportInput): Promise<ReportOutcome> {
    const outcome = (await this.writer.run({ kind: 'commit', report })) as ReportOutcome;
    this.committed();
    return outcome;
  }

  /** Collects in steps of {@link COLLECT_STEP}, each its own transaction and job. */
  async collect(oldestEpochToKeep: number): Promise<number> {
    let total = 0;
    for (;;) {
      const forgotten = (await this.writer.run({ kind: 'collect', oldestEpochToKeep, limit: COLLECT_STEP })) as number;
      total += forgotten;
      if (forgotten < COLLECT_STEP) return total;
    }
  }

  async recordSnatches(counts: readonly SnatchCount[]): Promise<void> {
    await this.writer.run({ kind: 'snatches', counts });
  }

  /** Commits already handed over finish (their reporters wait for the answer), then the writer stops. */
  close(): Promise<void> {
    return this.writer.close();
  }
}
