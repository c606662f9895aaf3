/**
 * Worker threads answering jobs, for work the event loop must not wait on: BLS verification,
 * quote verification, report commits. The worker side is {@link serveJobs} (serve.ts).
 *
 * A job goes to the least busy worker and its promise settles with that worker's answer. A
 * worker that dies fails the jobs it held and is replaced when the next job needs it (not at
 * once: a worker that cannot start would otherwise be restarted in a loop). Idle workers do not
 * keep the process alive; starting and busy ones do (a caller may be awaiting `ready()`).
 * @module
 */
import { type Transferable, Worker } from 'node:worker_threads';

/** A job as the worker receives it. */
export interface JobMessage<J> {
  id: number;
  job: J;
}

/** A worker's answer to job `id`: its result, or its error encoded to cross the thread. */
export type JobReply<R> = { id: number; result: R } | { id: number; error: unknown };

/** The message a worker posts once it has loaded and can take jobs. */
export const READY = 'ready';

/** Options of a {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** The worker's entry module. */
  entry: URL;
  /** Workers; at least 1. */
  size: number;
  /** What a worker is called in errors ("verify worker"). */
  name: string;
  /** Given to every worker as `workerData`. */
  workerData?: unknown;
  /** Turns an error a worker sent back into the error a job rejects with; default: its message. */
  decodeError?: (error: unknown) => Error;
  /** The workers' Node options; default the process's own (so a TypeScript loader carries over). */
  execArgv?: string[];
  /** How long {@link WorkerPool.close} lets jobs in flight finish; default 10 s. */
  closeGraceMs?: number;
}

interface Waiter<R> {
  resolve: (result: R) => void;
  reject: (error: Error) => void;
}

interface Slot<R> {
  /** The live worker; none after it died, until a job starts another. */
  worker: Worker | undefined;
  pending: Map<number, Waiter<R>>;
  /** Settles once the worker has posted {@link READY}; rejects if it exits first. */
  ready: Promise<void>;
}

/** Jobs `J` answered with results `R` by a pool of worker threads. */
export class WorkerPool<J, R> {
  readonly size: number;
  private readonly slots: Slot<R>[] = [];
  private nextId = 0;
  private closed = false;
  private readonly decodeError: (error: unknown) => Error;

  constructor(private readonly options: WorkerPoolOptions) {
    this.size = Math.max(1, options.size);
    this.decodeError = options.decodeError ?? ((error) => new Error(String((error as { message?: unknown }).message ?? error)));
    for (let i = 0; i < this.size; i++) {
      const slot: Slot<R> = { worker: undefined, pending: new Map(), ready: Promise.resolve() };
      this.spawn(slot);
      this.slots.push(slot);
    }
  }

  /** Resolves when every worker has started; rejects when one exits while starting. */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.ready));
  }

  /** Runs `job` on the least busy worker; what `transfer` lists moves to it (unusable here afterwards). */
  run(job: J, transfer: readonly Transferable[] = []): Promise<R> {
    if (this.closed) return Promise.reject(new Error(`the ${this.options.name} pool is closed`));
    const slot = this.slots.reduce((best, s) => (s.pending.size < best.pending.size ? s : best));
    const worker = slot.worker ?? this.spawn(slot);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, job } satisfies JobMessage<J>, transfer);
    });
  }

  /** Lets jobs in flight finish (up to the grace period), then stops the workers; new jobs reject. */
  async close(): Promise<void> {
    this.closed = true;
    // Whoever waits on a job in flight is owed its answer, unless a worker hangs: terminating it
    // then fails the job.
    const deadline = Date.now() + (this.options.closeGraceMs ?? 10_000);
    while (this.slots.some((slot) => slot.pending.size > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all(this.slots.map((slot) => slot.worker?.terminate()));
  }

  private spawn(slot: Slot<R>): Worker {
    const worker = new Worker(this.options.entry, { workerData: this.options.workerData, execArgv: this.options.execArgv });
    slot.worker = worker;
    let started = false;
    slot.ready = new Promise((resolve, reject) => {
      worker.once('exit', (code) => {
        if (!started) reject(new Error(`the ${this.options.name} exited with code ${code} while starting`));
      });
      worker.on('message', (reply: JobReply<R> | typeof READY) => {
        if (reply === READY) {
          started = true;
          if (slot.pending.size === 0) worker.unref();
          resolve();
          return;
        }
        const waiter = slot.pending.get(reply.id);
        if (!waiter) return;
        slot.pending.delete(reply.id);
        if (slot.pending.size === 0) worker.unref();
        if ('error' in reply) waiter.reject(this.decodeError(reply.error));
        else waiter.resolve(reply.result);
      });
    });
    // Nobody may be waiting for it (a replacement started by a job): the job's rejection reports it.
    slot.ready.catch(() => {});
    worker.on('error', (error) => this.fail(slot, worker, error));
    worker.on('exit', (code) => {
      const reason = this.closed ? 'was stopped by close() before answering' : `exited with code ${code}`;
      this.fail(slot, worker, new Error(`the ${this.options.name} ${reason}`));
    });
    return worker;
  }

  /** A worker died: the jobs it held fail (they may or may not have run), and the next job starts another. */
  private fail(slot: Slot<R>, worker: Worker, error: Error): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    for (const waiter of slot.pending.values()) waiter.reject(error);
    slot.pending.clear();
  }
}
