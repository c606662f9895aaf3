/**
 * A torrent's pieces on disk: the files laid end to end, so a piece or a block may span several
 * of them. Files open lazily and a bounded number stay open (a torrent may name 100,000 files).
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Bitfield } from './bitfield.ts';
import { pieceSize, type Metainfo, type MetainfoFile } from './metainfo.ts';

/** Most files held open at once. */
const MAX_OPEN_FILES = 32;

interface Segment {
  file: number;
  /** Position in that file. */
  position: number;
  length: number;
  /** Position in the caller's buffer. */
  at: number;
}

interface OpenFile {
  handle: FileHandle;
  writable: boolean;
  users: number;
}

/** Reads and writes a torrent's bytes under `dir` (a multi-file torrent in `dir/<name>/`). */
export class Storage {
  readonly #metainfo: Metainfo;
  readonly #paths: string[];
  readonly #open = new Map<number, OpenFile>();
  readonly #opening = new Map<string, Promise<{ handle: FileHandle; writable: boolean }>>();
  #emptyFilesMade = false;
  #closed = false;

  constructor(metainfo: Metainfo, dir: string) {
    this.#metainfo = metainfo;
    const root = metainfo.multiFile ? join(dir, metainfo.name) : dir;
    this.#paths = metainfo.files.map((file) => join(root, ...file.path));
  }

  /** Reads `length` bytes at `offset` of piece `index`; throws where the data is not on disk. */
  async read(index: number, offset: number, length: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafe(length);
    await this.#each(this.#segments(index, offset, length), false, async (handle, segment) => {
      const { bytesRead } = await handle.read(buffer, segment.at, segment.length, segment.position);
      if (bytesRead !== segment.length) throw new Error(`storage: ${this.#paths[segment.file]} is shorter than the torrent says`);
    });
    return buffer;
  }

  /** Writes `data` at `offset` of piece `index`, creating files and folders as needed. */
  async write(index: number, offset: number, data: Uint8Array): Promise<void> {
    if (!this.#emptyFilesMade) {
      this.#emptyFilesMade = true;
      await this.#makeEmptyFiles();
    }
    await this.#each(this.#segments(index, offset, data.length), true, async (handle, segment) => {
      await handle.write(data, segment.at, segment.length, segment.position);
    });
  }

  /** Whether piece `index` is on disk with the SHA-1 the torrent names. */
  async verify(index: number): Promise<boolean> {
    return (await this.#intact(index)) !== undefined;
  }

  /**
   * The pieces already on disk and intact (a seeder checks its files at start); `onIntact` sees
   * each one's data as it is checked (the buffer is valid during the call).
   */
  async scan(onIntact?: (index: number, data: Buffer) => void): Promise<Bitfield> {
    const { pieces } = this.#metainfo;
    const have = new Bitfield(pieces.length);
    const sizes = await Promise.all(this.#paths.map((path) => stat(path).then((s) => (s.isFile() ? s.size : -1), () => -1)));
    for (let index = 0; index < pieces.length; index++) {
      // Hash only pieces whose files are all there and long enough.
      const segments = this.#segments(index, 0, pieceSize(this.#metainfo, index));
      if (!segments.every((s) => sizes[s.file]! >= s.position + s.length)) continue;
      const data = await this.#intact(index);
      if (data === undefined) continue;
      have.set(index);
      onIntact?.(index, data);
    }
    return have;
  }

  /** Piece `index`'s data if it is on disk with the SHA-1 the torrent names. */
  async #intact(index: number): Promise<Buffer | undefined> {
    try {
      const data = await this.read(index, 0, pieceSize(this.#metainfo, index));
      return createHash('sha1').update(data).digest().equals(this.#metainfo.pieces[index]!) ? data : undefined;
    } catch {
      return undefined;
    }
  }

  /** Closes every open file; later reads and writes fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const files = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(files.map((file) => file.handle.close()));
  }

  /** The parts of files that bytes `offset..offset+length` of piece `index` fall on. */
  #segments(index: number, offset: number, length: number): Segment[] {
    const { files, pieceLength, pieces } = this.#metainfo;
    const size = index >= 0 && index < pieces.length ? pieceSize(this.#metainfo, index) : 0;
    if (!(Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length > 0 && offset + length <= size)) {
      throw new RangeError(`storage: no bytes ${offset}+${length} in piece ${index}`);
    }
    let start = index * pieceLength + offset;
    const end = start + length;
    const segments: Segment[] = [];
    for (let file = firstFile(files, start), at = 0; start < end; file++) {
      const entry = files[file]!;
      const take = Math.min(end, entry.offset + entry.length) - start;
      // Zero-length files hold no bytes of any piece.
      if (take <= 0) continue;
      segments.push({ file, position: start - entry.offset, length: take, at });
      start += take;
      at += take;
    }
    return segments;
  }

  async #each(segments: Segment[], writable: boolean, act: (handle: FileHandle, segment: Segment) => Promise<void>): Promise<void> {
    for (const segment of segments) {
      const file = await this.#acquire(segment.file, writable);
      try {
        await act(file.handle, segment);
      } finally {
        file.users--;
      }
    }
  }

  async #acquire(index: number, writable: boolean): Promise<OpenFile> {
    if (this.#closed) throw new Error('storage: closed');
    const path = this.#paths[index]!;
    let file = this.#open.get(index);
    if (!file) {
      // One open per file and mode at a time, so concurrent callers share a handle.
      const key = `${index}:${writable}`;
      let opening = this.#opening.get(key);
      if (!opening) {
        opening = openFile(path, writable).finally(() => this.#opening.delete(key));
        this.#opening.set(key, opening);
      }
      const opened = await opening;
      file = this.#open.get(index);
      if (!file) {
        file = { ...opened, users: 0 };
      } else if (file.handle !== opened.handle) {
        await opened.handle.close();
      }
      if (this.#closed) {
        await file.handle.close();
        throw new Error('storage: closed');
      }
    }
    if (writable && !file.writable) throw new Error(`storage: ${path} is read-only`);
    // Most recently used last, so eviction takes the oldest.
    this.#open.delete(index);
    this.#open.set(index, file);
    file.users++;
    await this.#evict();
    return file;
  }

  async #evict(): Promise<void> {
    for (const [index, file] of this.#open) {
      if (this.#open.size <= MAX_OPEN_FILES) return;
      if (file.users > 0) continue;
      this.#open.delete(index);
      await file.handle.close();
    }
  }

  async #makeEmptyFiles(): Promise<void> {
    for (const [i, file] of this.#metainfo.files.entries()) {
      if (file.length !== 0) continue;
      const path = this.#paths[i]!;
      await mkdir(dirname(path), { recursive: true });
      await (await open(path, 'a')).close();
    }
  }
}

/** Index of the file holding torrent byte `position` (binary search over offsets). */
function firstFile(files: readonly MetainfoFile[], position: number): number {
  let low = 0;
  let high = files.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (files[middle]!.offset <= position) low = middle;
    else high = middle - 1;
  }
  return low;
}

/**
 * Opens `path` for reading and writing ('r+' keeps existing data); a write creates a missing file
 * and its folders, a read falls back to read-only where the seeder may not write.
 */
async function openFile(path: string, writable: boolean): Promise<{ handle: FileHandle; writable: boolean }> {
  try {
    return { handle: await open(path, 'r+'), writable: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (writable && code === 'ENOENT') {
      await mkdir(dirname(path), { recursive: true });
      return { handle: await open(path, 'w+'), writable: true };
    }
    if (!writable && (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')) return { handle: await open(path, 'r'), writable: false };
    throw error;
  }
}
