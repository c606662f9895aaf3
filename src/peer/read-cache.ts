/**
 * What an uploader reads from disk, in chunks of a few blocks kept for a while: a piece served
 * block by block costs a few reads instead of one per 16 KiB block, and whatever else needs a
 * piece's bytes (PBTS hashes what it sent) shares those reads. A chunk is a bounded multiple of
 * a block, so a peer asking one block of each of many pieces makes us read at most that many
 * times what we send.
 * @module
 */
import type { Metainfo } from './metainfo.ts';
import { pieceSize } from './metainfo.ts';
import type { Storage } from './storage.ts';

/** Bytes read at once (16 blocks). */
export const CHUNK_BYTES = 256 * 1024;
/** Chunks kept, by total bytes; the least recently used go first. */
export const CACHE_BYTES = 8 * 1024 * 1024;

/** Reads a torrent's pieces through a bounded cache of chunks. */
export class ReadCache {
  readonly #chunks = new Map<string, Promise<Buffer>>();
  #bytes = 0;

  constructor(
    private readonly storage: Storage,
    private readonly metainfo: Metainfo,
  ) {}

  /** `length` bytes at `offset` of piece `index` (a piece we have); may share memory with the cache. */
  async read(index: number, offset: number, length: number): Promise<Buffer> {
    const first = Math.floor(offset / CHUNK_BYTES);
    const last = Math.floor((offset + length - 1) / CHUNK_BYTES);
    if (first === last) {
      const start = first * CHUNK_BYTES;
      return (await this.#chunk(index, first)).subarray(offset - start, offset - start + length);
    }
    const parts: Buffer[] = [];
    for (let chunk = first; chunk <= last; chunk++) parts.push(await this.#chunk(index, chunk));
    const start = first * CHUNK_BYTES;
    return Buffer.concat(parts).subarray(offset - start, offset - start + length);
  }

  /** The whole of piece `index`, as the chunks that hold it (no copy). */
  async piece(index: number): Promise<Buffer[]> {
    const chunks = Math.ceil(pieceSize(this.metainfo, index) / CHUNK_BYTES);
    const parts: Buffer[] = [];
    for (let chunk = 0; chunk < chunks; chunk++) parts.push(await this.#chunk(index, chunk));
    return parts;
  }

  #chunk(index: number, chunk: number): Promise<Buffer> {
    const key = `${index}:${chunk}`;
    const cached = this.#chunks.get(key);
    if (cached) {
      // Most recently used goes last.
      this.#chunks.delete(key);
      this.#chunks.set(key, cached);
      return cached;
    }
    const start = chunk * CHUNK_BYTES;
    const length = Math.min(CHUNK_BYTES, pieceSize(this.metainfo, index) - start);
    const reading = this.storage.read(index, start, length);
    this.#chunks.set(key, reading);
    this.#bytes += length;
    // A failed read is not kept: the next request tries the disk again.
    reading.catch(() => this.#forget(key, reading, length));
    for (const [old, data] of this.#chunks) {
      if (this.#bytes <= CACHE_BYTES) break;
      const [oldIndex, oldChunk] = old.split(':').map(Number) as [number, number];
      this.#forget(old, data, Math.min(CHUNK_BYTES, pieceSize(this.metainfo, oldIndex) - oldChunk * CHUNK_BYTES));
    }
    return reading;
  }

  #forget(key: string, reading: Promise<Buffer>, length: number): void {
    if (this.#chunks.get(key) !== reading) return;
    this.#chunks.delete(key);
    this.#bytes -= length;
  }
}
