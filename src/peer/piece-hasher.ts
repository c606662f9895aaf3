/**
 * The hashes of an assembled piece: SHA-1, to check it against the torrent, and, when asked,
 * SHA-256 (what a PBTS receipt signs). A large piece in shared memory is hashed on a worker
 * thread: at 100 MB/s the two hashes took 14% of the downloader's event loop, which is its
 * bottleneck; the worker reads the piece where it is, and the event loop spends about 0.06 ms
 * per piece on the round trip. Smaller pieces, and any piece when the worker fails, are hashed
 * in place.
 * @module
 */
import { createHash } from 'node:crypto';
import { WorkerPool } from '../workers/pool.ts';

/** Pieces from this size up go to the worker; below, the round trip costs more than the hashing. */
export const OFFLOAD_MIN = 256 * 1024;

/** A piece's hashes. */
export interface PieceDigests {
  readonly sha1: Uint8Array;
  /** When asked for. */
  readonly sha256?: Uint8Array;
}

interface Job {
  data: Uint8Array;
  sha256: boolean;
}

/** A buffer of `size` bytes the hasher can hand to its worker without copying. */
export function sharedBuffer(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size));
}

/** Hashes pieces, on a worker thread where that pays (started with the first such piece). */
export class PieceHasher {
  #pool: WorkerPool<Job, PieceDigests> | undefined;
  #closed = false;

  /** `data`'s SHA-1, and its SHA-256 if `sha256`; `data` must not change until this settles. */
  async digest(data: Uint8Array, sha256: boolean): Promise<PieceDigests> {
    if (!this.#closed && data.length >= OFFLOAD_MIN && data.buffer instanceof SharedArrayBuffer) {
      this.#pool ??= new WorkerPool({ entry: new URL('./hash-worker.mjs', import.meta.url), size: 1, name: 'hash worker', execArgv: [] });
      try {
        return await this.#pool.run({ data, sha256 });
      } catch {
        // The worker died or the pool closed meanwhile: the piece is hashed here instead.
      }
    }
    return digestHere(data, sha256);
  }

  /** Stops the worker; later pieces are hashed in place. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#pool?.close();
  }
}

function digestHere(data: Uint8Array, sha256: boolean): PieceDigests {
  const sha1 = new Uint8Array(createHash('sha1').update(data).digest());
  return sha256 ? { sha1, sha256: new Uint8Array(createHash('sha256').update(data).digest()) } : { sha1 };
}
