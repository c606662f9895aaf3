/**
 * Snatch counts (scrape's `downloaded`) kept in the store, written behind the announces: an
 * announce only sets its torrent's new total in memory, and the totals set within
 * {@link SNATCH_FLUSH_MS} go to the store's writer in one transaction (on the writer thread for a
 * file store, so the fsync stays off the event loop). A count is read from the store when its
 * torrent enters memory (a first announce, a scrape of a torrent without peers), through the
 * totals not yet written. Totals, not increments, and the store keeps the larger: a count read
 * while its write is under way, or written twice, never adds up twice. A crash loses at most the
 * last second of snatches; {@link DurableSnatches.close} writes them all.
 * @module
 */
import type { ReportCommitter, Store } from '../store/index.ts';
import type { Snatches } from './swarm.ts';

/** Longest a snatch waits in memory before it is written. */
export const SNATCH_FLUSH_MS = 1000;

/** {@link Snatches} in the store, written behind. */
export class DurableSnatches implements Snatches {
  readonly #store: Pick<Store, 'snatches'>;
  readonly #writer: Pick<ReportCommitter, 'recordSnatches'>;
  readonly #flushMs: number;
  /** Totals set since the last write began, by torrent. */
  #pending = new Map<string, number>();
  /** Totals of the write under way. */
  #writing = new Map<string, number>();
  #write: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(store: Pick<Store, 'snatches'>, writer: Pick<ReportCommitter, 'recordSnatches'>, flushMs = SNATCH_FLUSH_MS) {
    this.#store = store;
    this.#writer = writer;
    this.#flushMs = flushMs;
  }

  count(id: string): number {
    // Newest first: a total set here is never below what the store holds.
    return this.#pending.get(id) ?? this.#writing.get(id) ?? this.#store.snatches(Buffer.from(id, 'latin1'));
  }

  set(id: string, total: number): void {
    this.#pending.set(id, total);
    this.#schedule();
  }

  /** Writes every total set so far; resolves once they are durable. */
  async flush(): Promise<void> {
    // One write at a time, so totals reach the store in the order they were set.
    while (this.#write !== undefined) await this.#write.catch(() => {});
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    this.#writing = batch;
    const counts = [...batch].map(([id, downloaded]) => ({ infohash: Buffer.from(id, 'latin1'), downloaded }));
    this.#write = this.#writer.recordSnatches(counts).then(
      () => {
        this.#writing = new Map();
      },
      (error: unknown) => {
        // Kept for the next write; a total set meanwhile is newer and wins.
        for (const [id, total] of batch) if (!this.#pending.has(id)) this.#pending.set(id, total);
        this.#writing = new Map();
        throw error;
      },
    ).finally(() => {
      this.#write = undefined;
    });
    await this.#write;
  }

  /** Stops the timer and writes what is left (call once announces have stopped). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush().catch((error: unknown) => {
        console.error('snatch counts not written, retrying:', error);
        this.#schedule();
      });
    }, this.#flushMs);
    this.#timer.unref();
  }
}
