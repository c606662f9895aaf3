/**
 * Report commits off the event loop. A report's transaction ends with an fsync (the store runs
 * `synchronous = FULL`), which under load took about 1 ms of the tracker's only thread per
 * report: a burst of receipts then stalled announces. {@link WriterThread} commits on a worker
 * thread with its own connection to the same database file; SQLite's write lock (IMMEDIATE
 * transactions) still decides between racing reports, so a receipt is spent at most once. An
 * in-memory store (tests) cannot be shared between threads and commits inline.
 * @module
 */
import { Worker } from 'node:worker_threads';
import {
  AlreadySpentError,
  InvalidReportError,
  type ReportInput,
  type ReportOutcome,
  type Store,
  UnknownKeyError,
} from './types.ts';

/** Applies verified reports to the store (see {@link Store.applyReport}), resolving when committed. */
export interface ReportCommitter {
  /** Resolves with the outcome once durable; rejects with the errors of {@link Store.applyReport}. */
  commit(report: ReportInput): Promise<ReportOutcome>;
  /** Waits for commits in flight, then stops. */
  close(): Promise<void>;
}

/** Commits on the store's own connection, in the calling thread. */
export function inlineCommitter(store: Pick<Store, 'applyReport'>): ReportCommitter {
  return {
    async commit(report) {
      return store.applyReport(report);
    },
    async close() {},
  };
}

/** A refusal or failure as it crosses the thread boundary. */
export type CommitError =
  | { kind: 'already_spent'; id: Uint8Array; index: number }
  | { kind: 'unknown_key'; role: 'sender' | 'receiver'; publicKey: Uint8Array; index: number }
  | { kind: 'invalid'; message: string }
  | { kind: 'failed'; message: string; stack?: string };

/** A message to the writer. */
export interface CommitTask {
  id: number;
  report: ReportInput;
}

/** The writer's answer. */
export type CommitReply = { id: number; outcome: ReportOutcome } | { id: number; error: CommitError };

/** `error` as it crosses to the caller's thread. */
export function toCommitError(error: unknown): CommitError {
  if (error instanceof AlreadySpentError) return { kind: 'already_spent', id: error.id, index: error.index };
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

/** How long {@link WriterThread.close} waits for commits in flight. */
const CLOSE_GRACE_MS = 10_000;

interface Waiter {
  resolve: (outcome: ReportOutcome) => void;
  reject: (error: Error) => void;
}

/** Commits reports on a worker thread holding its own connection to the store under `dataDir`. */
export class WriterThread implements ReportCommitter {
  /** The live writer; none after it died, until the next commit starts another. */
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Waiter>();
  private nextId = 0;
  private closed = false;

  private constructor(
    private readonly dataDir: string,
    private readonly committed: () => void,
  ) {
    this.worker = this.spawn();
  }

  /**
   * Starts the writer for the store under `dataDir` (already opened and migrated by the caller);
   * `committed` runs after every successful commit (the tracker wakes its chain sync there).
   */
  static async start(dataDir: string, committed: () => void = () => {}): Promise<WriterThread> {
    const writer = new WriterThread(dataDir, committed);
    await writer.ready(writer.worker!);
    return writer;
  }

  commit(report: ReportInput): Promise<ReportOutcome> {
    if (this.closed) return Promise.reject(new Error('the report writer is closed'));
    const id = this.nextId++;
    // Started here rather than when the last one died: a writer that cannot open the store
    // would otherwise be restarted in a loop.
    const worker = (this.worker ??= this.spawn());
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, report } satisfies CommitTask);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    // Commits already handed over finish (their reporters are waiting for the answer), unless
    // the writer hangs: terminating it rolls back whatever it had not committed.
    const deadline = Date.now() + CLOSE_GRACE_MS;
    while (this.pending.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    await this.worker?.terminate();
  }

  private ready(worker: Worker): Promise<void> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number) => reject(new Error(`the report writer exited with code ${code} while starting`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', () => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        resolve();
      });
    });
  }

  private spawn(): Worker {
    const worker = new Worker(new URL('./writer-worker-entry.mjs', import.meta.url), { workerData: { dataDir: this.dataDir } });
    // An idle writer must not keep the process alive; a busy one must.
    worker.unref();
    worker.on('message', (reply: CommitReply | 'ready') => {
      if (reply === 'ready') return;
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if ('error' in reply) {
        waiter.reject(fromCommitError(reply.error));
      } else {
        this.committed();
        waiter.resolve(reply.outcome);
      }
    });
    worker.on('error', (error) => this.fail(worker, error));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(worker, new Error(`the report writer exited with code ${code}`));
    });
    return worker;
  }

  /**
   * The writer died: its open transaction rolled back with it, but a commit may have landed
   * before its answer was lost, so pending reports fail (a retry is refused as already spent
   * rather than credited twice) and the next commit starts a fresh writer.
   */
  private fail(worker: Worker, error: Error): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}
